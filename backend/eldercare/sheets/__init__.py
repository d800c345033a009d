"""Spreadsheets in and out, for every domain that reads or writes them: the upload readers
(JSON, NDJSON, CSV, XLSX), formula-safe cells, and streamed CSV, NDJSON and XLSX writers."""
