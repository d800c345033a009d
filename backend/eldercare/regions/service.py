"""Regions: the NBS code tree, read within scope, loaded from CSV files."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from eldercare.errors import NotFound
from eldercare.pagination import Page, keyset
from eldercare.regions.models import LEVELS, Region
from eldercare.scope import LEVEL_LENGTH, Scope

CODE_RE = re.compile(r"^\d{6}(\d{3}){0,2}$")


def get_in_scope(db: Session, scope: Scope, code: str) -> Region:
    """The region, if the caller may see it (their own region or anything below)."""
    if not scope.covers(code):
        raise NotFound()
    region = db.get(Region, code)
    if region is None:
        raise NotFound()
    return region


def ancestors(db: Session, region: Region) -> list[Region]:
    """From the top of the tree down to the region's parent (for breadcrumbs)."""
    codes = [region.code[:n] for n in (2, 4, 6, 9) if n < len(region.code)]
    codes = [c.ljust(6, "0") if len(c) < 6 else c for c in codes]
    found = {r.code: r for r in db.scalars(select(Region).where(Region.code.in_(codes)))}
    return [found[c] for c in dict.fromkeys(codes) if c in found and c != region.code]


def children_count(db: Session, code: str) -> int:
    return db.scalar(select(func.count()).where(Region.parent_code == code)) or 0


def list_regions(
    db: Session,
    scope: Scope,
    *,
    parent: str | None,
    level: str | None,
    q: str | None,
    limit: int,
    cursor: str | None,
    count: bool,
) -> Page[Region]:
    """Without ``parent``, ``level`` or ``q``: the caller's own region (the root of their scope)."""
    stmt = select(Region).where(scope.clause(Region.code))
    if parent is not None:
        get_in_scope(db, scope, parent)
        stmt = stmt.where(Region.parent_code == parent)
    if level is not None:
        stmt = stmt.where(Region.level == level)
    if q:
        stmt = stmt.where(or_(Region.name.contains(q, autoescape=True), Region.code.startswith(q)))
    if parent is None and level is None and not q:
        stmt = stmt.where(Region.code == scope.region_prefix)
    return keyset(db, stmt, [(Region.code, "asc")], limit=limit, cursor=cursor, count=count)


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class RegionFileError(ValueError):
    pass


def read_region_file(path: Path) -> list[dict[str, str]]:
    """Rows of ``code,name,level,parent_code``, checked before anything is written."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        required = {"code", "name", "level", "parent_code"}
        if not reader.fieldnames or not required <= set(reader.fieldnames):
            raise RegionFileError(f"{path}: columns must be {sorted(required)}")
        rows = []
        for lineno, raw in enumerate(reader, start=2):
            row = {k: (raw.get(k) or "").strip() for k in required}
            _check_row(path, lineno, row)
            rows.append(row)
    return rows


def _check_row(path: Path, lineno: int, row: dict[str, str]) -> None:
    code, level, parent = row["code"], row["level"], row["parent_code"]
    if level not in LEVELS:
        raise RegionFileError(f"{path}:{lineno}: unknown level {level!r}")
    if not code.isdigit() or len(code) != max(6, LEVEL_LENGTH[level]):
        raise RegionFileError(f"{path}:{lineno}: code {code!r} does not fit level {level}")
    if not row["name"]:
        raise RegionFileError(f"{path}:{lineno}: empty name")
    if level in ("county", "township", "village"):
        if not parent:
            raise RegionFileError(f"{path}:{lineno}: a {level} needs a parent")
        if level != "county" and not code.startswith(parent):
            raise RegionFileError(f"{path}:{lineno}: {code} is not under its parent {parent}")


def load_regions(db: Session, rows: Iterable[dict[str, str]]) -> LoadReport:
    """Upsert by code, parents first; running it twice changes nothing the second time."""
    report = LoadReport()
    ordered = sorted(rows, key=lambda r: (LEVELS.index(r["level"]), r["code"]))
    existing = {
        r.code: r
        for r in db.scalars(select(Region).where(Region.code.in_([r["code"] for r in ordered])))
    }
    for row in ordered:
        parent = row["parent_code"] or None
        current = existing.get(row["code"])
        if current is None:
            db.add(
                Region(code=row["code"], name=row["name"], level=row["level"], parent_code=parent)
            )
            db.flush()
            report.created += 1
        elif (current.name, current.level, current.parent_code) != (
            row["name"],
            row["level"],
            parent,
        ):
            current.name, current.level, current.parent_code = row["name"], row["level"], parent
            report.updated += 1
        else:
            report.unchanged += 1
    db.flush()
    return report


def region_level(db: Session, code: str) -> str | None:
    return db.scalar(select(Region.level).where(Region.code == code))


def place_names(db: Session, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(township, village) names of region codes, for lists and exports in words: a village
    code gives both, a township code its own name and "", a county code ("", "")."""
    wanted = {c for c in codes if c}
    lookup = wanted | {c[:9] for c in wanted if len(c) == 12}
    names = (
        dict(db.execute(select(Region.code, Region.name).where(Region.code.in_(lookup))).all())
        if lookup
        else {}
    )
    out: dict[str, tuple[str, str]] = {}
    for code in wanted:
        if len(code) == 12:
            out[code] = (names.get(code[:9], ""), names.get(code, code))
        elif len(code) == 9:
            out[code] = (names.get(code, code), "")
        else:
            out[code] = ("", "")
    return out
