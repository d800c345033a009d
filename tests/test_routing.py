"""Routes on FastAPI's public API: a blocking endpoint and its commit in one thread hop,
answers exactly as FastAPI's own routes give them, and the JSON of hand-built answers.

Two apps with the same endpoints, one on ``Router`` and one on FastAPI's ``APIRouter``, get
the same requests; status, body, headers and dependency events must be identical.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from eldercare import errors
from eldercare.db import DbSession
from eldercare.errors import BadRequest
from eldercare.regions.models import Region
from eldercare.roles import Role
from eldercare.routing import FastJSONResponse, OneHopRoute, Router, in_thread, run_blocking
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel, model_validator
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.factories import VILLAGE, auth, make_elder, make_user

EVENTS: list[str] = []


class Item(BaseModel):
    name: str
    tags: list[str] = []
    note: str | None = None


class Caller:
    """A dependency instance with an async ``__call__``, like the bearer authentication."""

    async def __call__(self, request: Request) -> str:
        who = request.headers.get("x-who")
        if who is None:
            raise HTTPException(401, "who?")
        EVENTS.append(f"auth:{who}")
        return who


caller = Caller()


async def resource(request: Request) -> AsyncIterator[dict[str, Any]]:
    state = {"path": request.url.path}
    EVENTS.append("open")
    try:
        yield state
    except HTTPException:
        EVENTS.append("rollback")
        raise
    else:
        EVENTS.append("commit")


def paging(limit: Annotated[int, Query(ge=1, le=10)] = 5, cursor: str | None = None) -> dict:
    return {"limit": limit, "cursor": cursor}


def build(router: APIRouter) -> FastAPI:
    @router.get("/items/{item_id}", response_model=Item)
    async def get_item(
        item_id: int,
        who: Annotated[str, Depends(caller)],
        res: Annotated[dict[str, Any], Depends(resource, scope="function")],
        response: Response,
        page: Annotated[dict, Depends(paging)],
        tag: Annotated[list[str] | None, Query()] = None,
        kind: Literal["a", "b"] = "a",
    ) -> Any:
        if item_id == 404:
            raise HTTPException(404, "missing")
        response.headers["ETag"] = f'"{item_id}"'
        if item_id == 202:
            response.status_code = 202
        # A dict with an extra key: the response model filters it out.
        return {"name": f"{who}:{kind}:{page['limit']}", "tags": tag or [], "secret": 1}

    @router.get("/sync", response_model=list[Item], status_code=200)
    def sync_list(
        who: Annotated[str, Depends(caller)],
        res: Annotated[dict[str, Any], Depends(resource, scope="function")],
        response: Response,
        n: int = 2,
    ) -> list[Item]:
        if n == 0:
            raise HTTPException(404, "none")
        response.headers["X-N"] = str(n)
        return [Item(name=f"{who}{i}") for i in range(n)]

    @router.get("/raw")
    def raw(
        who: Annotated[str, Depends(caller)],
        need: int,
        code: Annotated[str | None, Query(pattern=r"^\d{6}$", alias="region-code")] = None,
        flags: Annotated[list[int], Query()] = [1, 2],  # noqa: B006  (a mutable default)
    ) -> Response:
        flags.append(0)  # each request gets its own copy of the default
        text = f"plain {who} {need} {code} {flags}"
        return Response(text, media_type="text/plain", headers={"X-Raw": "1"})

    @router.post("/items", response_model=Item, status_code=201)
    def create(item: Item, who: Annotated[str, Depends(caller)]) -> Item:
        return item.model_copy(update={"note": who})

    @router.get("/stream")
    def stream(who: Annotated[str, Depends(caller)]) -> Iterator[Item]:  # JSON lines
        for i in range(2):
            yield Item(name=f"{who}{i}")

    @router.delete("/items/{item_id}", status_code=204)
    def delete(item_id: int, who: Annotated[str, Depends(caller)]) -> None:
        EVENTS.append(f"delete:{item_id}")

    app = FastAPI()
    app.include_router(router, prefix="/api", dependencies=[Depends(caller)])
    return app


REQUESTS: list[tuple[str, str, dict[str, str], Any]] = [
    ("GET", "/api/items/7?tag=x&tag=y&kind=b&limit=3", {"x-who": "ann"}, None),
    ("GET", "/api/items/202", {"x-who": "ann"}, None),
    ("GET", "/api/items/404", {"x-who": "ann"}, None),
    ("GET", "/api/items/seven?kind=c&limit=0", {"x-who": "ann"}, None),  # three errors at once
    ("GET", "/api/items/7", {}, None),  # the dependency refuses first
    ("GET", "/api/sync?n=3", {"x-who": "bo"}, None),
    ("GET", "/api/sync?n=0", {"x-who": "bo"}, None),  # a blocking endpoint's error
    ("GET", "/api/sync?n=x", {"x-who": "bo"}, None),
    ("GET", "/api/raw?need=1", {"x-who": "cy"}, None),
    ("GET", "/api/raw?need=3&region-code=431127&flags=5&flags=6", {"x-who": "cy"}, None),
    ("GET", "/api/raw?need=&region-code=4311", {"x-who": "cy"}, None),  # bad, and bad
    ("POST", "/api/items", {"x-who": "cy"}, {"name": "新", "tags": ["关爱"]}),
    ("POST", "/api/items", {"x-who": "cy"}, {"tags": 3}),
    ("DELETE", "/api/items/9", {"x-who": "cy"}, None),
    ("GET", "/api/stream", {"x-who": "dee"}, None),
]


def _answers(app: FastAPI) -> list[tuple[Any, ...]]:
    answers = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, url, headers, body in REQUESTS:
            EVENTS.clear()
            r = client.request(method, url, headers=headers, json=body)
            kept = {k: v for k, v in r.headers.items() if k != "date"}
            answers.append((method, url, r.status_code, r.content, kept, list(EVENTS)))
    return answers


def test_routes_answer_as_fastapi_s_own_do() -> None:
    standard = _answers(build(APIRouter()))
    ours = _answers(build(Router()))
    for expected, got in zip(standard, ours, strict=True):
        assert got == expected
    # The cases above do cover what they claim to.
    statuses = [a[2] for a in ours]
    assert statuses == [200, 202, 404, 422, 401, 200, 404, 422, 200, 200, 422, 201, 422, 204, 200]
    assert ours[0][3] == b'{"name":"ann:b:3","tags":["x","y"],"note":null}'
    assert ours[5][4]["x-n"] == "3"
    assert ours[5][5] == ["auth:bo", "open", "commit"]  # auth once: cached per request
    assert ours[6][5] == ["auth:bo", "open", "rollback"]
    assert ours[9][3] == b"plain cy 3 431127 [5, 6, 0]"
    assert json.loads(ours[11][3]) == {"name": "新", "tags": ["关爱"], "note": "cy"}
    assert [json.loads(line)["name"] for line in ours[14][3].splitlines()] == ["dee0", "dee1"]


def test_blocking_endpoints_become_coroutines_with_the_same_contract() -> None:
    router = Router()
    build(router)
    plain = APIRouter()
    build(plain)
    assert all(isinstance(r, OneHopRoute) for r in router.routes)
    for ours, theirs in zip(router.routes, plain.routes, strict=True):
        if inspect.isgeneratorfunction(theirs.endpoint):  # type: ignore[attr-defined]
            assert inspect.isgeneratorfunction(ours.endpoint)  # type: ignore[attr-defined]
        else:
            assert inspect.iscoroutinefunction(ours.endpoint)  # type: ignore[attr-defined]
        assert inspect.signature(ours.endpoint) == inspect.signature(theirs.endpoint)  # type: ignore[attr-defined]
    app, standard = FastAPI(), FastAPI()
    app.include_router(router)
    standard.include_router(plain)
    assert app.openapi() == standard.openapi()


# A blocking endpoint with the request's session: where and when it is committed.


class Seen(BaseModel):
    code: str

    @model_validator(mode="after")
    def seen(self) -> Seen:  # FastAPI validates the answer: where, and after what?
        STEPS.append(("validated", threading.get_ident()))
        return self


STEPS: list[tuple[str, int]] = []
CODE = "990000000000"


def region_name() -> str:
    return "real"


def _region_app(router: APIRouter) -> FastAPI:
    @router.post("/regions/{fail}", response_model=Seen)
    def add_region(
        fail: str, session: DbSession, name: Annotated[str, Depends(region_name)]
    ) -> Any:
        event.listen(
            session, "after_commit", lambda s: STEPS.append(("commit", threading.get_ident()))
        )
        event.listen(
            session, "after_rollback", lambda s: STEPS.append(("rollback", threading.get_ident()))
        )
        STEPS.append(("endpoint", threading.get_ident()))
        session.add(Region(code=CODE, name=name, level="province", parent_code=None))
        session.flush()
        if fail == "app-error":
            raise BadRequest()
        if fail == "crash":
            raise RuntimeError("boom")
        return {"code": CODE}

    app = FastAPI()
    errors.install(app)
    app.include_router(router)
    return app


def _loop_thread(client: TestClient) -> int:
    async def ident() -> int:
        return threading.get_ident()

    return client.portal.call(ident)  # type: ignore[union-attr]


def _region(db: Session) -> Region | None:
    db.expire_all()
    return db.scalar(select(Region).where(Region.code == CODE))


def test_a_blocking_endpoint_and_its_commit_take_one_thread_hop(db) -> None:
    for router, one_hop in ((Router(), True), (APIRouter(), False)):
        app = _region_app(router)
        STEPS.clear()
        with TestClient(app) as test_client:
            loop = _loop_thread(test_client)
            r = test_client.post("/regions/no")
        assert r.json() == {"code": CODE}
        names = [step for step, _ in STEPS]
        threads = dict(STEPS)
        assert threads["endpoint"] != loop
        if one_hop:
            # The commit runs in the endpoint's thread, before the answer is validated on
            # the event loop: nothing else leaves the loop.
            assert names == ["endpoint", "commit", "validated"]
            assert threads["commit"] == threads["endpoint"]
            assert threads["validated"] == loop
        else:  # FastAPI alone: validation in another hop, the commit after it
            assert names == ["endpoint", "validated", "commit"]
        assert _region(db) is not None
        db.delete(_region(db))
        db.flush()


@pytest.mark.parametrize("fail", ["app-error", "crash"])
def test_errors_still_roll_back(db, fail) -> None:
    app = _region_app(Router())
    STEPS.clear()
    with TestClient(app, raise_server_exceptions=False) as test_client:
        r = test_client.post(f"/regions/{fail}")
    assert r.status_code == (400 if fail == "app-error" else 500)
    assert [step for step, _ in STEPS] == ["endpoint", "rollback"]
    assert _region(db) is None


def test_dependency_overrides_work(db) -> None:
    app = _region_app(Router())
    app.dependency_overrides[region_name] = lambda: "覆盖"
    STEPS.clear()
    with TestClient(app) as test_client:
        assert test_client.post("/regions/no").status_code == 200
    region = _region(db)
    assert region is not None
    assert region.name == "覆盖"
    assert [step for step, _ in STEPS] == ["endpoint", "commit", "validated"]


def test_run_blocking_commits_in_the_same_hop(db) -> None:
    from eldercare.db import session_factory

    def work(session: Session, name: str) -> int:
        event.listen(
            session, "after_commit", lambda s: STEPS.append(("commit", threading.get_ident()))
        )
        STEPS.append(("work", threading.get_ident()))
        session.add(Region(code=CODE, name=name, level="province", parent_code=None))
        return threading.get_ident()

    async def main() -> tuple[int, int]:
        session = session_factory(write=True)()
        try:
            return await run_blocking(work, session=session, name="x"), threading.get_ident()
        finally:
            session.close()

    STEPS.clear()
    worker, loop = _run(main())
    assert worker != loop
    assert [("work", worker), ("commit", worker)] == STEPS
    assert _region(db) is not None


def test_in_thread_carries_context_and_waits_for_the_thread_when_cancelled() -> None:
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var")
    started, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def slow() -> str:
        started.set()
        release.wait(5)
        finished.append(var.get())
        return var.get()

    async def main() -> None:
        var.set("mine")
        assert await in_thread(var.get) == "mine"
        task = asyncio.ensure_future(in_thread(slow))
        while not started.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        await asyncio.sleep(0.01)
        assert not task.done()  # still waiting for the thread
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert finished == ["mine"]

    _run(main())


def _run(coro: Any) -> Any:
    """``asyncio.run`` in a thread of its own (a browser test earlier in the run may leave
    this thread's event loop running)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


# The encoder of hand-built answers.


@dataclass
class Point:
    x: int


def _plain(content: Any) -> bytes | str:
    try:
        return bytes(JSONResponse(content).body)
    except Exception as exc:
        return type(exc).__name__


def _fast(content: Any) -> bytes | str:
    try:
        return bytes(FastJSONResponse(content).body)
    except Exception as exc:
        return type(exc).__name__


PAGE = {
    "items": [
        {
            "id": "0193a8c2d5e97c2a9f6b1e0d4c3b2a19",
            "name": "欧阳秀英",
            "sex": "female",
            "birth_year": 1938,
            "age": 87,
            "id_number": "431127********0027",
            "phone": "139****5678",
            "village_code": "431127100201",
            "address": '蓝山县 "塔峰镇"\\ 五里\n坪村 \u2028 \x00 \t 😀',
            "living_arrangement": "alone",
            "self_care": "partial",
            "categories": ["left_behind", "empty_nest"],
            "is_left_behind": True,
            "risk_level": None,
            "status": "active",
            "version": 2**40,
        }
    ]
    * 3,
    "next_cursor": "WyJvdXlhbmd4aXV5aW5nIiwiMDE5M2E4YzJkNWU5N2MyYTlmNmIxZTBkNGMzYjJhMTkiXQ",
    "total": None,
}


@pytest.mark.parametrize(
    "content",
    [
        PAGE,
        {"items": [], "next_cursor": None, "total": 0},
        {"ratio": 0.75, "big": 1e16, "neg": -0.0, "money": 1234.5, "tiny": 0.0001},
        {"when": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)},  # refused by both
        {"day": date(2025, 1, 2)},
        {"amount": Decimal("12.50")},
        {"point": Point(1)},
        {"role": Role.county_admin, 7: "int key", "huge": 2**70},
        [1, "二", True, None, ("tuple",)],
    ],
)
def test_fast_json_writes_the_plain_path_s_bytes(content: Any) -> None:
    assert _fast(content) == _plain(content)


