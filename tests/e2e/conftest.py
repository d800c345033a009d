"""Browser tests: the built SPA (``frontend/dist``, built by ``make test``'s ``frontend``
step) against a real server with the demo seeded, driven in Debian's Chromium.

They start their own server on a fresh SQLite database, so they run once, in the SQLite
pass of the suite."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "frontend" / "dist"
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "var" / "e2e-screenshots"
PASSWORD = "e2e-demo-password"
CLI = [sys.executable, "-m", "eldercare.cli"]
IN_CI = os.environ.get("CI") == "true"


def _unavailable() -> str | None:
    if os.environ.get("TEST_DB_BACKEND", "sqlite") != "sqlite":
        return "browser tests run their own SQLite server: once, in the SQLite pass"
    if not (DIST / "index.html").exists():
        return "frontend/dist is not built (make test builds it before pytest)"
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _unavailable()
    if reason is None:
        return
    if IN_CI and "SQLite pass" not in reason:
        return  # in CI a missing browser or build is a failure, reported by the fixture
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    database_url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            r = httpx.post(
                f"{self.base}/api/v1/auth/token",
                data={"username": username, "password": PASSWORD},
            )
            r.raise_for_status()
            self.tokens[username] = r.json()["access_token"]
        return self.tokens[username]

    def get(self, username: str, path: str, **params: Any) -> Any:
        r = httpx.get(
            f"{self.base}/api/v1{path}",
            params=params,
            headers={"Authorization": f"Bearer {self.token(username)}"},
            timeout=30,
        )
        r.raise_for_status()
        return r.json()


@pytest.fixture(scope="package")
def server() -> Iterator[Server]:
    reason = _unavailable()
    if reason:
        pytest.fail(reason)
    tmp = Path(tempfile.mkdtemp(prefix="eldercare-e2e-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELDERCARE_DATABASE")}
    env.update(
        ELDERCARE_VAR_DIR=str(tmp / "var"),
        ELDERCARE_DATABASE_URL=f"sqlite:///{tmp / 'e2e.db'}",
        ELDERCARE_DEMO_PASSWORD=PASSWORD,
        ELDERCARE_FRONTEND_DIST=str(DIST),
        ELDERCARE_LOG_LEVEL="WARNING",
        # uploads above 4 KiB run as jobs (202, then polled), so a small file shows the path
        # a large one takes
        ELDERCARE_IMPORT_INLINE_MAX_BYTES="4096",
    )
    env.pop("ELDERCARE_EMBEDDED_WORKER", None)  # as `make run`: the server runs the jobs
    subprocess.run([*CLI, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*CLI, "demo", "seed"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("server did not become ready")
            time.sleep(0.2)
        yield Server(base, env["ELDERCARE_DATABASE_URL"])
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


# Package-scoped: Playwright's sync API keeps an event loop running in this thread while it
# is open, and the tests after this package call asyncio.run().
@pytest.fixture(scope="package")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Console:
    """Console errors and uncaught exceptions of every page of a test (CSP refusals too)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Any) -> None:
        page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))


@pytest.fixture
def console() -> Iterator[Console]:
    c = Console()
    yield c
    # 401s after a deliberate expiry and 4xx answers shown on screen are logged by the
    # browser as failed loads; anything else (an exception, a CSP refusal) is a bug.
    bad = [e for e in c.errors if "Failed to load resource" not in e]
    assert not bad, bad


@pytest.fixture
def new_page(browser: Any, server: Server, console: Console) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(width: int = 1366, height: int = 768, **kw: Any) -> Any:
        ctx = browser.new_context(
            viewport={"width": width, "height": height}, base_url=server.base, **kw
        )
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        console.watch(page)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def login(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-test=who]")


def shot(page: Any, name: str, full_page: bool = True) -> None:
    """A picture of the page as it settles: transitions (a tag's fade-in) run to their end."""
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page, animations="disabled")


def choose(page: Any, label: str, option: str) -> None:
    """Pick `option` in the Element Plus select whose input is labelled `label`, and wait
    until the select shows it (a click during the dropdown's opening transition can miss on
    a loaded machine: then it is tried again)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    select = page.locator(f".el-select:has(input[aria-label='{label}'])").first
    for _ in range(3):
        select.click()
        item = (
            page.locator(".el-select-dropdown:visible .el-select-dropdown__item")
            .filter(has_text=option)
            .first
        )
        item.wait_for(state="visible")
        item.click()
        try:
            page.wait_for_function(
                "([el, text]) => el.innerText.includes(text)",
                arg=[select.element_handle(), option],
                timeout=3000,
            )
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"{option} could not be chosen in {label}")


def close_cascader(page: Any) -> None:
    """Close a cascader panel left open. Escape only while one shows: with none open it
    would reach the dialog around the form and close that instead."""
    panel = page.locator(".el-cascader__dropdown:visible")
    if panel.count():
        page.keyboard.press("Escape")
        panel.first.wait_for(state="hidden")


def cascade(page: Any, test_id: str, names: list[str], pick_last: bool = False) -> None:
    """Open the region cascader `region-<test_id>` and follow `names` level by level.

    A village (a leaf) is chosen by clicking it; in a filter, where any level may be
    chosen, `pick_last` clicks the radio of the last name (a township) instead.
    """
    page.click(f"[data-test=region-{test_id}] .el-cascader")
    for i, name in enumerate(names):
        menu = page.locator(".el-cascader-panel:visible .el-cascader-menu").nth(i)
        node = menu.locator(".el-cascader-node").filter(has_text=name).first
        if pick_last and i == len(names) - 1:
            node.locator(".el-radio").click()
            close_cascader(page)  # a level above a village leaves the panel open
        else:
            node.click()
