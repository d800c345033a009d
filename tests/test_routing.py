"""The lean route handler answers exactly as FastAPI's own, for every shape it takes on.

Two apps with the same endpoints, one on ``Router`` (lean handlers) and one on FastAPI's
``APIRouter``, get the same requests; status, body and headers must be identical. A
counter on FastAPI's dependency solver shows which handler ran.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Literal

import pytest
from eldercare.routing import Router
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi import routing as fastapi_routing
from fastapi.testclient import TestClient
from pydantic import BaseModel

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
    def sync_list(who: Annotated[str, Depends(caller)], n: int = 2) -> list[Item]:
        return [Item(name=f"{who}{i}") for i in range(n)]

    @router.get("/raw")
    async def raw(
        who: Annotated[str, Depends(caller)],
        need: int,
        code: Annotated[str | None, Query(pattern=r"^\d{6}$", alias="region-code")] = None,
        flags: Annotated[list[int], Query()] = [1, 2],  # noqa: B006  (a mutable default)
    ) -> Response:
        flags.append(0)  # each request gets its own copy of the default
        text = f"plain {who} {need} {code} {flags}"
        return Response(text, media_type="text/plain", headers={"X-Raw": "1"})

    @router.delete("/items/{item_id}", status_code=204)
    async def delete(item_id: int, who: Annotated[str, Depends(caller)]) -> None:
        EVENTS.append(f"delete:{item_id}")

    app = FastAPI()
    app.include_router(router, prefix="/api", dependencies=[Depends(caller)])
    return app


REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/api/items/7?tag=x&tag=y&kind=b&limit=3", {"x-who": "ann"}),
    ("GET", "/api/items/7", {"x-who": "ann"}),
    ("GET", "/api/items/202", {"x-who": "ann"}),
    ("GET", "/api/items/404", {"x-who": "ann"}),
    ("GET", "/api/items/seven?kind=c&limit=0", {"x-who": "ann"}),  # three errors at once
    ("GET", "/api/items/7?limit=11", {"x-who": "ann"}),  # an error in a sub-dependency
    ("GET", "/api/items/7", {}),  # the dependency refuses first
    ("GET", "/api/sync?n=3", {"x-who": "bo"}),
    ("GET", "/api/sync?n=x", {"x-who": "bo"}),
    ("GET", "/api/raw?need=1", {"x-who": "cy"}),
    ("GET", "/api/raw?need=2", {"x-who": "cy"}),
    ("GET", "/api/raw?need=3&region-code=431127&flags=5&flags=6", {"x-who": "cy"}),
    ("GET", "/api/raw?need=&region-code=4311", {"x-who": "cy"}),  # bad, and bad
    ("GET", "/api/raw", {"x-who": "cy"}),  # a required parameter missing
    ("GET", "/api/items/7?tag=", {"x-who": "ann"}),  # one empty value is a value
    ("DELETE", "/api/items/9", {"x-who": "cy"}),
]


@pytest.fixture
def solver_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    calls: list[int] = []
    original = fastapi_routing.solve_dependencies

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await original(*args, **kwargs)

    monkeypatch.setattr(fastapi_routing, "solve_dependencies", counting)
    return calls


def _answers(app: FastAPI) -> list[tuple[Any, ...]]:
    answers = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, url, headers in REQUESTS:
            EVENTS.clear()
            r = client.request(method, url, headers=headers)
            kept = {k: v for k, v in r.headers.items() if k != "date"}
            answers.append((method, url, r.status_code, r.content, kept, list(EVENTS)))
    return answers


def test_lean_handler_answers_as_fastapi_does(solver_calls: list[int]) -> None:
    standard = _answers(build(APIRouter()))
    assert len(solver_calls) == len(REQUESTS)  # FastAPI's handler solves every request
    solver_calls.clear()
    lean = _answers(build(Router()))
    assert solver_calls == []  # the lean handler never calls FastAPI's solver
    for expected, got in zip(standard, lean, strict=True):
        assert got == expected
    # The cases above do cover what they claim to.
    statuses = [a[2] for a in lean]
    assert statuses[:9] == [200, 200, 202, 404, 422, 422, 401, 200, 422]
    assert statuses[9:] == [200, 200, 200, 422, 422, 200, 204]
    assert lean[10][3] == b"plain cy 2 None [1, 2, 0]"
    assert lean[11][3] == b"plain cy 3 431127 [5, 6, 0]"
    assert lean[0][3] == b'{"name":"ann:b:3","tags":["x","y"],"note":null}'
    assert lean[0][4]["etag"] == '"7"'
    assert lean[0][5] == ["auth:ann", "open", "commit"]  # auth once: cached per request
    assert lean[3][5] == ["auth:ann", "open", "rollback"]


def test_dependency_overrides_take_fastapi_s_handler(solver_calls: list[int]) -> None:
    app = build(Router())

    async def fake() -> str:
        return "zed"

    app.dependency_overrides[caller] = fake
    with TestClient(app) as client:
        r = client.get("/api/sync?n=1")
    assert r.json() == [{"name": "zed0", "tags": [], "note": None}]
    assert solver_calls == [1]


def test_routes_with_a_body_take_fastapi_s_handler(solver_calls: list[int]) -> None:
    router = Router()

    @router.post("/items", response_model=Item, status_code=201)
    async def create(item: Item) -> Item:
        return item

    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as client:
        r = client.post("/items", json={"name": "x"})
    assert (r.status_code, r.json()["name"]) == (201, "x")
    assert solver_calls == [1]


def test_routers_decline_paths_none_of_their_routes_could_match(monkeypatch) -> None:
    tried: list[str] = []
    original = fastapi_routing.APIRoute.matches

    def counting(self: Any, scope: Any) -> Any:
        tried.append(self.path)
        return original(self, scope)

    monkeypatch.setattr(fastapi_routing.APIRoute, "matches", counting)
    alpha, beta, anything = Router(prefix="/alpha"), Router(), Router()
    for path in ("/a1", "/a2", "/a3/{x}"):
        alpha.add_api_route(path, lambda: "a", methods=["GET"])
    beta.add_api_route("/beta/{item}", lambda item: item, methods=["GET"])
    anything.add_api_route("/{name}/gamma", lambda name: name, methods=["GET"])
    app = FastAPI()
    for router in (alpha, beta, anything):
        app.include_router(router, prefix="/api")
    with TestClient(app) as client:
        assert client.get("/api/beta/7").json() == "7"
        assert not any(p.startswith("/alpha") for p in tried)  # declined at a glance
        tried.clear()
        assert client.get("/api/alpha/a3/x").json() == "a"
        assert client.get("/api/zeta/gamma").json() == "zeta"  # a pattern first: tried
        assert "/{name}/gamma" in tried
        alpha.add_api_route("/late", lambda: "late", methods=["GET"])  # added afterwards
        app.include_router(alpha, prefix="/v2")
        assert client.get("/v2/alpha/late").json() == "late"
