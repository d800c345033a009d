"""Shared helpers for benchmarks: databases, servers on free ports, a load generator."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from eldercare.bulkload import bulk_write  # noqa: E402, F401
from eldercare.db import normalize_url  # noqa: E402


def database_url(arg: str | None, tag: str) -> tuple[str, bool]:
    """(url, created): a fresh database on the server of ``arg``, or a SQLite temp file."""
    if not arg or arg == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="eldercare-bench-")) / f"{tag}.db"
        return f"sqlite:///{path}", True
    server = normalize_url(arg)
    name = f"eldercare_bench_{tag}_{secrets.token_hex(3)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False), True


def drop_database(url: str, server_arg: str | None) -> None:
    if url.startswith("sqlite"):
        Path(make_url(url).database or "").unlink(missing_ok=True)
        return
    admin = create_engine(normalize_url(server_arg or url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """A server of this checkout's code (``env`` may name another's ``PYTHONPATH``)."""
    paths = [str(ROOT / "backend"), os.environ.get("PYTHONPATH", "")]
    proc = subprocess.Popen(
        args,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p), **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server on {port} did not start")


async def _worker(port: int, request: bytes, stop_at: float, latencies: list[float]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done = 0
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            status = int(head.split(b" ", 2)[1])
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            if status != 200:
                raise RuntimeError(f"status {status}: {head!r}")
            latencies.append(time.perf_counter() - started)
            done += 1
    finally:
        writer.close()
    return done


def load(
    port: int, path: str, headers: dict[str, str], concurrency: int, seconds: float
) -> dict[str, float]:
    """Keep-alive HTTP/1.1 GETs from ``concurrency`` connections for ``seconds``."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"] + [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def main() -> tuple[int, list[float], float]:
        latencies: list[float] = []
        started = time.perf_counter()
        stop_at = started + seconds
        counts = await asyncio.gather(
            *[_worker(port, request, stop_at, latencies) for _ in range(concurrency)]
        )
        return sum(counts), latencies, time.perf_counter() - started

    total, latencies, elapsed = asyncio.run(main())
    latencies.sort()
    return {
        "requests": total,
        "rps": total / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }
