"""The command line's progress: one redrawn line on a terminal, whole lines in a log."""

from __future__ import annotations

import sys

from eldercare.bulk import client


def test_in_a_log_progress_is_whole_lines_without_repeats(capsys, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(client.time, "monotonic", lambda: clock[0])
    client.bar(0, None, "importing a.csv: rows")
    client.bar(0, None, "importing a.csv: rows")  # unchanged: not written again
    clock[0] = 101.0
    client.bar(2000, None, "importing a.csv: rows")  # too soon after the last line
    clock[0] = 106.0
    client.bar(4000, None, "importing a.csv: rows")
    client.bar_done()
    assert capsys.readouterr().err == "importing a.csv: rows 0\nimporting a.csv: rows 4000\n"


def test_on_a_terminal_progress_redraws_one_line(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    client.bar(1, 4, "changes")
    client.bar(4, 4, "changes")
    client.bar_done()
    err = capsys.readouterr().err
    assert err.count("\r") == 2
    assert err.endswith("] 4/4\n")
    assert "#" * 30 in err
