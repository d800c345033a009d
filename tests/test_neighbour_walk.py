"""The neighbour walk: a neighbour cannot tell another region's object from a random id.

For every operation whose path carries the id of a scoped object, the object is made by its
owner (through the API, in its home village, township or county), then the operation is
called as a worker of a neighbouring village in the same township, an officer of another
township in the same county, an officer (or admin) and an integration client of the other
county. Each gets exactly what a random, well-formed id gets: a 404 with the same body (but
for the request id) and the same headers. A role the authorization matrix refuses outright
(403 comes before scope) is replaced by the neighbour of a role it admits. Writes are sent
with a valid body and the object's current version in If-Match (and, where the route reads
If-Match, with a stale one and with none): the answer is still the random id's, and the
owner reads exactly what they read before.

The operations come from the app: a route with a path parameter and neither a case here nor
an entry in ``EXCEPTIONS`` fails the walk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from eldercare import db as dbmod
from eldercare.auth.models import IntegrationClient
from eldercare.authz import MATRIX
from eldercare.clock import today
from eldercare.db import new_id
from eldercare.elders.models import Elder
from eldercare.roles import CLIENT_SCOPES, Role
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE,
    PASSWORD,
    TOWNSHIP,
    VILLAGE,
    auth,
    id_number,
    make_client,
    make_elder,
    make_pairing,
    make_user,
    make_volunteer,
)

API = "/api/v1"

# Routes with a path parameter that is not the id of an object in someone's region.
EXCEPTIONS: dict[tuple[str, str], str] = {
    # Administrative divisions are public reference data: every caller may read every region.
    ("GET", f"{API}/regions/{{code}}"): "reference data, not scoped",
    # `resource` names what to import (an enum), not an object; the rows land in the caller's
    # own scope (tests/bulk/test_imports.py).
    ("POST", f"{API}/imports/{{resource}}"): "enum: the kind of rows",
    # The same template for everyone.
    ("GET", f"{API}/imports/{{resource}}/template"): "enum: the kind of rows",
    # `resource` names what to export; the file holds the caller's rows only
    # (tests/bulk/test_changes_exports.py).
    ("GET", f"{API}/exports/{{resource}}"): "enum: the kind of rows",
    # `month` is a calendar month, not an object; the region is a query parameter, checked
    # against the caller's scope (tests/stats/test_months.py::test_neighbours_get_404).
    ("GET", f"{API}/stats/months/{{month}}"): "a month: the region is the query's",
    ("POST", f"{API}/stats/months/{{month}}/recompute"): "a month: the region is the query's",
}


# ----------------------------------------------------------------------------- principals

OWNERS = {
    "worker": (Role.village_worker, VILLAGE),
    "township": (Role.township_officer, TOWNSHIP),
    "admin": (Role.county_admin, COUNTY),
}
# The neighbours, nearest first; each route is walked by those whose role may call it at all.
NEIGHBOURS = {
    "neighbouring-village-worker": (Role.village_worker, OTHER_VILLAGE),
    "other-township-officer": (Role.township_officer, OTHER_TOWNSHIP),
    "other-county-officer": (Role.county_officer, OTHER_COUNTY),
    "other-county-admin": (Role.county_admin, OTHER_COUNTY),
}
# An integration client of the other county, holding every scope (on routes open to clients).
OTHER_CLIENT = "other-county-client"
# Import jobs are their caller's own: even a worker of the same village gets 404.
COLLEAGUE = {"colleague-same-village": (Role.village_worker, VILLAGE)}
# Volunteers of the elder's own village: one not paired with the elder, one paired with it
# who did not make the report. A volunteer sees only their own reports for paired elders.
VOLUNTEERS = {
    "unpaired-volunteer": (Role.volunteer, VILLAGE),
    "paired-volunteer-not-reporter": (Role.volunteer, VILLAGE),
}
# Where a neighbour would move an elder to: their own village (and, for the control, where
# the township would move it at home).
HOME_VILLAGE = {
    "township": OTHER_VILLAGE,
    "neighbouring-village-worker": OTHER_VILLAGE,
    "other-township-officer": OTHER_TOWNSHIP_VILLAGE,
    "other-county-officer": OTHER_COUNTY_VILLAGE,
    "other-county-admin": OTHER_COUNTY_VILLAGE,
    OTHER_CLIENT: OTHER_COUNTY_VILLAGE,
}


# ----------------------------------------------------------------------------- objects


@dataclass(frozen=True)
class Kind:
    """A kind of object: who owns it and what the owner reads to see that nothing changed.

    ``reads`` are paths formatted with the world's ids; the first one's ETag is the object's
    version (sent in If-Match).
    """

    owner: str
    reads: tuple[str, ...]


KINDS = {
    "elder": Kind(
        "worker",
        (
            "/elders/{elder}",
            "/elders/{elder}/history",
            "/elders/{elder}/guardians",
            "/elders/{elder}/visits",
            "/elders/{elder}/relief-facts/versions",
            "/elders/{elder}/benefits",
            "/worklist?due_within_days=366",
        ),
    ),
    "guardian": Kind("worker", ("/guardians/{guardian}", "/elders/{elder}/history")),
    "volunteer": Kind("township", ("/volunteers/{volunteer}",)),
    "pairing": Kind("worker", ("/pairings/{pairing}", "/pairings?state=all")),
    "visit": Kind("worker", ("/visits/{visit}",)),
    "benefit": Kind("worker", ("/benefits/{benefit}", "/elders/{elder}/benefits")),
    "incident": Kind("worker", ("/incidents/{incident}",)),
    "follow_up": Kind("worker", ("/follow-ups/{follow_up}", "/elders/{elder}/follow-ups")),
    "merge": Kind("township", ("/elders/merges", "/elders/{survivor}")),
    "user": Kind("admin", ("/users/{user}",)),
    "client": Kind("admin", ("/clients/{client}",)),
    "import": Kind("worker", ("/imports/{import}",)),
    "sweep": Kind("township", ("/sweeps/{sweep}", "/sweeps/{sweep}/pending")),
    "roster": Kind("admin", ("/rosters/{roster}", "/rosters/{roster}/discrepancies")),
    "discrepancy": Kind("admin", ("/rosters/{roster}/discrepancies",)),
}

# A body's text value "{kind}" stands for the world's object of that kind (its id).
Body = dict[str, Any] | Callable[[str], dict[str, Any]] | None


@dataclass(frozen=True)
class Case:
    """What a route's path id names, and a valid body that would change it if allowed."""

    kind: str
    body: Body = None
    version_from: str | None = None  # a read whose ETag is the version, when not the first
    extra: tuple[str, ...] = ()  # principals beyond the neighbours
    by: str | None = None  # who makes this write at home, when not the object's owner
    # the kinds of the path's ids in order, when it has more than the object's own
    path_ids: tuple[str, ...] = ()


