"""The demo deployment: both demo counties' regions and one user per role per county."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eldercare.auth.models import IntegrationClient, User
from eldercare.auth.security import hash_password
from eldercare.config import Settings
from eldercare.paths import shipped
from eldercare.regions.service import load_regions, read_region_file

# data/regions of the checkout, or eldercare/data/regions in an installed wheel
REGION_DIR = shipped("data", "regions")


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

    from eldercare.clock import today
    from eldercare.devtools import synth
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
        for key, n in synth.write_register(db, people, today(), seed_value).items():
            counts[key] += n
    return counts


VOLUNTEER_KINDS = [
    "village_cadre",
    "party_member",
    "womens_federation",
    "volunteer",
    "village_doctor",
    "elders_association",
    "neighbour",
    "social_worker",
]
TEAMS = [
    "home_cleaning",
    "medical_care",
    "psychological_comfort",
    "culture_recreation",
    "technology",
]
VISIT_SERVICES = [
    "companionship",
    "blood_pressure_glucose",
    "cleaning",
    "medicine_delivery",
    "shopping",
    "laundry",
    "cooking_meals",
    "haircut",
]
FINDINGS = [
    "身体状况良好",
    "血压偏高，已提醒按时服药",
    "行动不便，需要助行器",
    "精神状态较好",
    "独自在家，情绪低落",
    "屋内整洁，生活能自理",
    "厨房燃气管老化，已提醒更换",
]


def seed_helpers_and_visits(db: Session, seed_value: int = 2026) -> dict[str, int]:
    """Helpers in every village with elders, a primary helper for most elders, and about six
    months of visits (more for high-risk elders; some elders left overdue). Once per county."""
    import random
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func

    import eldercare.models  # noqa: F401 (every table in the metadata)
    from eldercare.bulkload import bulk_write
    from eldercare.db import Base, new_id
    from eldercare.devtools import synth
    from eldercare.elders.models import Elder
    from eldercare.scope import Scope
    from eldercare.volunteers.models import Volunteer

    counts = {"volunteers": 0, "pairings": 0, "visits": 0}
    tables = Base.metadata.tables
    now = datetime.now(UTC)
    for county in DEMO_ELDERS:
        if db.scalar(select(func.count()).where(Scope(county).clause(Volunteer.region_code))):
            continue
        rng = random.Random(seed_value + int(county) + 1)
        elders = db.execute(
            select(Elder.id, Elder.village_code, Elder.risk_level)
            .where(Scope(county).clause(Elder.village_code))
            .order_by(Elder.id)
        ).all()
        by_village: dict[str, list[Any]] = {}
        for row in elders:
            by_village.setdefault(row.village_code, []).append(row)
        logins = {u.region: u.username for u in DEMO_USERS if u.role == "volunteer"}
        volunteers: list[tuple[Any, ...]] = []
        pairings: list[tuple[Any, ...]] = []
        visits: list[tuple[Any, ...]] = []
        for village, members in sorted(by_village.items()):
            helpers = []
            for i in range(max(2, len(members) // 12)):
                user_id = None
                if i == 0 and village in logins:
                    user_id = db.scalar(select(User.id).where(User.username == logins[village]))
                vid = new_id()
                name = synth.weighted(rng, synth.SURNAMES) + rng.choice(
                    synth.FEMALE_GIVEN + synth.CHILD_MALE
                )
                volunteers.append(
                    (
                        vid,
                        name,
                        f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                        rng.choice(VOLUNTEER_KINDS),
                        rng.choice(TEAMS),
                        village,
                        15,
                        True,
                        user_id,
                        "",
                        now,
                        now,
                        1,
                    )
                )
                helpers.append(vid)
            for n, elder in enumerate(members):
                if rng.random() < 0.05:
                    continue  # no primary helper yet: shows up in data quality
                helper = helpers[n % len(helpers)]
                pairings.append(
                    (
                        new_id(),
                        elder.id,
                        helper,
                        True,
                        rng.sample(VISIT_SERVICES, 2),
                        (now - timedelta(days=rng.randint(200, 900))).date(),
                        None,
                        "",
                        now,
                        now,
                        1,
                    )
                )
                every = {"high": 7, "key": 30}.get(elder.risk_level, 90)
                day = rng.randint(0, every) + (
                    rng.choice([0, 0, 0, 0, 25, 60]) if rng.random() < 0.15 else 0
                )
                while day < 180:
                    at = now - timedelta(days=day, hours=rng.randint(1, 9))
                    visits.append(
                        (
                            new_id(),
                            elder.id,
                            village,
                            helper,
                            None,
                            helper,
                            at,
                            rng.choice(["home_visit", "home_visit", "phone", "video"]),
                            {"health": rng.choice(FINDINGS), "danger": "none"},
                            [],
                            [],
                            rng.sample(VISIT_SERVICES, rng.randint(0, 3)),
                            rng.random() < 0.3,
                            "",
                            "",
                            at,
                            at,
                            1,
                        )
                    )
                    day += max(1, int(every * rng.uniform(0.6, 1.3)))
        counts["volunteers"] += bulk_write(
            db.connection(),
            tables["volunteers"],
            (
                "id",
                "name",
                "phone",
                "kind",
                "team",
                "region_code",
                "max_pairings",
                "active",
                "user_id",
                "notes",
                "created_at",
                "updated_at",
                "version",
            ),
            volunteers,
        )
        counts["pairings"] += bulk_write(
            db.connection(),
            tables["pairings"],
            (
                "id",
                "elder_id",
                "volunteer_id",
                "is_primary",
                "services",
                "start_date",
                "end_date",
                "end_reason",
                "created_at",
                "updated_at",
                "version",
            ),
            pairings,
        )
        counts["visits"] += bulk_write(
            db.connection(),
            tables["visits"],
            (
                "id",
                "elder_id",
                "village_code",
                "volunteer_id",
                "user_id",
                "author_id",
                "visited_at",
                "method",
                "findings",
                "safety_risks",
                "needs",
                "services",
                "guardian_contacted",
                "follow_up",
                "notes",
                "created_at",
                "updated_at",
                "version",
            ),
            visits,
        )
    return counts


DEMO_RELIEF_POLICIES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    # 蓝山县 (Hunan): rural 低保 ¥490 then ¥520 a month; 高龄津贴 from the birthday month
    "431127": [
        (
            "2025-01-01",
            {
                "minimum_living_standard": "490",
                "deposit_limit_per_capita": "24000",
                "single_person_share": "0.6",
                "extreme_poverty_basic": "640",
                "extreme_poverty_care": {"moderate": "100", "severe": "300", "lost": "500"},
                "disposable_income_prev_year": "18600",
                "old_age_tiers": [
                    {"min_age": 80, "monthly_amount": "50"},
                    {"min_age": 90, "monthly_amount": "100"},
                    {"min_age": 100, "monthly_amount": "300"},
                ],
                "disability_living_amount": "80",
                "disability_care_amounts": {"1": "90", "2": "70"},
                "temporary_multiple": "3",
                "housing_amounts": {"C": "15000", "D": "35000", "none": "35000"},
                "elderly_care_age_amount": "50",
                "elderly_care_amounts": {"severe": "150", "lost": "200"},
            },
        ),
        ("2026-01-01", {"minimum_living_standard": "520", "extreme_poverty_basic": "680",
                        "disposable_income_prev_year": "19800"}),
    ],
}  # fmt: skip


# Share of elders screened in for a program who receive it (the rest are the gap list).
DEMO_TAKE_UP = {
    "minimum_living_allowance": 0.95,
    "extreme_poverty_support": 0.97,
    "old_age_allowance": 0.95,
    "disability_living_subsidy": 0.9,
    "disability_care_subsidy": 0.9,
    "medical_assistance": 0.93,
    "temporary_assistance": 0.5,
    "housing_renovation": 0.6,
    "elderly_care_subsidy": 0.85,
}


def _demo_facts(
    rng: Any, codes: str, grade: int | None, age: int, size: int | None, children: int = 0
) -> Any:
    """One household survey's relief facts: most households are clearly above the standard,
    those on the rolls (and a few who are not: future gaps) below it."""
    from decimal import Decimal

    on_rolls = ",low_income," in f",{codes}," or ",extreme_poverty," in f",{codes},"
    n = size or rng.choice([1, 1, 2, 2, 3])
    roll = rng.random()
    if on_rolls or roll < 0.03:
        monthly = Decimal(rng.randint(150, 420))  # below the standard
    elif roll < 0.07:
        monthly = Decimal(rng.randint(560, 770))  # near-dibao band
    else:
        monthly = Decimal(rng.randint(900, 3200))
    poor = monthly < 500
    tekun = ",extreme_poverty," in f",{codes},"
    return {
        "household_size": n,
        "income": {"wages": str(monthly * n), "basic_pension": str(Decimal(143) * min(n, 2))},
        "support_declared": str(rng.choice([0, 0, 50] if poor else [0, 100, 200, 400])),
        "deposits_per_capita": str(rng.choice([0, 2000, 5000] if poor else [0, 8000, 30000])),
        "owns_vehicle": False if poor else rng.random() < 0.15,
        "houses": 1,
        "ability_level": rng.choices(
            ["intact", "mild", "moderate", "severe", "lost"], [75, 10, 8, 5, 2]
        )[0],
        "housing_grade": rng.choices(["A", "B", "C", "D"], [45, 51, 3, 1])[0],
        "major_illness": rng.random() < 0.03,
        "medical_costs_12m": str(rng.choice([0, 300, 800, 2000, 3000]) if rng.random() > 0.02
                                 else 26000),
        "disability_certificate": grade is not None,
        "poverty_monitoring": rng.choices(["none", "monitored", "relapsed"], [97, 2, 1])[0],
        "hardship": "none",
        # the supporters are the register's children (marked able below); a 特困 elder's
        # list is confirmed only when the register has no child
        "supporters_complete": True if not tekun or not children else None,
    }  # fmt: skip


def seed_relief(
    db: Session,
    seed_value: int = 2026,
    policies: dict[str, list[tuple[str, dict[str, Any]]]] | None = None,
) -> dict[str, int]:
    """The demo county's relief policy, relief facts for most elders (a household survey),
    and benefits from the pre-screening itself: most elders screened in receive the program,
    some do not (a modest gap list), and a few payments need checking (deceased recipients,
    a household no longer poor, two subsidies that may not be combined).

    ``policies``: other counties and their policy versions (the benchmark gives every
    county of a generated province the demo county's); a county with a policy is skipped."""
    import random
    from datetime import date, timedelta
    from decimal import Decimal

    from sqlalchemy import bindparam, func, or_, update

    from eldercare.bulkload import bulk_write
    from eldercare.clock import today
    from eldercare.db import new_id, utcnow
    from eldercare.elders import rules as register_rules
    from eldercare.elders import service as register
    from eldercare.elders.models import Elder, Guardian, Household
    from eldercare.relief import rules
    from eldercare.relief import service as relief
    from eldercare.relief.models import Benefit, ReliefFacts, ReliefPolicyVersion, ReliefScreening
    from eldercare.relief.rules import anniversary
    from eldercare.scope import Scope

    counts = {"relief_facts": 0, "benefits": 0}
    on = today()
    for county, versions in (policies or DEMO_RELIEF_POLICIES).items():
        if db.scalar(
            select(ReliefPolicyVersion.id).where(ReliefPolicyVersion.county_code == county)
        ):
            continue
        settings: dict[str, Any] = {}
        for effective, changes in versions:
            settings = {**settings, **changes}
            db.add(
                ReliefPolicyVersion(
                    county_code=county,
                    effective_date=date.fromisoformat(effective),
                    settings=settings,
                    note="demo",
                )
            )
        rng = random.Random(seed_value + int(county))
        rows = db.execute(
            select(
                Elder.id,
                Elder.birth_date,
                Elder.status,
                Elder.category_codes,
                Elder.disability_grade,
                Household.size,
            )
            .outerjoin(Household, Household.id == Elder.household_id)
            .where(Scope(county).clause(Elder.village_code), Elder.merged_into_id.is_(None))
            .order_by(Elder.id)
        ).all()
        duty = sorted(rules.SUPPORTER_RELATIONS)
        children = dict(
            db.execute(
                select(Guardian.elder_id, func.count())
                .join(Elder, Elder.id == Guardian.elder_id)
                .where(Scope(county).clause(Elder.village_code), Guardian.relation.in_(duty))
                .group_by(Guardian.elder_id)
            ).all()
        )
        facts = []
        able: list[dict[str, Any]] = []
        for elder_id, birth, status, codes, grade, size in rows:
            if status in ("deceased", "moved_out") or rng.random() >= 0.92:
                continue  # the survey reached 92% of the elders still living here
            age = (on - birth).days // 365
            n_children = children.get(elder_id, 0)
            data = _demo_facts(rng, codes or "", grade, age, size, n_children)
            facts.append((elder_id, date(2025, 3, 1), 1, data, "2025年入户核查 (demo)"))
            if n_children and ",extreme_poverty," not in f",{codes},":
                able.append({"e": elder_id, "y": birth.year + rng.randint(22, 34)})
        if able:  # the survey also recorded the children's situation on the guardians
            g = Guardian.__table__
            db.connection().execute(
                update(g)  # type: ignore[arg-type]
                .where(g.c.elder_id == bindparam("e"), or_(*(g.c.relation == r for r in duty)))
                .values(support_situation="able", birth_year=bindparam("y")),
                able,
            )
        counts["relief_facts"] += len(facts)
        cols = ("id", "elder_id", "effective_date", "revision", "data", "source", "created_at")
        now = utcnow()
        bulk_write(
            db.connection(),
            ReliefFacts.__table__,  # type: ignore[arg-type]
            cols,
            [(new_id(), *f, now) for f in facts],
        )
        relief.refresh_region(db, county)
        screened = {
            r.elder_id: r
            for r in db.execute(
                select(
                    ReliefScreening.elder_id,
                    ReliefScreening.eligible_mask,
                    ReliefScreening.likely_mask,
                    ReliefScreening.detail,
                ).where(ReliefScreening.county_code == county)
            )
        }
        benefits: list[tuple[Any, ...]] = []

        def benefit(
            elder_id: str,
            program: str,
            amount: Any,
            start: date,
            benefits: list[tuple[Any, ...]] = benefits,
            rng: random.Random = rng,
        ) -> None:
            monthly = None if amount is None else Decimal(str(amount))
            reference = f"LS{rng.randint(100000, 999999)}"
            benefits.append(
                (new_id(), elder_id, program, start, monthly, "civil_affairs_roster", reference)
            )

        doubles = 0
        for elder_id, birth, status, _codes, _grade, _size in rows:
            start = on - timedelta(days=rng.randint(60, 1500))
            start = max(start, birth + timedelta(days=1))
            alive = status not in ("deceased", "moved_out")
            if not alive:
                # the register knows of the death or the move; the roster may not yet
                if anniversary(birth, 80) <= on and rng.random() < 0.15:
                    benefit(elder_id, "old_age_allowance", "50", max(start, anniversary(birth, 80)))
                elif rng.random() < 0.03:
                    benefit(elder_id, "minimum_living_allowance", "260", start)
                continue
            row = screened.get(elder_id)
            if row is None:
                continue
            entitled = row.eligible_mask | row.likely_mask
            got: set[str] = set()
            for program in rules.PROGRAMS:
                if not entitled & rules.BIT[program] or rng.random() >= DEMO_TAKE_UP[program]:
                    continue
                if rules.EXCLUSIVE.get(program, frozenset()) & got:
                    if doubles >= 3:
                        continue  # one of the two is enough ...
                    doubles += 1  # ... but a few receive both: payments to check
                amount = row.detail.get(program, [None, None])[1]
                if program in ("housing_renovation", "temporary_assistance"):
                    amount = None  # one-off payments: no monthly amount
                begin = start
                if program == "old_age_allowance":
                    begin = max(start, anniversary(birth, 80))
                benefit(elder_id, program, amount, begin)
                got.add(program)
            if not entitled & rules.BIT["minimum_living_allowance"] and rng.random() < 0.001:
                benefit(elder_id, "minimum_living_allowance", "150", start)  # no longer poor
        b_cols = ("id", "elder_id", "program", "start_date", "monthly_amount", "source",
                  "reference", "notes", "created_at", "updated_at", "version")  # fmt: skip
        bulk_write(
            db.connection(),
            Benefit.__table__,  # type: ignore[arg-type]
            b_cols,
            [(*b, "", now, now, 1) for b in benefits],
        )
        counts["benefits"] += len(benefits)
        # 特困 and 低保 benefits are categories of the register: derive those elders again
        poor = sorted({b[1] for b in benefits if b[2] in register_rules.BENEFIT_CATEGORIES})
        for start_at in range(0, len(poor), 500):
            for elder in db.scalars(
                select(Elder).where(Elder.id.in_(poor[start_at : start_at + 500]))
            ):
                register.recompute(db, elder, on)
            db.flush()
        relief.refresh_region(db, county)
    return counts


# (county, type, severity, description, steps): each step is (status, account, hours ago, note)
DEMO_INCIDENTS: list[tuple[str, str, str, str, list[tuple[str, str, float, str]]]] = [
    (
        "431127",
        "critical_illness",
        "critical",
        "老人夜间突发胸闷气短，独自在家，邻居发现后报告",
        [("reported", "lanshan_village", 5, "")],  # not acknowledged in 2 hours: overdue
    ),
    (
        "431127",
        "accident",
        "medium",
        "老人在院中摔倒，手腕肿痛，已由邻居送至村卫生室",
        [("reported", "lanshan_village", 1, "")],
    ),
    (
        "431127",
        "major_hardship",
        "high",
        "房屋漏雨严重，冬季取暖困难",
        [
            ("reported", "lanshan_village", 20, ""),
            ("acknowledged", "lanshan_township", 18, "已联系村委核实情况"),
        ],
    ),
    (
        "431127",
        "severe_mental_illness",
        "high",
        "老人情绪激动，拒绝进食，疑似精神状况恶化",
        [
            ("reported", "lanshan_village2", 30, ""),
            ("acknowledged", "lanshan_township", 29, ""),
            ("in_progress", "lanshan_township", 26, "已联系县精神卫生中心，安排上门评估"),
        ],
    ),
    (
        "431127",
        "abuse",
        "critical",
        "走访发现老人身上有伤痕，疑似遭受家庭成员虐待",
        [
            ("reported", "lanshan_village", 1.5, ""),
            ("escalated", "lanshan_township", 1, "涉及违法侵害，需县民政局会同公安处置"),
        ],
    ),
    (
        "431127",
        "wandering_begging",
        "high",
        "老人多次外出流浪乞讨，子女联系不上",
        [
            ("reported", "lanshan_village2", 60, ""),
            ("acknowledged", "lanshan_township", 58, ""),
            ("escalated", "lanshan_township", 40, "子女在省外，需跨省协调"),
            ("in_progress", "lanshan_county", 38, "已联系子女务工地民政部门"),
        ],
    ),
    (
        "431127",
        "critical_illness",
        "high",
        "老人突发中风，送县医院治疗",
        [
            ("reported", "lanshan_village", 120, ""),
            ("acknowledged", "lanshan_township", 118, ""),
            ("in_progress", "lanshan_township", 117, "协调医疗救助"),
            ("resolved", "lanshan_township", 80, "已出院，子女返乡照料，纳入每周探访"),
        ],
    ),
    (
        "621027",
        "major_hardship",
        "medium",
        "老人家中断粮，子女外出务工未寄生活费",
        [
            ("reported", "zhenyuan_village", 8, ""),
            ("acknowledged", "zhenyuan_township", 6, "已送去米面油，联系子女"),
        ],
    ),
]


# hours from the event to the report: the hardships went unreported for three days (late)
DEMO_REPORT_DELAY_HOURS = {"major_hardship": 72.0}


def seed_incidents(db: Session) -> int:
    """A few incidents in every state (one overdue) per demo county, once per county."""
    from datetime import timedelta

    from sqlalchemy import func

    from eldercare import clock
    from eldercare.elders.models import Elder
    from eldercare.incidents import rules
    from eldercare.incidents.models import Incident, IncidentTransition
    from eldercare.incidents.service import policy_for
    from eldercare.scope import Scope

    now = clock.now()
    created = 0
    done: set[str] = set()
    used: dict[str, int] = {}  # elders taken per village: one incident each
    for county, kind, severity, description, steps in DEMO_INCIDENTS:
        if county not in done and db.scalar(
            select(func.count()).where(Incident.county_code == county)
        ):
            continue
        first = next(u for u in DEMO_USERS if u.username == steps[0][1])
        elder = db.scalars(
            select(Elder)
            .where(Scope(first.region).clause(Elder.village_code), Elder.status == "active")
            .order_by(Elder.risk_rank, Elder.id)
            .offset(used.get(first.region, 0))
            .limit(1)
        ).first()
        if elder is None:
            continue
        used[first.region] = used.get(first.region, 0) + 1
        accounts = {
            u.username: (u, db.scalar(select(User.id).where(User.username == u.username)))
            for u in DEMO_USERS
        }
        reported_at = now - timedelta(hours=steps[0][2])
        incident = Incident(
            elder_id=elder.id,
            village_code=elder.village_code,
            type=kind,
            severity=severity,
            description=description,
            reporter_id=accounts[first.username][1] or first.username,
            reporter_name=first.display_name,
            occurred_at=reported_at - timedelta(hours=DEMO_REPORT_DELAY_HOURS.get(kind, 1.0)),
            reported_at=reported_at,
            created_at=reported_at,
            updated_at=now,
        )
        db.add(incident)
        db.flush()
        policy = policy_for(db, county)[0]
        incident.reported_late = rules.reported_late(
            incident.occurred_at, reported_at, policy.report_limit_hours
        )
        status: str | None = None
        level, due, escalated_at = "township", None, None
        for to, username, hours_ago, note in steps:
            at = now - timedelta(hours=hours_ago)
            user, user_id = accounts[username]
            db.add(
                IncidentTransition(
                    incident_id=incident.id,
                    from_status=status,
                    to_status=to,
                    note=note,
                    actor_id=user_id or username,
                    actor_name=user.display_name,
                    actor_role=user.role,
                    at=at,
                    deadline_at=due,
                    late=(at > due) if due is not None else None,
                )
            )
            status = to
            if to == "acknowledged":
                incident.acknowledged_at = at
            elif to == "escalated":
                escalated_at, level = at, "county"
            elif to == "resolved":
                incident.resolved_at = at
            deadlines = rules.deadlines(policy, severity, reported_at, escalated_at)
            _, due = rules.due(deadlines, to, incident.acknowledged_at is not None)
        incident.status = status or "reported"
        incident.level, incident.escalated_at = level, escalated_at
        deadlines = rules.deadlines(policy, severity, reported_at, escalated_at)
        incident.acknowledge_due_at, incident.resolve_due_at = (
            deadlines.acknowledge,
            deadlines.resolve,
        )
        incident.county_due_at = deadlines.county
        incident.due_step, incident.due_at = rules.due(
            deadlines, incident.status, incident.acknowledged_at is not None
        )
        done.add(county)
        created += 1
    db.flush()
    return created


# What the demo village workers found on their visits (days ago, hazards, needs, "needs
# follow-up", the children reached): opens follow-ups through the visit path, some of them
# past their deadline, and writes the children's contact log.
DEMO_CARE_VISITS: list[tuple[int, list[str], list[str], str, bool]] = [
    (40, ["fire_gas"], [], "", True),
    (35, ["housing"], ["home_modification"], "", False),
    (21, ["fall_risk"], ["assistive_device"], "", True),
    (12, ["electrical"], [], "", False),
    (9, [], ["medical"], "腿脚不便，需协调家庭医生上门", True),
    (6, [], ["relief"], "", True),
    (3, ["water"], ["daily_care"], "", False),
    (1, [], ["emotional_support"], "独居，情绪低落，需多陪伴", True),
]


def _demo_ctx(user: Any) -> Any:
    """A request context acting as a demo account, named as its requests would be."""
    from eldercare.context import Principal, RequestCtx
    from eldercare.db import utcnow
    from eldercare.roles import Role

    principal = Principal(
        "user", user.id, user.username, Role(user.role), user.region_code,
        frozenset(), "demo", utcnow(), display_name=user.display_name or user.username,
    )  # fmt: skip
    return RequestCtx(None, None, "zh-CN").with_principal(principal)


def seed_care(db: Session) -> dict[str, int]:
    """The care loop in every demo village worker's village, once per county: visits that
    found hazards and needs (follow-ups, some overdue), the children contacted (their contact
    log), one item handed to the township and one solved. Through the services, as the
    village worker: history, audit and schedules as in use."""
    from datetime import timedelta

    from sqlalchemy import func

    from eldercare import clock
    from eldercare.elders.models import Elder
    from eldercare.followups import service as followups
    from eldercare.followups.models import FollowUp
    from eldercare.followups.schemas import FollowUpPatch, FollowUpTransitionIn
    from eldercare.visits import service as visits
    from eldercare.visits.schemas import VisitIn

    counts = {"care_visits": 0, "follow_ups": 0}
    now = clock.now()
    for county in DEMO_ELDERS:
        if db.scalar(select(func.count()).where(FollowUp.county_code == county)):
            continue
        for u in DEMO_USERS:
            if u.role != "village_worker" or not u.region.startswith(county):
                continue
            worker = db.scalar(select(User).where(User.username == u.username))
            if worker is None:
                continue
            ctx = _demo_ctx(worker)
            chosen = db.scalars(
                select(Elder)
                .where(Elder.village_code == u.region, Elder.status == "active")
                .order_by(Elder.risk_rank, Elder.id)
                .limit(len(DEMO_CARE_VISITS))
            ).all()
            for elder, (days, risks, needs, note, contacted) in zip(
                chosen, DEMO_CARE_VISITS, strict=False
            ):
                visits.log_visit(
                    db,
                    ctx,
                    VisitIn(
                        elder_id=elder.id,
                        visited_at=now - timedelta(days=days, hours=2),
                        method="home_visit",
                        safety_risks=risks,
                        needs=needs,
                        services=["companionship"],
                        guardian_contacted=contacted,
                        follow_up=note,
                    ),
                )
                counts["care_visits"] += 1
            items = db.scalars(
                select(FollowUp)
                .where(FollowUp.village_code == u.region)
                .order_by(FollowUp.found_at, FollowUp.id)
            ).all()
            if len(items) >= 3:  # the oldest handed to the township, the next one solved
                followups.update(
                    db, ctx, items[0].id, FollowUpPatch(owner_type="township"), items[0].version
                )
                followups.transition(
                    db,
                    ctx,
                    items[1].id,
                    FollowUpTransitionIn(to="resolved", note="已上门整改，隐患消除"),
                    None,
                )
            counts["follow_ups"] += len(items)
    db.flush()
    return counts


DUPLICATED_FROM, DUPLICATED_IN = "431127104230", "431127104204"  # 南风坳村 -> 所城村, 所城镇


def seed_duplicates(db: Session, n: int = 2) -> int:
    """``n`` elders of 南风坳村 registered a second time in 所城村 (the same township), the same
    name and birth date under a mistyped ID number: what the duplicates screen is for. Made
    through ``create_elder``, as the township officer, with history and audit."""
    from eldercare import identity
    from eldercare.elders.models import Elder
    from eldercare.elders.schemas import ElderCreate
    from eldercare.elders.service import create_elder

    officer = db.scalar(select(User).where(User.username == "lanshan_township"))
    if officer is None:
        return 0
    ctx = _demo_ctx(officer)
    originals = db.scalars(
        select(Elder)
        .where(Elder.village_code == DUPLICATED_FROM, Elder.status == "active")
        .order_by(Elder.id_number)
        .limit(n)
    ).all()
    made = 0
    for e in originals:
        sequence = int(e.id_number[14:17]) // 2
        for step in range(1, 500):  # the first free number, a digit or two away
            number = identity.make(e.id_number[:6], e.birth_date, sequence + step, e.sex == "male")
            if db.scalar(select(Elder.id).where(Elder.id_number == number)) is None:
                break
        data = ElderCreate(
            id_number=number,
            name=e.name,
            village_code=DUPLICATED_IN,
            living_arrangement=e.living_arrangement,
            notes="重复登记（演示数据）",
        )
        create_elder(db, ctx, data)
        made += 1
    return made


def _register_stood_for_a_year(db: Session) -> None:
    """The demo's register is taken to have stood as loaded for the past year (its visits go
    back months): the elders' first periods begin then, so past months' figures and the
    monthly report count them instead of starting today."""
    from sqlalchemy import or_, update

    from eldercare.clock import today
    from eldercare.elders.models import Elder, ElderPeriod

    now = today()
    since = now.replace(year=now.year - 1, day=1)
    demo = select(Elder.id).where(
        or_(*(Elder.village_code.startswith(county) for county in DEMO_ELDERS))
    )
    db.execute(
        update(ElderPeriod)
        .where(ElderPeriod.valid_from == now, ElderPeriod.elder_id.in_(demo))
        .values(valid_from=since)
    )


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
    if register["elders"]:
        _register_stood_for_a_year(db)
    if register["elders"]:  # a first seed: two records the duplicates screen will find
        register["duplicates"] = seed_duplicates(db)
    helpers = seed_helpers_and_visits(db)
    register.update(helpers)
    register["incidents"] = seed_incidents(db)
    if helpers["visits"]:  # the bulk path wrote visits: bring every schedule up to date
        from eldercare.visits import services
        from eldercare.visits.schedule import refresh_county

        for county in DEMO_ELDERS:
            refresh_county(db, county)
            services.refresh(db, county, rescan=True)
    register.update(seed_relief(db))
    register.update(seed_care(db))
    return {
        "regions_created": report.created,
        "regions_updated": report.updated,
        "accounts_created": created,
        **{f"{k}_created": v for k, v in register.items()},
    }
