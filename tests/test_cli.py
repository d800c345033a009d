"""The command line: creating the first admin and scripted users."""

from __future__ import annotations

import io

import pytest
from eldercare.auth.models import User
from eldercare.auth.security import verify_password
from eldercare.cli import main
from sqlalchemy import delete, select
from sqlalchemy.orm import Session


def _drop_elders(engine, ids: list[str], *derived) -> None:  # type: ignore[no-untyped-def]
    """Remove committed test elders: rows of the ``derived`` models by elder, then each elder
    and its household."""
    from eldercare.elders.models import Elder, Household

    with Session(engine) as s, s.begin():
        for model in derived:
            s.execute(delete(model).where(model.elder_id.in_(ids)))
        for elder_id in ids:
            e = s.get(Elder, elder_id)
            household = e.household_id
            s.delete(e)
            s.flush()
            s.execute(delete(Household).where(Household.id == household))


@pytest.fixture
def cleanup(engine):
    names: list[str] = []
    yield names
    with Session(engine) as s, s.begin():
        s.execute(delete(User).where(User.username.in_(names)))


def run(monkeypatch, args: list[str], stdin: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(args)


def test_creates_first_admin_with_password_from_stdin(monkeypatch, engine, cleanup, capsys):
    cleanup.append("first_admin")
    code = run(
        monkeypatch,
        [
            "users",
            "create",
            "--username",
            "first_admin",
            "--role",
            "county_admin",
            "--region",
            "431127",
            "--password-stdin",
        ],
        "a-strong-first-pass\n",
    )
    assert code == 0
    assert "created user first_admin" in capsys.readouterr().out
    with Session(engine) as s:
        user = s.scalar(select(User).where(User.username == "first_admin"))
        assert user.role == "county_admin"
        assert verify_password("a-strong-first-pass", user.password_hash)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["--role", "village_worker", "--region", "431127"],
            "long-enough-pass\n",
            "must be bound to a village",
        ),
        (["--role", "county_admin", "--region", "999999"], "long-enough-pass\n", "unknown region"),
        (["--role", "county_admin", "--region", "431127"], "short\n", "at least 10"),
    ],
)
def test_refuses_bad_input_and_writes_nothing(
    monkeypatch, engine, cleanup, capsys, args, stdin, message
):
    cleanup.append("bad_cli_user")
    code = run(
        monkeypatch,
        ["users", "create", "--username", "bad_cli_user", *args, "--password-stdin"],
        stdin,
    )
    assert code == 2
    assert message in capsys.readouterr().err
    with Session(engine) as s:
        assert s.scalar(select(User).where(User.username == "bad_cli_user")) is None


def test_refuses_taken_username(monkeypatch, engine, cleanup, capsys):
    cleanup.append("twice_user")
    argv = [
        "users",
        "create",
        "--username",
        "twice_user",
        "--role",
        "county_officer",
        "--region",
        "431127",
        "--password-stdin",
    ]
    assert run(monkeypatch, argv, "long-enough-pass\n") == 0
    assert run(monkeypatch, argv, "long-enough-pass\n") == 2
    assert "taken" in capsys.readouterr().err


def test_register_refresh_recomputes_stale_facts(engine, capsys):
    from tests.factories import make_elder

    with Session(engine) as s, s.begin():
        elder = make_elder(s, living_arrangement="alone")
        elder.categories = []
        elder.category_codes = ""
        elder.risk_level = "general"
        elder_id = elder.id
    try:
        assert main(["register", "refresh", "--county", "431127"]) == 0
        assert "recomputed" in capsys.readouterr().out
        with Session(engine) as s:
            from eldercare.elders.models import Elder

            fresh = s.get(Elder, elder_id)
            assert "living_alone" in fresh.category_codes
    finally:
        from eldercare.visits.models import ElderSchedule

        _drop_elders(engine, [elder_id], ElderSchedule)


def test_stats_refresh_records_each_county(monkeypatch, engine, capsys):
    from eldercare.stats.models import StatsRefresh, StatsRollup

    try:
        assert run(monkeypatch, ["stats", "refresh", "--county", "621027"], "") == 0
        assert "1 counties" in capsys.readouterr().out
        with Session(engine) as s:
            marker = s.get(StatsRefresh, "621027")
            assert marker is not None
            assert marker.elders == 0
    finally:
        with Session(engine) as s, s.begin():
            s.execute(delete(StatsRollup).where(StatsRollup.county_code == "621027"))
            s.execute(delete(StatsRefresh).where(StatsRefresh.county_code == "621027"))


def test_visits_recompute_writes_every_schedule_of_the_county(engine, capsys):
    from eldercare.visits.models import ElderSchedule

    from tests.factories import OTHER_COUNTY_VILLAGE, make_elder

    with Session(engine) as s, s.begin():
        elder = make_elder(s, OTHER_COUNTY_VILLAGE, name="重算")
        elder.risk_level = "high"
        elder_id = elder.id
    try:
        assert main(["visits", "recompute", "--county", "621027", "--jobs", "2"]) == 0
        assert "recomputed 1 schedules in 1 counties" in capsys.readouterr().out
        with Session(engine) as s:
            row = s.get(ElderSchedule, elder_id)
            assert row is not None
            assert (row.interval_days, row.reason["code"]) == (7, "due.never_visited")
    finally:
        _drop_elders(engine, [elder_id], ElderSchedule)


def test_visits_recompute_rescans_the_visits_written_by_sql(engine, capsys):
    """A visit written without the app (by SQL) is found by ``--rescan-visits`` only."""
    from datetime import UTC, datetime

    from eldercare.visits.models import (
        ElderSchedule,
        ElderServiceDone,
        ElderServiceSchedule,
        Visit,
    )

    from tests.factories import OTHER_COUNTY_VILLAGE, make_elder

    at = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with Session(engine) as s, s.begin():
        elder = make_elder(s, OTHER_COUNTY_VILLAGE, name="补扫")
        elder_id = elder.id
        s.add(
            Visit(
                elder_id=elder_id,
                village_code=OTHER_COUNTY_VILLAGE,
                author_id="x",
                visited_at=at,
                method="home_visit",
                services=["health_checkup"],
            )
        )

    def last_checkup() -> datetime | None:
        with Session(engine) as s:
            row = s.get(ElderServiceSchedule, (elder_id, "health_checkup"))
            assert row is not None
            return row.last_done_at

    try:
        assert main(["visits", "recompute", "--county", "621027"]) == 0
        assert last_checkup() is None  # the last times were not told of it
        assert main(["visits", "recompute", "--county", "621027", "--rescan-visits"]) == 0
        assert "service schedules in 1 counties" in capsys.readouterr().out
        assert last_checkup() == at
    finally:
        derived = (ElderSchedule, ElderServiceSchedule, ElderServiceDone, Visit)
        _drop_elders(engine, [elder_id], *derived)


def test_relief_refresh_screens_every_elder_of_the_counties(engine, capsys):
    from eldercare.relief.models import ReliefScreening
    from eldercare.visits.models import ElderSchedule

    from tests.factories import OTHER_COUNTY_VILLAGE, VILLAGE, make_elder

    with Session(engine) as s, s.begin():
        ids = [
            make_elder(s, village, name="筛查", birth="1940-05-05").id
            for village in (VILLAGE, OTHER_COUNTY_VILLAGE)
        ]
    try:
        args = ["relief", "refresh", "--county", "431127", "--county", "621027", "--jobs", "2"]
        assert main(args) == 0
        assert "in 2 counties" in capsys.readouterr().out
        with Session(engine) as s:
            rows = s.scalars(select(ReliefScreening).where(ReliefScreening.elder_id.in_(ids)))
            # 86 years old: the old-age allowance needs the county's tiers (none set): unknown
            assert {r.elder_id: r.active for r in rows} == dict.fromkeys(ids, 1)
    finally:
        _drop_elders(engine, ids, ReliefScreening, ElderSchedule)