TODAY = str(today())
_CASES: dict[tuple[str, str], Case] = {
    # accounts (county admins)
    ("GET", "/users/{user_id}"): Case("user"),
    ("PATCH", "/users/{user_id}"): Case("user", {"display_name": "邻县改的", "active": False}),
    ("GET", "/clients/{client_pk}"): Case("client"),
    ("PATCH", "/clients/{client_pk}"): Case("client", {"active": False}),
    ("POST", "/clients/{client_pk}/secret"): Case("client"),
    # the register
    ("POST", "/elders/merges/{merge_id}/undo"): Case("merge"),
    ("GET", "/elders/{elder_id}"): Case("elder"),
    ("PATCH", "/elders/{elder_id}"): Case("elder", {"address": "邻村改的"}),
    ("POST", "/elders/{elder_id}/status"): Case(
        "elder", {"status": "deceased", "date": TODAY, "reason": "邻村报的"}
    ),
    ("POST", "/elders/{elder_id}/move"): Case(
        "elder",
        lambda who: {"village_code": HOME_VILLAGE[who], "reason": "搬到我村"},
        by="township",
    ),
    ("PUT", "/elders/{elder_id}/risk-override"): Case(
        "elder", {"level": "general", "reason": "邻村改的"}
    ),
    ("GET", "/elders/{elder_id}/history"): Case("elder"),
    ("GET", "/elders/{elder_id}/guardians"): Case("elder"),
    ("POST", "/elders/{elder_id}/guardians"): Case(
        "elder", {"name": "王小明", "relation": "grandchild"}
    ),
    ("GET", "/elders/{elder_id}/contacts"): Case("elder"),
    ("POST", "/elders/{elder_id}/contacts"): Case(
        "elder", {"guardian_id": "{guardian}", "method": "phone", "note": "邻村记的"}
    ),
    ("GET", "/guardians/{guardian_id}"): Case("guardian"),
    ("PATCH", "/guardians/{guardian_id}"): Case("guardian", {"notes": "邻村改的"}),
    ("DELETE", "/guardians/{guardian_id}"): Case("guardian"),
    # volunteers and pairings
    ("GET", "/volunteers/{volunteer_id}"): Case("volunteer"),
    ("PATCH", "/volunteers/{volunteer_id}"): Case("volunteer", {"active": False}),
    ("GET", "/pairings/{pairing_id}"): Case("pairing"),
    ("PATCH", "/pairings/{pairing_id}"): Case("pairing", {"end_date": TODAY, "end_reason": "x"}),
    # visits
    ("GET", "/visits/{visit_id}"): Case("visit"),
    ("PATCH", "/visits/{visit_id}"): Case("visit", {"notes": "邻村改的"}),
    ("GET", "/elders/{elder_id}/visits"): Case("elder"),
    ("GET", "/visits/{visit_id}/history"): Case("visit"),
    ("GET", "/elders/{elder_id}/services"): Case("elder"),
    ("POST", "/elders/{elder_id}/events"): Case("elder", {"type": "hospitalisation"}),
    # relief
    ("GET", "/elders/{elder_id}/relief-facts"): Case("elder"),
    ("GET", "/elders/{elder_id}/relief-facts/versions"): Case("elder"),
    ("PUT", "/elders/{elder_id}/relief-facts"): Case(
        "elder",
        {"household_size": 3, "income": {"wages": "9000"}},
        version_from="/elders/{elder}/relief-facts",
    ),
    ("GET", "/elders/{elder_id}/eligibility"): Case("elder"),
    ("GET", "/elders/{elder_id}/benefits"): Case("elder"),
    ("POST", "/elders/{elder_id}/benefits"): Case(
        "elder", {"program": "medical_assistance", "start_date": "2025-01-01", "source": "manual"}
    ),
    ("GET", "/benefits/{benefit_id}"): Case("benefit"),
    ("PATCH", "/benefits/{benefit_id}"): Case("benefit", {"monthly_amount": "999"}),
    ("POST", "/benefits/{benefit_id}/end"): Case("benefit", {"end_date": TODAY, "reason": "other"}),
    # incidents
    ("GET", "/incidents/{incident_id}"): Case("incident", extra=tuple(VOLUNTEERS)),
    ("PATCH", "/incidents/{incident_id}"): Case("incident", {"description": "邻村改的"}),
    ("GET", "/follow-ups/{follow_up_id}"): Case("follow_up"),
    ("PATCH", "/follow-ups/{follow_up_id}"): Case("follow_up", {"description": "邻村改的"}),
    ("POST", "/follow-ups/{follow_up_id}/transitions"): Case(
        "follow_up", {"to": "resolved", "note": "邻村办结"}
    ),
    ("GET", "/elders/{elder_id}/follow-ups"): Case("elder"),
    ("POST", "/incidents/{incident_id}/transitions"): Case(
        "incident", {"to": "acknowledged"}, by="township"
    ),
    ("POST", "/incidents/{incident_id}/notifications"): Case(
        "incident", {"guardian_id": "{guardian}", "method": "phone", "note": "已通知"}
    ),
    # import jobs
    ("GET", "/imports/{job_id}"): Case("import", extra=tuple(COLLEAGUE)),
    ("GET", "/imports/{job_id}/error-file"): Case("import", extra=tuple(COLLEAGUE)),
    # sweeps (a sweep of the owner's village: the neighbouring village is outside it)
    ("GET", "/sweeps/{sweep_id}"): Case("sweep"),
    ("GET", "/sweeps/{sweep_id}/pending"): Case("sweep"),
    ("POST", "/sweeps/{sweep_id}/close"): Case("sweep"),
    ("POST", "/sweeps/{sweep_id}/elders/{elder_id}/confirm"): Case(
        "sweep",
        {
            "checklist": {
                "living_here": True,
                "contacts_right": True,
                "children_right": True,
                "categories_right": True,
            }
        },
        path_ids=("sweep", "elder"),
    ),
    # rosters (a county's)
    ("GET", "/rosters/{roster_id}"): Case("roster"),
    ("GET", "/rosters/{roster_id}/discrepancies"): Case("roster"),
    ("GET", "/rosters/{roster_id}/error-file"): Case("roster"),
    ("POST", "/rosters/discrepancies/{discrepancy_id}/resolve"): Case(
        "discrepancy", {"action": "dismiss", "reason": "已核实健在"}
    ),
}
CASES = {(method, API + path): case for (method, path), case in _CASES.items()}


