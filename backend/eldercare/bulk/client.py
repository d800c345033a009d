"""The scripting client behind ``eldercare import | export | sync`` (standard library only).

Credentials of an integration client come from the environment: ``ELDERCARE_CLIENT_ID``
and ``ELDERCARE_CLIENT_SECRET`` (or a ready ``ELDERCARE_TOKEN``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, Any

from eldercare.bulk.formats import MEDIA_TYPES

EXTENSIONS = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}


class ClientError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, if the server answered


class Api:
    """Requests with a bearer token. Logged in with client credentials, the token is renewed
    before it expires and again on a 401 (e.g. revoked or the clocks disagree), so a
    long-running command outlives the token's lifetime; a ready ``ELDERCARE_TOKEN`` cannot
    be renewed."""

    def __init__(self, url: str) -> None:
        if not url.startswith(("http://", "https://")):
            raise ClientError("the URL must start with http:// or https://")
        self.base = url.rstrip("/")
        self.fixed = os.environ.get("ELDERCARE_TOKEN") or None
        self.token = self.fixed or ""
        self.renew_at = math.inf  # monotonic seconds
        if self.fixed is None:
            self._login()

    def _login(self) -> None:
        cid, secret = (
            os.environ.get("ELDERCARE_CLIENT_ID"),
            os.environ.get("ELDERCARE_CLIENT_SECRET"),
        )
        if not cid or not secret:
            raise ClientError(
                "set ELDERCARE_CLIENT_ID and ELDERCARE_CLIENT_SECRET (or ELDERCARE_TOKEN)"
            )
        form = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
        ).encode()
        req = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            f"{self.base}/api/v1/auth/token",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        started = time.monotonic()
        body = self._fetch(req)
        self.token = str(body["access_token"])
        lifetime = float(body.get("expires_in") or 0)
        # Renew with a fifth of the lifetime (at most a minute) left.
        self.renew_at = started + lifetime - min(60.0, lifetime / 5) if lifetime else math.inf

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: bytes | IO[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> urllib.request.Request:
        if self.fixed is None and time.monotonic() >= self.renew_at:
            self._login()
        query = f"?{urllib.parse.urlencode(params, doseq=True)}" if params else ""
        h = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        return urllib.request.Request(  # noqa: S310
            f"{self.base}{path}{query}", data=data, headers=h, method=method
        )

    def _json(self, req: urllib.request.Request) -> Any:
        try:
            return self._fetch(req)
        except ClientError as exc:
            # A 401 to a request that can be sent again (its body is not a consumed stream):
            # log in again and retry it once.
            if exc.status != 401 or not req.has_header("Authorization"):
                raise
            if self.fixed is not None:
                raise ClientError(
                    f"{exc} (ELDERCARE_TOKEN cannot be renewed: use ELDERCARE_CLIENT_ID and "
                    "ELDERCARE_CLIENT_SECRET)",
                    401,
                ) from None
            if req.data is not None and not isinstance(req.data, bytes):
                raise
        self._login()
        req.add_header("Authorization", f"Bearer {self.token}")
        return self._fetch(req)

    def _fetch(self, req: urllib.request.Request) -> Any:
        try:
            with urllib.request.urlopen(req, timeout=300) as resp:  # noqa: S310 - http(s) only
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            body = exc.read().decode(errors="replace")
            try:
                detail = json.loads(body).get("detail", body)
            except ValueError:
                detail = body
            raise ClientError(f"HTTP {exc.code}: {detail}", exc.code) from None
        except urllib.error.URLError as exc:
            raise ClientError(f"cannot reach {self.base}: {exc.reason}") from None

    def get_json(self, path: str, **params: Any) -> Any:
        return self._json(self.request("GET", path, params=params))


LOG_EVERY = 5.0  # seconds between progress lines when stderr is a file or a pipe


class _Shown:
    text = ""  # the progress last written
    at = 0.0  # when (monotonic seconds)


_shown = _Shown()


def bar(done: int, total: int | None, label: str) -> None:
    """Progress on stderr: redrawn in place on a terminal; in a log (a file or a pipe) a
    whole line when it changed, at most every few seconds, so scripts' logs stay readable."""
    if total:
        width = 30
        filled = int(width * min(done, total) / total)
        text = f"{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
    else:
        text = f"{label} {done}"
    if sys.stderr.isatty():
        sys.stderr.write("\r" + text)
    else:
        now = time.monotonic()
        if text == _shown.text or (_shown.text and now - _shown.at < LOG_EVERY):
            return
        sys.stderr.write(text + "\n")
        _shown.at = now
    _shown.text = text
    sys.stderr.flush()


