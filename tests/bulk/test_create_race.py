"""A batch of new elders that meets an elder created meanwhile falls back to the service."""

from __future__ import annotations

from datetime import date

from eldercare import identity
from eldercare.bulk.handlers.elders import ElderHandler
from eldercare.context import Principal, RequestCtx
from eldercare.elders.models import Elder
from eldercare.roles import Role
from sqlalchemy import func, select

from tests.factories import COUNTY, VILLAGE, make_elder, make_user


def test_an_elder_created_between_check_and_write_fails_alone(db):
    """The batch's multi-row write hits the unique index (COPY on PostgreSQL, whose error
    comes from the driver unwrapped); the rows are then created one by one, and only the
    elder someone else created meanwhile fails."""
    user = make_user(db, "village_worker", VILLAGE)
    principal = Principal(
        "user", user.id, user.username, Role.village_worker, VILLAGE, frozenset(), "j", None
    )  # type: ignore[arg-type]
    ctx = RequestCtx(None, None, "en").with_principal(principal)
    numbers = [identity.make(COUNTY, date(1940, 1, 1 + i), i, True) for i in range(3)]
    rows = [
        (i + 2, {"身份证号": n, "姓名": "王秀英", "村代码": VILLAGE, "居住状况": "独居"})
        for i, n in enumerate(numbers)
    ]
    handler = ElderHandler(db, ctx, "job-race")
    outcomes, writes = handler.prepare(rows)
    assert [o.errors for o in outcomes] == [[], [], []]

    make_elder(db, VILLAGE, id_number=numbers[1])  # someone else, meanwhile
    for write in writes:
        write(db)

    assert [o.action for o in outcomes] == ["created", "failed", "created"]
    assert [bool(o.errors) for o in outcomes] == [False, True, False]
    for number in numbers:
        count = db.scalar(select(func.count()).where(Elder.id_number == number))
        assert count == 1