def walkers(method: str, path: str) -> list[str]:
    """The neighbours the matrix lets call the route at all (the other county's officer
    stands in for its admin when both may), the other county's integration client where
    clients may call it, and the case's extra principals."""
    roles = MATRIX[(method, path)].roles
    names = [name for name, (role, _) in NEIGHBOURS.items() if role in roles]
    if "other-county-officer" in names:
        names.remove("other-county-admin")
    if MATRIX[(method, path)].client_scopes:
        names.append(OTHER_CLIENT)
    return names + list(CASES[(method, path)].extra)


WALK = [(m, p, who) for (m, p) in sorted(CASES) for who in walkers(m, p)]


# ----------------------------------------------------------------------------- the world


@dataclass
class World:
    client: TestClient
    db: Session
    connection: Connection
    people: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        return {**auth(self.people[who]), **extra}

    def made(self, r: Any, status: int = 201) -> dict[str, Any]:
        assert r.status_code == status, r.text
        body: dict[str, Any] = r.json()
        return body


def _build(client: TestClient, db: Session, connection: Connection) -> World:
    w = World(client, db, connection)
    for name, (role, region) in {**OWNERS, **NEIGHBOURS, **COLLEAGUE, **VOLUNTEERS}.items():
        w.people[name] = make_user(db, role.value, region)
    w.people[OTHER_CLIENT] = make_client(db, OTHER_COUNTY, list(CLIENT_SCOPES))
    worker, township, admin = (w.headers(n) for n in ("worker", "township", "admin"))

    elder = {
        "id_number": id_number("1944-05-06"),
        "name": "王桂英",
        "village_code": VILLAGE,
        "living_arrangement": "alone",
    }
    w.ids["elder"] = w.made(client.post(f"{API}/elders", headers=worker, json=elder))["id"]
    e = w.ids["elder"]
    w.ids["guardian"] = w.made(
        client.post(
            f"{API}/elders/{e}/guardians",
            headers=worker,
            json={"name": "王建国", "relation": "son", "phone": "13900001111"},
        )
    )["id"]
    w.ids["volunteer"] = w.made(
        client.post(
            f"{API}/volunteers",
            headers=township,
            json={
                "name": "赵秀兰",
                "phone": "13900002222",
                "kind": "volunteer",
                "region_code": VILLAGE,
            },
        )
    )["id"]
    w.ids["pairing"] = w.made(
        client.post(
            f"{API}/pairings",
            headers=worker,
            json={"elder_id": e, "volunteer_id": w.ids["volunteer"], "is_primary": True},
        )
    )["id"]
    w.ids["visit"] = w.made(
        client.post(
            f"{API}/visits",
            headers=worker,
            json={"elder_id": e, "method": "home_visit", "safety_risks": ["fire_gas"]},
        )
    )["id"]
    w.ids["follow_up"] = client.get(f"{API}/elders/{e}/follow-ups", headers=worker).json()["items"][
        0
    ]["id"]
    w.made(
        client.put(
            f"{API}/elders/{e}/relief-facts",
            headers={**worker, "If-Match": '"0"'},
            json={"household_size": 1, "income": {"wages": "300"}},
        ),
        200,
    )
    w.ids["benefit"] = w.made(
        client.post(
            f"{API}/elders/{e}/benefits",
            headers=worker,
            json={"program": "old_age_allowance", "start_date": "2024-01-01", "source": "manual"},
        )
    )["id"]
    for name in VOLUNTEERS:
        helper = make_volunteer(db, VILLAGE, user=w.people[name], name="钱桂兰")
        if name == "paired-volunteer-not-reporter":
            make_pairing(db, db.get(Elder, e), helper)
    w.ids["incident"] = w.made(
        client.post(
            f"{API}/incidents",
            headers=worker,
            json={"elder_id": e, "type": "accident", "severity": "high", "description": "摔伤"},
        )
    )["id"]

    survivor = make_elder(db, VILLAGE, name="张秀英", birth="1948-04-04")
    merged = make_elder(db, VILLAGE, name="章秀英", birth="1948-04-04")
    w.ids["survivor"] = survivor.id
    w.ids["merge"] = w.made(
        client.post(
            f"{API}/elders/merges",
            headers=township,
            json={"survivor_id": survivor.id, "merged_id": merged.id, "reason": "同一人重复登记"},
        )
    )["id"]

    w.ids["user"] = w.made(
        client.post(
            f"{API}/users",
            headers=admin,
            json={
                "username": "walk_target",
                "password": PASSWORD,
                "role": "village_worker",
                "region": VILLAGE,
            },
        )
    )["id"]
    w.ids["client"] = w.made(
        client.post(
            f"{API}/clients",
            headers=admin,
            json={"client_id": "walk-target", "scopes": ["registry:read"], "region": COUNTY},
        )
    )["id"]

    # one good row and one bad one, so that the job has something in its error file
    rows = (
        f"id_number,name,village_code\n{id_number('1941-02-03')},李四,{VILLAGE}\n1,王五,{VILLAGE}\n"
    )
    w.ids["import"] = w.made(
        client.post(
            f"{API}/imports/elders",
            headers={**worker, "Content-Type": "text/csv"},
            params={"mode": "per_row"},
            content=rows.encode(),
        ),
        200,
    )["id"]
    w.ids["sweep"] = w.made(
        client.post(
            f"{API}/sweeps",
            headers=township,
            json={
                "name": "春季摸底排查",
                "period": "spring",
                "starts_on": TODAY,
                "region_code": VILLAGE,
            },
        )
    )["id"]
    deaths = f"身份证号,死亡日期\n{elder['id_number']},2026-11-01\n9,2026-11-01\n"
    w.ids["roster"] = w.made(
        client.post(
            f"{API}/rosters",
            headers={**admin, "Content-Type": "text/csv"},
            params={"kind": "deaths"},
            content=deaths.encode(),
        ),
        200,
    )["id"]
    found = client.get(f"{API}/rosters/{w.ids['roster']}/discrepancies", headers=admin).json()
    w.ids["discrepancy"] = found["items"][0]["id"]
    return w


