"""The scripting client behind ``eldercare import | export | sync`` (standard library only).

Credentials of an integration client come from the environment: ``ELDERCARE_CLIENT_ID``
and ``ELDERCARE_CLIENT_SECRET`` (or a ready ``ELDERCARE_TOKEN``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, Any

from eldercare.sheets.formats import MEDIA_TYPES

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


def _save_state(path: Path, state: dict[str, Any]) -> None:
    """Replace the state file in one durable step: a crash leaves the old or the new one."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path``'s directory durable (POSIX; elsewhere the
    file system does not offer it)."""
    if os.name != "posix":
        return
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Output:
    """The NDJSON file and the state file move together.

    The state holds the cursor with the output file's identity and length when the changes
    before the cursor were on disk. A page is appended and fsynced, then the state saved
    with the new cursor and length; bytes beyond the recorded length of the same file are a
    page whose cursor was never saved, and are cut off before anything else is written. A
    file that was moved away, replaced or emptied since is taken as it is now (recorded
    before the next page is written), so rotating the file between runs is safe.
    """

    def __init__(self, out: Path, state_path: Path, state: dict[str, Any]) -> None:
        self.out, self.state_path, self.state = out, state_path, state
        if out.exists():  # cut off a page left by a crash before anything else happens
            os.close(self._open_checked())

    def _open_checked(self) -> int:
        fd = os.open(self.out, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0))
        try:
            st = os.fstat(fd)
            ident = [st.st_dev, st.st_ino]
            recorded = self.state.get("out_bytes")
            if self.state.get("out_file") == ident and isinstance(recorded, int):
                if st.st_size > recorded:  # written, but the cursor was not saved
                    os.ftruncate(fd, recorded)
                    os.fsync(fd)
                if st.st_size >= recorded:
                    return fd
            # Not the file the state describes (or a shorter one): start from it as it is.
            os.fsync(fd)
            _fsync_dir(self.out)
            self.state = {**self.state, "out_file": ident, "out_bytes": st.st_size}
            _save_state(self.state_path, self.state)
            return fd
        except BaseException:
            os.close(fd)
            raise

    def commit(self, items: list[Any], cursor: str) -> None:
        if items:
            data = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode()
            fd = self._open_checked()
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            self.state = {**self.state, "out_bytes": self.state["out_bytes"] + len(data)}
        if items or cursor != self.state.get("cursor"):
            self.state = {**self.state, "cursor": cursor}
            _save_state(self.state_path, self.state)


class _Stdout:
    """To standard output: each page is flushed before the cursor is saved, so nothing is
    lost, but a page may be written again after a crash (at least once)."""

    def __init__(self, state_path: Path, state: dict[str, Any]) -> None:
        self.state_path, self.state = state_path, state

    def commit(self, items: list[Any], cursor: str) -> None:
        if items:
            data = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items)
            sys.stdout.buffer.write(data.encode())
            sys.stdout.buffer.flush()
        if items or cursor != self.state.get("cursor"):
            self.state = {**self.state, "cursor": cursor}
            _save_state(self.state_path, self.state)


def run_sync(
    url: str,
    out: str,
    state: Path,
    limit: int,
    follow: bool,
    interval: float = 5.0,
    max_seconds: float | None = None,
) -> int:
    """Append every change since the remembered cursor to ``out`` (NDJSON; ``-``: stdout).

    With ``follow``, poll every ``interval`` seconds once caught up, until ``max_seconds``
    have passed or SIGTERM/SIGINT asks it to stop (after the page in hand).
    """
    saved = json.loads(state.read_text()) if state.exists() else {}
    sink: _Output | _Stdout = (
        _Stdout(state, saved) if out == "-" else _Output(Path(out), state, saved)
    )
    api = Api(url)
    stop = threading.Event()
    deadline = time.monotonic() + max_seconds if max_seconds is not None else math.inf
    restore = _on_stop_signals(stop) if follow else {}
    total = 0
    try:
        while True:
            params: dict[str, Any] = {"limit": limit}
            if sink.state.get("cursor"):
                params["since"] = sink.state["cursor"]
            page = api.get_json("/api/v1/changes", **params)
            sink.commit(page["items"], page["next_cursor"])
            total += len(page["items"])
            bar(total, None, "changes")
            if stop.is_set() or time.monotonic() >= deadline:
                break
            if not page["has_more"]:
                if not follow:
                    break
                if stop.wait(max(0.0, min(interval, deadline - time.monotonic()))):
                    break
    finally:
        for sig, handler in restore.items():
            signal.signal(sig, handler)
    bar_done()
    summary = json.dumps({"changes": total, "cursor": sink.state.get("cursor")})
    print(summary, file=sys.stderr if out == "-" else sys.stdout)
    return 0


def _on_stop_signals(stop: threading.Event) -> dict[int, Any]:
    """SIGTERM and SIGINT end a follower after the page in hand (a second one at once)."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, handler)
    return previous
