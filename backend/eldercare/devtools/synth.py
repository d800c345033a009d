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
from decimal import Decimal

from sqlalchemy.orm import Session

from eldercare import identity

CENT = Decimal("0.01")

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


def write_register(
    db: Session, people: Iterator[SynthElder], today: date, seed: int = 11, chunk: int = 20_000
) -> dict[str, int]:
    """Register synthetic elders: households (a couple living together shares one), elders
    and their guardians, their rows built by ``elders.rows`` as for an elder registered
    through the API or an import, and written set-based (COPY on PostgreSQL), ``chunk``
    elders at a time. The register only: no history, audit or change feed (nobody did
    anything) and no visit schedules (computed set-based once visits are in).
    """
    from eldercare import wiring
    from eldercare.elders import rows
    from eldercare.elders.schemas import ElderCreate, GuardianIn, ManualCategoryIn

    wiring.install()  # the derivation asks visits for the first schedules (see elders.hooks)

    # Generated values are valid as made: copies of blank objects, not validated again (a
    # million elders' validation would take a good share of the generator's time).
    blank_elder = ElderCreate.model_construct(id_number="", name="", village_code="")
    blank_guardian = GuardianIn.model_construct(name="", relation="son")
    blank_category = ManualCategoryIn.model_construct(code="low_income", reason="")
    rng = random.Random(seed)
    deriver = rows.Deriver(today)
    counts = {"households": 0, "elders": 0, "guardians": 0}
    batch = rows.NewElders(db, None, deriver=deriver, tables=rows.REGISTER)
    # village -> (the household, the sex of the elder in it) waiting for a spouse
    spouse_household: dict[str, tuple[rows.Joined, str]] = {}

    def flush() -> None:
        batch.write(db.connection())
        for table in counts:
            counts[table] += len(batch.rows[table])

    for person in people:
        joined = None
        size, income = None, None
        if person.living_arrangement == "with_spouse":
            waiting = spouse_household.get(person.village_code)
            if waiting and waiting[1] != person.sex:
                joined = waiting[0]
                del spouse_household[person.village_code]
        if joined is None:
            size = {"alone": 1, "with_spouse": 2, "with_grandchildren": rng.randint(2, 4)}.get(
                person.living_arrangement, rng.randint(2, 5)
            )
            income = Decimal(round(rng.lognormvariate(math.log(6000), 0.6), -1)).quantize(CENT)
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
            child_name = (surname if son else weighted(rng, SURNAMES)) + rng.choice(
                CHILD_MALE if son else CHILD_FEMALE
            )
            guardians.append(
                blank_guardian.model_copy(
                    update={
                        "name": child_name,
                        "relation": "son" if son else "daughter",
                        "phone": phone(rng) or None,
                        "alive": True,
                        "work_location": place if scope != "local" else "",
                        "work_region_code": region,
                        "away_scope": scope,
                        "away_since": away_since,
                        "can_support": True,
                        "last_contact_date": last_contact,
                        "is_entrusted_caretaker": False,
                    }
                )
            )
        if person.living_arrangement == "alone" and rng.random() < 0.3:
            guardians.append(
                blank_guardian.model_copy(
                    update={
                        "name": weighted(rng, SURNAMES) + rng.choice(FEMALE_GIVEN),
                        "relation": "neighbour",
                        "phone": phone(rng),
                        "alive": True,
                        "work_location": "本村",
                        "work_region_code": None,
                        "away_scope": "local",
                        "can_support": True,
                        "is_entrusted_caretaker": True,
                        "notes": "邻里互助，委托照料",
                    }
                )
            )
        conditions = [c for c, p in CONDITIONS if rng.random() < p]
        grade = rng.choice([1, 2, 3, 4]) if rng.random() < 0.05 else None
        manual = [
            blank_category.model_copy(update={"code": c, "reason": why})
            for c, p, why in MANUAL
            if rng.random() < p
        ]
        data = blank_elder.model_copy(
            update={
                "id_number": person.id_number,
                "name": person.name,
                "village_code": person.village_code,
                "phone": person.phone,
                "address": person.address,
                "hukou_address": person.address,
                "ethnicity": "汉族",
                "marital_status": "married"
                if person.living_arrangement == "with_spouse"
                else rng.choice(["widowed", "married", "widowed"]),
                "living_arrangement": person.living_arrangement,
                "self_care": person.self_care,
                "health_conditions": conditions,
                "disability_grade": grade,
                "disability_type": "physical" if grade else None,
                "income_sources": rng.sample(
                    ["pension", "children_support", "farming", "subsidies"], rng.randint(1, 3)
                ),
                "family_doctor_signed": rng.random() < 0.6,
                "manual_categories": manual,
                "guardians": guardians,
                "household_size": size,
                "annual_income_per_capita": income,
            }
        )
        number = identity.IdNumber(person.id_number, None, person.birth_date, person.sex)
        added = batch.add(data, number, joined)
        if joined is None and person.living_arrangement == "with_spouse":
            spouse_household[person.village_code] = (
                rows.Joined(added.household_id, size, income),
                person.sex,
            )
        if len(batch) >= chunk:
            flush()
            batch = rows.NewElders(db, None, deriver=deriver, tables=rows.REGISTER)
    if len(batch):
        flush()
    return counts