def test_the_register_list_sends_the_plain_path_s_bytes(client, db) -> None:
    worker = make_user(db, "village_worker", VILLAGE)
    for name in ("欧阳秀英", "李\t四", 'Zhang "Wei"'):
        make_elder(db, name=name)
    r = client.get("/api/v1/elders?limit=50", headers=auth(worker))
    assert r.status_code == 200
    page = r.json()
    assert {e["name"] for e in page["items"]} >= {"欧阳秀英", "李\t四", 'Zhang "Wei"'}
    assert r.content == bytes(JSONResponse(page).body)


# Public API only.

BACKEND = Path(__file__).resolve().parents[1] / "backend" / "eldercare"
LIBRARIES = ("fastapi", "starlette", "sqlalchemy", "psycopg", "pydantic", "anyio")


def test_no_private_names_of_the_web_libraries_are_imported() -> None:
    found = []
    for path in sorted(BACKEND.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] in LIBRARIES and (
                    any(p.startswith("_") for p in parts)
                    or any(a.name.startswith("_") for a in node.names)
                ):
                    found.append(f"{path.name}: from {node.module}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] in LIBRARIES and any(p.startswith("_") for p in parts):
                        found.append(f"{path.name}: import {alias.name}")
    assert found == []


def test_blocking_work_has_one_way_off_the_event_loop() -> None:
    users = sorted(
        path.relative_to(BACKEND).as_posix()
        for path in BACKEND.rglob("*.py")
        if "run_in_threadpool" in path.read_text(encoding="utf-8")
        or "to_thread.run_sync" in path.read_text(encoding="utf-8")
    )
    assert users == []
