"""Plain functions that build test data inside the test's transaction."""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path

from eldercare.auth.models import IntegrationClient, User
from eldercare.auth.security import hash_password, issue_access_token
from eldercare.clock import today as local_today
from eldercare.config import get_settings
from eldercare.regions.service import load_regions, read_region_file
from sqlalchemy.orm import Session

REGION_DIR = Path(__file__).resolve().parents[1] / "data" / "regions"

# Two real counties; within 蓝山县, two townships and neighbouring villages.
COUNTY = "431127"  # 蓝山县
OTHER_COUNTY = "621027"  # 镇原县
TOWNSHIP = "431127104"  # 所城镇
OTHER_TOWNSHIP = "431127100"  # 塔峰镇
VILLAGE = "431127104230"  # 南风坳村
OTHER_VILLAGE = "431127104204"  # 所城村 (same township)
OTHER_TOWNSHIP_VILLAGE = "431127100202"
OTHER_COUNTY_VILLAGE = "621027101200"  # 开城村

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def load_test_regions(db: Session) -> None:
    rows = []
    for path in sorted(REGION_DIR.glob("*.csv")):
        rows.extend(read_region_file(path))
    load_regions(db, rows)


@lru_cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def make_user(
    db: Session,
    role: str = "village_worker",
    region: str = VILLAGE,
    *,
    username: str | None = None,
    active: bool = True,
    display_name: str = "",
) -> User:
    user = User(
        username=username or f"{role}_{next(_seq)}",
        password_hash=_password_hash(),
        role=role,
        region_code=region,
        display_name=display_name,
        active=active,
    )
    db.add(user)
    db.flush()
    return user


def make_client(
    db: Session, region: str = COUNTY, scopes: list[str] | None = None, *, active: bool = True
) -> IntegrationClient:
    client = IntegrationClient(
        client_id=f"client-{next(_seq)}",
        secret_hash=_password_hash(),
        scopes=scopes if scopes is not None else ["registry:read"],
        region_code=region,
        active=active,
    )
    db.add(client)
    db.flush()
    return client


def token_for(principal: User | IntegrationClient) -> str:
    settings = get_settings()
    if isinstance(principal, User):
        token, _, _ = issue_access_token(
            settings,
            sub=principal.id,
            kind="user",
            role=principal.role,
            region=principal.region_code,
            scopes=[],
        )
    else:
        token, _, _ = issue_access_token(
            settings,
            sub=principal.id,
            kind="client",
            role=None,
            region=principal.region_code,
            scopes=list(principal.scopes),
        )
    return token


def auth(principal: User | IntegrationClient, lang: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token_for(principal)}"}
    if lang:
        headers["Accept-Language"] = lang
    return headers


_id_seq = itertools.count(1)


def id_number(birth: str = "1950-03-15", male: bool = False, county: str = COUNTY) -> str:
    """A valid, unique 18-digit ID number for the test run."""
    from datetime import date

    from eldercare import identity

    return identity.make(county, date.fromisoformat(birth), next(_id_seq) % 500, male)


def make_elder(
    db: Session,
    village: str = VILLAGE,
    *,
    name: str = "张秀英",
    birth: str = "1950-03-15",
    male: bool = False,
    status: str = "active",
    guardians: list[dict] | None = None,
    **fields,
):
    """An elder (with derived facts computed) inserted directly, bypassing the API."""
    from datetime import date

    from eldercare import identity
    from eldercare.elders.models import Elder, Guardian, Household
    from eldercare.elders.service import recompute
    from eldercare.names import pinyin

    number = fields.pop("id_number", None) or id_number(birth, male, village[:6])
    parsed = identity.parse(number)
    household = Household(village_code=village)
    db.add(household)
    db.flush()
    full, initials = pinyin(name)
    elder = Elder(
        village_code=village,
        household_id=household.id,
        id_number=parsed.value,
        id_number_rev=parsed.value[::-1],
        name=name,
        name_pinyin=full,
        name_initials=initials,
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        status=status,
        **fields,
    )
    db.add(elder)
    db.flush()
    for g in guardians or []:
        g = {
            k: date.fromisoformat(v)
            if k.endswith(("_since", "_date")) and isinstance(v, str)
            else v
            for k, v in g.items()
        }
        db.add(Guardian(elder_id=elder.id, **g))
    db.flush()
    recompute(db, elder, local_today())
    db.flush()
    return elder


_phone_seq = itertools.count(10_000_000)


def make_volunteer(
    db: Session,
    region: str = VILLAGE,
    *,
    user=None,
    max_pairings: int = 5,
    active: bool = True,
    name: str = "赵秀兰",
    kind: str = "volunteer",
):
    from eldercare.volunteers.models import Volunteer

    v = Volunteer(
        name=name,
        phone=f"139{next(_phone_seq):08d}",
        kind=kind,
        region_code=region,
        max_pairings=max_pairings,
        active=active,
        user_id=user.id if user else None,
    )
    db.add(v)
    db.flush()
    return v


def make_pairing(db: Session, elder, volunteer, *, primary: bool = False):
    from datetime import date

    from eldercare.volunteers.models import Pairing

    p = Pairing(
        elder_id=elder.id,
        volunteer_id=volunteer.id,
        is_primary=primary,
        services=[],
        start_date=date(2026, 1, 1),
    )
    db.add(p)
    db.flush()
    return p


def run_jobs(name: str = "test-worker") -> int:
    """Run the queued jobs here, one claim-and-run cycle at a time, as a worker process
    would; how many ran. Tests drive the queue with this rather than wait for a thread."""
    from eldercare.bulk import jobs
    from eldercare.worker import Worker

    return Worker([jobs.take], name=name).run_until_idle()
