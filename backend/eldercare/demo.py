"""The demo deployment: both demo counties' regions and one user per role per county."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from eldercare.auth.models import IntegrationClient, User
from eldercare.auth.security import hash_password
from eldercare.config import Settings
from eldercare.regions.service import load_regions, read_region_file

REGION_DIR = Path(__file__).resolve().parents[2] / "data" / "regions"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    region: str
    display_name: str


DEMO_USERS = [
    # 湖南省永州市蓝山县 (所城镇, 南风坳村 of the 所城镇 plan)
    DemoUser("lanshan_admin", "county_admin", "431127", "蓝山县民政局管理员"),
    DemoUser("lanshan_county", "county_officer", "431127", "蓝山县民政局 刘科长"),
    DemoUser("lanshan_township", "township_officer", "431127104", "所城镇民政办 陈主任"),
    DemoUser("lanshan_village", "village_worker", "431127104230", "南风坳村 李专干"),
    DemoUser("lanshan_village2", "village_worker", "431127104204", "所城村 黄专干"),
    DemoUser("lanshan_volunteer", "volunteer", "431127104230", "南风坳村 志愿者 赵秀兰"),
    # 甘肃省庆阳市镇原县 (屯字镇, 开城村)
    DemoUser("zhenyuan_admin", "county_admin", "621027", "镇原县民政局管理员"),
    DemoUser("zhenyuan_county", "county_officer", "621027", "镇原县民政局 王科长"),
    DemoUser("zhenyuan_township", "township_officer", "621027101", "屯字镇民政办 张主任"),
    DemoUser("zhenyuan_village", "village_worker", "621027101200", "开城村 杨专干"),
    DemoUser("zhenyuan_volunteer", "volunteer", "621027101200", "开城村 志愿者 马桂英"),
]

DEMO_CLIENTS = [("lanshan-sync", "431127"), ("zhenyuan-sync", "621027")]
CLIENT_SCOPES = ["changes:read", "import", "registry:read", "registry:write"]


def demo_password(settings: Settings) -> str:
    """From ELDERCARE_DEMO_PASSWORD, else generated once and kept under var/."""
    if settings.demo_password:
        return settings.demo_password
    path = settings.var_dir / "demo-password"
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = "demo-" + secrets.token_urlsafe(9)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


DEMO_ELDERS = {"431127": 2000, "621027": 500}


def seed_register(db: Session, seed_value: int = 2026) -> dict[str, int]:
    """About 2,000 elders in 蓝山县 and 500 in 镇原县, once (a county with elders is skipped)."""
    import random

    from sqlalchemy import func

    from eldercare import synth
    from eldercare.clock import today
    from eldercare.elders.models import Elder
    from eldercare.regions.models import Region
    from eldercare.scope import Scope

    counts = {"elders": 0, "guardians": 0, "households": 0}
    for county, total in DEMO_ELDERS.items():
        if db.scalar(select(func.count()).where(Scope(county).clause(Elder.village_code))):
            continue
        villages = list(
            db.scalars(
                select(Region.code)
                .where(Region.level == "village", Scope(county).clause(Region.code))
                .order_by(Region.code)
            )
        )
        rng = random.Random(seed_value + int(county))
        # the demo accounts' villages get a good share, the rest spread over 40 villages
        chosen = sorted(
            set(rng.sample(villages, min(40, len(villages))))
            | {u.region for u in DEMO_USERS if len(u.region) == 12 and u.region.startswith(county)}
        )
        plan = synth.plan_villages(chosen, total, rng)
        people = synth.elders(plan, today(), seed=seed_value + int(county))
        for key, n in synth.write_register(db.connection(), people, today(), seed_value).items():
            counts[key] += n
    return counts


def seed(db: Session, password: str) -> dict[str, int]:
    """Idempotent: regions are upserted, existing users and clients are left as they are."""
    rows = []
    for path in sorted(REGION_DIR.glob("*.csv")):
        rows.extend(read_region_file(path))
    report = load_regions(db, rows)
    created = 0
    hashed = hash_password(password)
    for u in DEMO_USERS:
        if db.scalar(select(User.id).where(User.username == u.username)) is None:
            db.add(
                User(
                    username=u.username,
                    password_hash=hashed,
                    role=u.role,
                    region_code=u.region,
                    display_name=u.display_name,
                )
            )
            created += 1
    for client_id, region in DEMO_CLIENTS:
        exists = db.scalar(
            select(IntegrationClient.id).where(IntegrationClient.client_id == client_id)
        )
        if exists is None:
            db.add(
                IntegrationClient(
                    client_id=client_id,
                    secret_hash=hashed,
                    name=f"{client_id} (demo)",
                    scopes=CLIENT_SCOPES,
                    region_code=region,
                )
            )
            created += 1
    db.flush()
    register = seed_register(db)
    return {
        "regions_created": report.created,
        "regions_updated": report.updated,
        "accounts_created": created,
        **{f"{k}_created": v for k, v in register.items()},
    }
