"""Reproducible synthetic data for the demo and the benchmarks (see docs: domain §8).

Villages are clan-based (1-3 dominant surnames cover 30-70% of residents), village sizes
are lognormal (median about 120 elders), ages follow a declining curve from 60 with about
13.6% aged 80+, women outnumber men in old age, ID numbers are valid for the county code
with the sex digit right, phones include 17x and 19x, and a chosen share of rows is dirty
the way real spreadsheets are (lowercase x, full-width digits, 15-digit numbers, bad
checksums, missing phones).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Connection

from eldercare import identity

# Faker zh_CN surname weights (per cent), the top of the list; the rest share the tail.
SURNAMES: list[tuple[str, float]] = [
    ("王", 7.17),
    ("李", 7.00),
    ("张", 6.74),
    ("刘", 5.10),
    ("陈", 4.61),
    ("杨", 3.22),
    ("黄", 2.45),
    ("吴", 2.00),
    ("赵", 2.00),
    ("周", 1.90),
    ("徐", 1.45),
    ("孙", 1.38),
    ("马", 1.29),
    ("朱", 1.28),
    ("胡", 1.16),
    ("林", 1.13),
    ("郭", 1.13),
    ("何", 1.06),
    ("高", 1.00),
    ("罗", 0.95),
    ("郑", 0.93),
    ("梁", 0.85),
    ("谢", 0.76),
    ("宋", 0.70),
    ("唐", 0.69),
    ("许", 0.66),
    ("邓", 0.62),
    ("冯", 0.62),
    ("韩", 0.61),
    ("曹", 0.59),
    ("曾", 0.58),
    ("彭", 0.58),
    ("肖", 0.56),
    ("蔡", 0.53),
    ("潘", 0.52),
    ("田", 0.52),
    ("董", 0.51),
    ("袁", 0.50),
    ("于", 0.48),
    ("余", 0.48),
    ("蒋", 0.48),
    ("叶", 0.47),
    ("杜", 0.47),
    ("苏", 0.45),
    ("魏", 0.45),
    ("程", 0.45),
    ("吕", 0.45),
    ("丁", 0.43),
    ("沈", 0.41),
    ("任", 0.41),
    ("姚", 0.40),
    ("卢", 0.40),
    ("傅", 0.40),
    ("钟", 0.40),
    ("姜", 0.39),
    ("崔", 0.38),
    ("谭", 0.38),
    ("廖", 0.37),
    ("范", 0.36),
    ("汪", 0.36),
]
FEMALE_GIVEN = [
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "桂兰",
    "凤英",
    "秀珍",
    "淑珍",
    "秀云",
    "玉珍",
    "翠兰",
    "桂芳",
    "秀芳",
    "玉英",
    "兰英",
    "淑英",
    "凤兰",
    "金花",
    "秀梅",
    "冬梅",
    "美英",
    "翠英",
    "春花",
    "菊英",
    "淑兰",
    "玉梅",
    "桂珍",
    "素珍",
    "月英",
    "彩云",
]
MALE_GIVEN = [
    "建国",
    "建华",
    "建军",
    "国庆",
    "志强",
    "德明",
    "福贵",
    "春生",
    "国华",
    "建平",
    "德福",
    "永福",
    "明亮",
    "长生",
    "金山",
    "国强",
    "志明",
    "文华",
    "玉林",
    "友才",
    "新民",
    "海清",
    "树林",
    "宝山",
    "正清",
    "光明",
    "守信",
    "德胜",
    "福林",
    "振华",
]
LIVING = [
    ("alone", 0.22),
    ("with_spouse", 0.40),
    ("with_grandchildren", 0.18),
    ("with_children", 0.12),
    ("with_others", 0.08),
]
SELF_CARE = [("independent", 0.78), ("partly_dependent", 0.15), ("dependent", 0.07)]
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "193",
    "195",
    "198",
    "199",
]
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


_CUMULATIVE: dict[int, tuple[list[str], list[float]]] = {}


def weighted(rng: random.Random, pairs: list[tuple[str, float]]) -> str:
    cached = _CUMULATIVE.get(id(pairs))
    if cached is None:
        total, cum = 0.0, []
        for _, w in pairs:
            total += w
            cum.append(total)
        cached = _CUMULATIVE[id(pairs)] = ([p for p, _ in pairs], cum)
    return rng.choices(cached[0], cum_weights=cached[1])[0]


@dataclass(frozen=True)
class SynthRegion:
    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass
class SynthVillage:
    code: str
    county_code: str
    size: int
    surnames: list[str] = field(default_factory=list)
    dominance: float = 0.5


def synthetic_province(counties: int, seed: int = 7) -> list[SynthRegion]:
    """A made-up province 98 (演示省) of ``counties`` counties, 15 townships of 13 villages each."""
    rng = random.Random(seed)
    regions = [SynthRegion("980000", "演示省", "province", None)]
    for c in range(counties):
        pref = f"98{c // 20 + 1:02d}00"
        if c % 20 == 0:
            regions.append(SynthRegion(pref, f"演示市{c // 20 + 1}", "prefecture", "980000"))
        county = f"{pref[:4]}{c % 20 + 21:02d}"
        regions.append(SynthRegion(county, f"演示{c + 1}县", "county", pref))
        for t in range(15):
            township = f"{county}{100 + t:03d}"
            regions.append(
                SynthRegion(township, f"{rng.choice(SURNAMES)[0]}家{t + 1}镇", "township", county)
            )
            for v in range(13):
                regions.append(
                    SynthRegion(
                        f"{township}{200 + v:03d}",
                        f"{rng.choice(SURNAMES)[0]}家{v + 1}村委会",
                        "village",
                        township,
                    )
                )
    return regions


def plan_villages(village_codes: list[str], total: int, rng: random.Random) -> list[SynthVillage]:
    """Lognormal village sizes (median ~120, 30-600) scaled so they add up to ``total``."""
    raw = [min(600, max(30, rng.lognormvariate(math.log(120), 0.6))) for _ in village_codes]
    scale = total / sum(raw)
    sizes = [max(1, round(r * scale)) for r in raw]
    sizes[-1] += total - sum(sizes)
    villages = []
    for code, size in zip(village_codes, sizes, strict=True):
        k = rng.choice([1, 2, 2, 3])
        surnames = list(dict.fromkeys(weighted(rng, SURNAMES) for _ in range(k)))
        villages.append(SynthVillage(code, code[:6], max(size, 0), surnames, rng.uniform(0.3, 0.7)))
    return villages


def sample_age(rng: random.Random) -> int:
    """60+ ages with a declining curve: about 13.6% are 80 or older."""
    while True:
        age = 60 + int(rng.expovariate(1 / 10.3))
        if age <= 104:
            return age


def birth_date_for(age: int, today: date, rng: random.Random) -> date:
    """A birth date at which one is exactly ``age`` full years old today."""
    try:
        latest = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year - age, day=28)
    birth = latest - timedelta(days=rng.randint(0, 364))
    return birth if identity.age_on(birth, today) == age else latest


def phone(rng: random.Random) -> str | None:
    r = rng.random()
    if r < 0.15:
        return None  # no phone: common among rural elders
    if r < 0.22:
        return f"0746-{rng.randint(2000000, 8999999)}"
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}"


@dataclass
class SynthElder:
    id_number: str
    name: str
    sex: str
    birth_date: date
    phone: str | None
    village_code: str
    address: str
    living_arrangement: str
    self_care: str
    children_away: int
    dirty: str | None = None


def elders(
    villages: list[SynthVillage], today: date, seed: int = 42, dirty_share: float = 0.0
) -> Iterator[SynthElder]:
    """Stream elders village by village; ID numbers are unique across the whole run."""
    rng = random.Random(seed)
    used: set[str] = set()
    for village in villages:
        groups = rng.randint(3, 12)
        for _ in range(village.size):
            age = sample_age(rng)
            female = rng.random() < (0.52 if age < 80 else 0.60)
            birth = birth_date_for(age, today, rng)
            while True:
                number = identity.make(village.county_code, birth, rng.randint(0, 499), not female)
                if number not in used:
                    used.add(number)
                    break
            if rng.random() < village.dominance:
                surname = rng.choice(village.surnames)
            else:
                surname = weighted(rng, SURNAMES)
            given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
            living = weighted(rng, LIVING)
            self_care = (
                weighted(rng, SELF_CARE)
                if age < 80
                else rng.choices(
                    ["independent", "partly_dependent", "dependent"], [0.6, 0.25, 0.15]
                )[0]
            )
            elder = SynthElder(
                id_number=number,
                name=surname + given,
                sex="female" if female else "male",
                birth_date=birth,
                phone=phone(rng),
                village_code=village.code,
                address=f"{rng.randint(1, groups)}组{rng.randint(1, 80)}号",
                living_arrangement=living,
                self_care=self_care,
                children_away=rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4]),
            )
            if dirty_share and rng.random() < dirty_share:
                make_dirty(elder, rng)
            yield elder


def make_dirty(elder: SynthElder, rng: random.Random) -> None:
    kind = rng.choice(["lower_x", "full_width", "fifteen", "checksum", "no_phone", "spaces"])
    n = elder.id_number
    if kind == "lower_x":
        elder.id_number = n[:17] + ("x" if n[17] == "X" else n[17])
    elif kind == "full_width":
        elder.id_number = n.translate(FULL_WIDTH)
    elif kind == "fifteen" and n[6:8] == "19":
        elder.id_number = n[:6] + n[8:17]
    elif kind == "checksum":
        elder.id_number = n[:17] + ("0" if n[17] != "0" else "1")
    elif kind == "spaces":
        elder.id_number = f"{n[:6]} {n[6:14]} {n[14:]}"
    else:
        elder.phone = None
        kind = "no_phone"
    elder.dirty = kind


# ----------------------------------------------------------------------------- register rows

CHILD_MALE = [
    "伟",
    "强",
    "军",
    "勇",
    "涛",
    "斌",
    "明",
    "磊",
    "海",
    "杰",
    "志刚",
    "建平",
    "小军",
    "国华",
    "红兵",
    "春林",
    "卫东",
    "文斌",
    "永红",
    "晓明",
]
CHILD_FEMALE = [
    "丽",
    "芳",
    "娟",
    "敏",
    "燕",
    "红",
    "霞",
    "玲",
    "静",
    "秀华",
    "小燕",
    "春梅",
    "海燕",
    "丽华",
    "晓红",
    "美玲",
    "雪梅",
    "桂芳",
    "艳",
    "萍",
]
WORKPLACES: list[tuple[str, str | None, str]] = [
    ("广东省深圳市", "440300", "outside_province"),
    ("广东省东莞市", "441900", "outside_province"),
    ("广东省广州市", "440100", "outside_province"),
    ("浙江省宁波市", "330200", "outside_province"),
    ("浙江省义乌市", "330782", "outside_province"),
    ("福建省厦门市", "350200", "outside_province"),
    ("上海市", "310100", "outside_province"),
    ("江苏省苏州市", "320500", "outside_province"),
    ("湖南省长沙市", "430100", "outside_county"),
    ("湖南省永州市冷水滩区", "431103", "outside_county"),
    ("本县县城", None, "in_county"),
    ("本乡镇", None, "in_township"),
    ("本村", None, "local"),
]
CONDITIONS = [
    ("hypertension", 0.38),
    ("arthritis", 0.2),
    ("diabetes", 0.1),
    ("heart_disease", 0.07),
    ("copd", 0.05),
    ("stroke", 0.03),
    ("dementia", 0.03),
    ("vision_hearing_loss", 0.08),
    ("cancer", 0.01),
]
MANUAL = [
    ("low_income", 0.07, "纳入农村低保"),
    ("extreme_poverty", 0.012, "分散供养特困人员"),
    ("registered_poor", 0.03, "脱贫监测户"),
    ("family_planning_special", 0.006, "计划生育特殊家庭"),
]

HOUSEHOLD_COLUMNS = (
    "id",
    "village_code",
    "address",
    "size",
    "annual_income_per_capita",
    "notes",
    "created_at",
    "updated_at",
    "version",
)
ELDER_COLUMNS = (
    "id",
    "household_id",
    "village_code",
    "id_number",
    "id_number_original",
    "id_number_rev",
    "name",
    "name_pinyin",
    "name_initials",
    "sex",
    "birth_date",
    "ethnicity",
    "marital_status",
    "phone",
    "address",
    "hukou_address",
    "living_arrangement",
    "self_care",
    "health_conditions",
    "disability_grade",
    "disability_type",
    "income_sources",
    "family_doctor_signed",
    "care_situation",
    "notes",
    "manual_categories",
    "categories",
    "category_codes",
    "is_left_behind",
    "left_behind_reason",
    "risk_level",
    "risk_rank",
    "risk_reasons",
    "derived_until",
    "status",
    "status_reason",
    "created_at",
    "updated_at",
    "version",
)
GUARDIAN_COLUMNS = (
    "id",
    "elder_id",
    "name",
    "relation",
    "phone",
    "alive",
    "work_location",
    "work_region_code",
    "away_scope",
    "away_since",
    "can_support",
    "last_contact_date",
    "is_entrusted_caretaker",
    "notes",
    "created_at",
    "updated_at",
    "version",
)


@dataclass
class RegisterRows:
    households: list[tuple[object, ...]] = field(default_factory=list)
    elders: list[tuple[object, ...]] = field(default_factory=list)
    guardians: list[tuple[object, ...]] = field(default_factory=list)


def register_rows(
    people: Iterator[SynthElder], today: date, seed: int = 11, chunk: int = 20_000
) -> Iterator[RegisterRows]:
    """Households, elders (with derived facts) and guardians, ``chunk`` elders at a time."""
    from datetime import UTC, datetime

    from eldercare.db import new_id
    from eldercare.elders import rules
    from eldercare.names import pinyin

    rng = random.Random(seed)
    settings = rules.RegisterSettings()
    now = datetime.now(UTC)
    names: dict[str, tuple[str, str]] = {}
    out = RegisterRows()
    spouse_household: dict[
        str, tuple[str, str]
    ] = {}  # village -> (household id, sex) waiting for a spouse
    for person in people:
        household_id = None
        if person.living_arrangement == "with_spouse":
            waiting = spouse_household.get(person.village_code)
            if waiting and waiting[1] != person.sex:
                household_id = waiting[0]
                del spouse_household[person.village_code]
        if household_id is None:
            household_id = new_id()
            size = {"alone": 1, "with_spouse": 2, "with_grandchildren": rng.randint(2, 4)}.get(
                person.living_arrangement, rng.randint(2, 5)
            )
            income = round(rng.lognormvariate(math.log(6000), 0.6), -1)
            out.households.append(
                (household_id, person.village_code, person.address, size, income, "", now, now, 1)
            )
            if person.living_arrangement == "with_spouse":
                spouse_household[person.village_code] = (household_id, person.sex)
        elder_id = new_id()
        guardians = []
        surname = person.name[0]
        for i in range(person.children_away + rng.choice([0, 0, 1])):
            son = rng.random() < 0.55
            place, region, scope = (
                rng.choice(WORKPLACES) if i < person.children_away else WORKPLACES[-1]
            )
            away_since = (
                date(rng.randint(2005, today.year - 1), rng.randint(1, 12), 1)
                if scope != "local"
                else None
            )
            last_contact = today.replace(day=1) if rng.random() < 0.7 else None
            guardians.append(
                rules.GuardianFacts(
                    "son" if son else "daughter", True, away_since, scope, region, True
                )
            )
            child_name = (surname if son else weighted(rng, SURNAMES)) + rng.choice(
                CHILD_MALE if son else CHILD_FEMALE
            )
            out.guardians.append(
                (
                    new_id(),
                    elder_id,
                    child_name,
                    "son" if son else "daughter",
                    phone(rng) or None,
                    True,
                    place if scope != "local" else "",
                    region,
                    scope,
                    away_since,
                    True,
                    last_contact,
                    False,
                    "",
                    now,
                    now,
                    1,
                )
            )
        if person.living_arrangement == "alone" and rng.random() < 0.3:
            out.guardians.append(
                (
                    new_id(),
                    elder_id,
                    weighted(rng, SURNAMES) + rng.choice(FEMALE_GIVEN),
                    "neighbour",
                    phone(rng),
                    True,
                    "本村",
                    None,
                    "local",
                    None,
                    True,
                    None,
                    True,
                    "邻里互助，委托照料",
                    now,
                    now,
                    1,
                )
            )
        conditions = [c for c, p in CONDITIONS if rng.random() < p]
        grade = rng.choice([1, 2, 3, 4]) if rng.random() < 0.05 else None
        manual = [{"code": c, "reason": why} for c, p, why in MANUAL if rng.random() < p]
        facts = rules.ElderFacts(
            person.birth_date,
            person.village_code,
            person.living_arrangement,
            person.self_care,
            grade,
            conditions,
            manual,
            guardians,
        )
        derived = rules.derive(facts, settings, today)
        codes = [c["code"] for c in derived.categories]
        if person.name not in names:
            names[person.name] = pinyin(person.name)
        full, initials = names[person.name]
        out.elders.append(
            (
                elder_id,
                household_id,
                person.village_code,
                person.id_number,
                None,
                person.id_number[::-1],
                person.name,
                full,
                initials,
                person.sex,
                person.birth_date,
                "汉族",
                "married"
                if person.living_arrangement == "with_spouse"
                else rng.choice(["widowed", "married", "widowed"]),
                person.phone,
                person.address,
                person.address,
                person.living_arrangement,
                person.self_care,
                conditions,
                grade,
                "physical" if grade else None,
                rng.sample(
                    ["pension", "children_support", "farming", "subsidies"], rng.randint(1, 3)
                ),
                rng.random() < 0.6,
                "",
                "",
                manual,
                derived.categories,
                "," + ",".join(codes) + "," if codes else "",
                derived.is_left_behind,
                derived.left_behind_reason.as_dict(),
                derived.risk_level,
                rules.RISK_RANK[derived.risk_level],
                [r.as_dict() for r in derived.risk_reasons],
                derived.valid_until,
                "active",
                "",
                now,
                now,
                1,
            )
        )
        if len(out.elders) >= chunk:
            yield out
            out = RegisterRows()
    if out.elders or out.households:
        yield out


def write_register(
    conn: Connection, people: Iterator[SynthElder], today: date, seed: int = 11
) -> dict[str, int]:
    """Stream synthetic elders into the register tables (COPY on PostgreSQL)."""
    import eldercare.models  # noqa: F401 (every table in the metadata)
    from eldercare.bulkload import bulk_write
    from eldercare.db import Base

    tables = Base.metadata.tables
    counts = {"households": 0, "elders": 0, "guardians": 0}
    for rows in register_rows(people, today, seed):
        counts["households"] += bulk_write(
            conn, tables["households"], HOUSEHOLD_COLUMNS, rows.households
        )
        counts["elders"] += bulk_write(conn, tables["elders"], ELDER_COLUMNS, rows.elders)
        counts["guardians"] += bulk_write(
            conn, tables["guardians"], GUARDIAN_COLUMNS, rows.guardians
        )
    return counts