def bar_done() -> None:
    """End the progress display (the terminal's line; a log's lines are already ended)."""
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    _shown.text = ""


def run_import(
    url: str, path: Path, resource: str, mode: str, dry_run: bool, key: str | None
) -> int:
    """Upload, follow the job, save the error file; the same command again resumes it."""
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise ClientError(f"unknown file type {path.suffix} (csv, xlsx, json, ndjson)")
    api = Api(url)
    if key is None:  # the same file and options: the same key, so a rerun resumes the job
        digest = hashlib.sha256(f"{resource}|{mode}|{dry_run}|".encode())
        with path.open("rb") as f:
            for piece in iter(lambda: f.read(1 << 20), b""):
                digest.update(piece)
        key = "cli-" + digest.hexdigest()
    size = path.stat().st_size
    with path.open("rb") as f:
        req = api.request(
            "POST",
            f"/api/v1/imports/{resource}",
            params={"mode": mode, "dry_run": str(dry_run).lower()},
            data=f,
            headers={
                "Content-Type": MEDIA_TYPES[fmt],
                "Content-Length": str(size),
                "Idempotency-Key": key,
                "Prefer": "respond-async",
            },
        )
        report = api._json(req)
    while report["status"] in ("queued", "running"):
        bar(report["rows"], None, f"importing {path.name}: rows")
        time.sleep(0.5)
        report = api.get_json(f"/api/v1/imports/{report['id']}")
    bar_done()
    summary = {
        k: report[k] for k in ("status", "rows", "created", "updated", "unchanged", "failed")
    }
    print(json.dumps({"job": report["id"], **summary}, ensure_ascii=False))
    for e in report["errors"][:20]:
        print(f"  row {e['row']} {e['field'] or ''}: {e['code']} {e['message']}", file=sys.stderr)
    if report["status"] == "interrupted":
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 3
    if report["failed"] and report.get("error_file"):
        out = path.with_name(
            f"{path.stem}.errors{'.ndjson' if fmt in ('json', 'ndjson') else path.suffix}"
        )
        with (
            urllib.request.urlopen(  # noqa: S310 - http(s) only
                api.request("GET", report["error_file"], params={"failed_only": "true"})
            ) as r,
            out.open("wb") as f,
        ):
            for piece in iter(lambda: r.read(1 << 16), b""):
                f.write(piece)
        print(f"error file: {out}", file=sys.stderr)
    if report["status"] == "failed":
        return 1
    return 1 if report["failed"] else 0


def run_export(url: str, resource: str, fmt: str, out: Path, params: dict[str, Any]) -> int:
    """Stream to ``out.part``, then rename: an interrupted export leaves no half file."""
    api = Api(url)
    req = api.request("GET", f"/api/v1/exports/{resource}", params={"format": fmt, **params})
    tmp = out.with_name(out.name + ".part")
    done = 0
    try:
        with urllib.request.urlopen(req, timeout=300) as resp, tmp.open("wb") as f:  # noqa: S310
            for piece in iter(lambda: resp.read(1 << 16), b""):
                f.write(piece)
                done += len(piece)
                bar(done // 1024, None, f"exporting {resource}: KiB")
    except urllib.error.HTTPError as exc:
        raise ClientError(f"HTTP {exc.code}: {exc.read().decode(errors='replace')}") from None
    bar_done()
    tmp.replace(out)
    print(str(out))
    return 0


def run_sync(url: str, out: Path, state: Path, limit: int, follow: bool) -> int:
    """Append every change since the remembered cursor to ``out`` (NDJSON)."""
    api = Api(url)
    cursor = json.loads(state.read_text())["cursor"] if state.exists() else None
    total = 0
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["since"] = cursor
        page = api.get_json("/api/v1/changes", **params)
        if page["items"]:
            with out.open("a", encoding="utf-8") as f:
                for item in page["items"]:
                    f.write(json.dumps(item, ensure_ascii=False) + "\n")
                f.flush()
                os.fsync(f.fileno())
        cursor = page["next_cursor"]
        tmp = state.with_name(state.name + ".tmp")
        tmp.write_text(json.dumps({"cursor": cursor}))
        tmp.replace(state)  # the cursor moves only after the changes are on disk
        total += len(page["items"])
        bar(total, None, "changes")
        if not page["has_more"]:
            if not follow:
                break
            time.sleep(5)
    bar_done()
    print(json.dumps({"changes": total, "cursor": cursor}))
    return 0