@pytest.fixture(scope="module")
def world(app, engine) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """One set of objects for the whole walk, in a transaction rolled back at the end (as
    tests/conftest.py does per test)."""
    conn = engine.connect()
    outer = conn.begin()
    dbmod.use_sessionmaker(
        sessionmaker(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    db = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        with TestClient(app, base_url="http://testserver") as client:
            yield _build(client, db, conn)
    finally:
        db.close()
        dbmod.set_engine(engine)
        outer.rollback()
        conn.close()


# ----------------------------------------------------------------------------- helpers

VOLATILE_HEADERS = {"x-request-id", "date", "content-length"}


Answer = tuple[int, dict[str, str], Any]


def answer(r: Any) -> Answer:
    """A response as a neighbour sees it, without what differs on every request."""
    headers = {k: v for k, v in r.headers.items() if k.lower() not in VOLATILE_HEADERS}
    try:
        body = r.json()
    except ValueError:
        return r.status_code, headers, r.content
    if isinstance(body, dict):
        body.pop("request_id", None)
    return r.status_code, headers, body


def differences(theirs: Answer, unknown: Answer) -> str:
    """What tells the object apart from a random id, for the failure message."""
    (status, headers, body), (status2, headers2, body2) = theirs, unknown
    out = [f"{status} {body!r} for the object, {status2} {body2!r} for a random id"]
    for name in sorted(set(headers) | set(headers2)):
        if headers.get(name) != headers2.get(name):
            out.append(f"header {name}: {headers.get(name)!r} != {headers2.get(name)!r}")
    return "; ".join(out)


def owner_state(w: World, kind: str) -> dict[str, Any]:
    """Everything the owner reads about the object."""
    headers = w.headers(KINDS[kind].owner)
    state: dict[str, Any] = {}
    for read in KINDS[kind].reads:
        r = w.client.get(API + read.format(**w.ids), headers=headers)
        state[read] = answer(r)
    if kind == "client":  # a new secret changes no version
        state["secret_hash"] = w.db.scalar(
            select(IntegrationClient.secret_hash).where(IntegrationClient.id == w.ids["client"])
        )
    return state


def current_etag(w: World, case: Case) -> str | None:
    read = API + (case.version_from or KINDS[case.kind].reads[0]).format(**w.ids)
    etag: str | None = w.client.get(read, headers=w.headers(KINDS[case.kind].owner)).headers.get(
        "etag"
    )
    return etag


def fill(w: World, case: Case, path: str, own: str | None = None) -> str:
    """The path with the object's id (or ``own`` in its place) and the others' real ids."""
    kinds = iter(case.path_ids or (case.kind,))

    def one(_: re.Match[str]) -> str:
        kind = next(kinds, case.kind)
        return own if own is not None and kind == case.kind else w.ids[kind]

    return re.sub(r"\{[^}]+\}", one, path)


def request_args(
    case: Case, who: str, headers: dict[str, str], ids: dict[str, str]
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"headers": headers}
    body = case.body(who) if callable(case.body) else case.body
    if body is not None:
        kwargs["json"] = {
            k: ids[v[1:-1]] if isinstance(v, str) and v[1:-1] in ids and v[0] == "{" else v
            for k, v in body.items()
        }
    return kwargs


def reads_if_match(app: Any, method: str, path: str) -> bool:
    for c in iter_route_contexts(app.routes):
        route = c.original_route
        if isinstance(route, APIRoute) and c.path == path and method in (c.methods or ()):
            return any(p.alias.lower() == "if-match" for p in route.dependant.header_params)
    raise AssertionError(f"no route {method} {path}")


def app_routes_with_path_parameters(app: Any) -> set[tuple[str, str]]:
    return {
        (method, c.path)
        for c in iter_route_contexts(app.routes)
        if isinstance(c.original_route, APIRoute) and "{" in (c.path or "")
        for method in c.methods or ()
        if method != "HEAD"
    }


# ----------------------------------------------------------------------------- the walk


def test_every_route_with_a_path_parameter_has_a_case_or_an_exception(app):
    routes = app_routes_with_path_parameters(app)
    missing = routes - set(CASES) - set(EXCEPTIONS)
    assert not missing, f"routes with a path id and no neighbour case: {sorted(missing)}"
    assert not set(CASES) & set(EXCEPTIONS)


def test_no_case_or_exception_names_a_route_that_does_not_exist(app):
    routes = app_routes_with_path_parameters(app)
    assert not set(EXCEPTIONS) - routes, f"stale exceptions: {sorted(set(EXCEPTIONS) - routes)}"
    assert not set(CASES) - routes, f"stale cases: {sorted(set(CASES) - routes)}"


def test_every_route_is_walked_by_someone():
    assert all(walkers(m, p) for m, p in CASES)


@pytest.mark.parametrize(
    ("method", "path", "who"), WALK, ids=[f"{m} {p[len(API) :]} as {w}" for m, p, w in WALK]
)
def test_a_neighbour_gets_what_a_random_id_gets(app, world, method, path, who):
    w = world
    case = CASES[(method, path)]
    owner = w.headers(KINDS[case.kind].owner)
    before = owner_state(w, case.kind)
    # the object is real and the owner sees it
    assert all(before[read][0] == 200 for read in KINDS[case.kind].reads), before
    target = fill(w, case, path)
    random = fill(w, case, path, new_id())
    if method == "GET":  # the owner gets it: the id is real and in the owner's scope
        r = w.client.get(target, headers=owner)
        assert r.status_code == 200, r.text

    variants: list[dict[str, str]] = [{}]
    if method != "GET":
        etag = current_etag(w, case)
        if etag:  # the version the owner sees, as a client that read it would send it
            variants = [{"If-Match": etag}]
        if reads_if_match(app, method, path):
            assert etag, f"{method} {path} reads If-Match but gives no ETag to send"
            stale = f'"{int(etag.strip(chr(34))) + 1}"'
            variants += [{"If-Match": stale}, {}]

    for extra in variants:
        kwargs = request_args(case, who, w.headers(who, **extra), w.ids)
        theirs = answer(w.client.request(method, target, **kwargs))
        unknown = answer(w.client.request(method, random, **kwargs))
        assert theirs == unknown, (
            f"{method} {path} as {who} with {extra or 'no If-Match'}: "
            + differences(theirs, unknown)
        )
        if extra is variants[0]:
            assert theirs[0] == 404, theirs
            assert theirs[2]["code"] == "not_found", theirs

    assert owner_state(w, case.kind) == before, f"{method} {path} as {who} changed something"


WRITES = sorted((m, p) for m, p in CASES if m != "GET")


@pytest.mark.parametrize(
    ("method", "path"), WRITES, ids=[f"{m} {p[len(API) :]}" for m, p in WRITES]
)
def test_at_home_each_write_succeeds_and_shows(world, method, path):
    """The control: the same request, sent at home, succeeds and changes what the owner
    reads (so the walk's bodies are valid and its check that nothing changed can fail)."""
    w = world
    case = CASES[(method, path)]
    before = owner_state(w, case.kind)
    etag = current_etag(w, case)
    by = case.by or KINDS[case.kind].owner
    headers = w.headers(by, **({"If-Match": etag} if etag else {}))
    target = fill(w, case, path)
    home = w.connection.begin_nested()  # undone below: the walk's objects stay as they are
    try:
        r = w.client.request(method, target, **request_args(case, by, headers, w.ids))
        assert r.status_code in (200, 201, 204), r.text
        assert owner_state(w, case.kind) != before
    finally:
        home.rollback()
    assert owner_state(w, case.kind) == before
