"""``eldercare``: database, regions, users, demo data, the server and the API contract."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eldercare.config import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _session() -> Session:
    """A write session (a read session's REPEATABLE READ snapshot on PostgreSQL would make
    a command's concurrent updates fail instead of wait)."""
    from eldercare.db import session_factory

    return session_factory(write=True)()


def cmd_db(args: argparse.Namespace) -> int:
    from eldercare import migrate
    from eldercare.db import get_engine

    url = get_settings().database_url
    if args.action == "upgrade":
        migrate.upgrade(url, args.revision or "head")
    elif args.action == "downgrade":
        migrate.downgrade(url, args.revision or "base")
    else:
        with get_engine().connect() as conn:
            current = sorted(migrate.current_revisions(conn))
        print(json.dumps({"current": current, "head": sorted(migrate.head_revisions())}))
    return 0


def cmd_regions_load(args: argparse.Namespace) -> int:
    from eldercare.regions.service import RegionFileError, load_regions, read_region_file

    rows = []
    try:
        for name in args.files:
            rows.extend(read_region_file(Path(name)))
    except (RegionFileError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with _session() as db, db.begin():
        report = load_regions(db, rows)
    print(
        f"regions: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    )
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from eldercare.auth.models import User
    from eldercare.auth.security import hash_password
    from eldercare.auth.service import password_problems
    from eldercare.i18n import translate
    from eldercare.regions.service import region_level
    from eldercare.roles import ROLE_LEVEL, Role

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else ""
    if not args.password_stdin:
        import getpass

        password = getpass.getpass("Password: ")
    problems = password_problems(password, args.username)
    if problems:
        print("error: " + translate(problems[0].code, "en", **problems[0].params), file=sys.stderr)
        return 2
    role = Role(args.role)
    with _session() as db, db.begin():
        level = region_level(db, args.region)
        if level is None:
            print(f"error: unknown region {args.region} (load regions first)", file=sys.stderr)
            return 2
        if ROLE_LEVEL[role] and ROLE_LEVEL[role] != level:
            print(
                f"error: role {role} must be bound to a {ROLE_LEVEL[role]}, not a {level}",
                file=sys.stderr,
            )
            return 2
        if db.scalar(select(User.id).where(User.username == args.username)):
            print(f"error: username {args.username} is taken", file=sys.stderr)
            return 2
        user = User(
            username=args.username,
            password_hash=hash_password(password),
            role=role.value,
            region_code=args.region,
            display_name=args.display_name or args.username,
            phone=args.phone,
        )
        db.add(user)
        db.flush()
        print(f"created user {user.username} ({role}) in {args.region}: id {user.id}")
    return 0


def cmd_demo_seed(args: argparse.Namespace) -> int:
    from eldercare.devtools import demo

    settings = get_settings()
    password = demo.demo_password(settings)
    with _session() as db, db.begin():
        report = demo.seed(db, password)
    print(json.dumps(report))
    print(f"\nDemo accounts (password for all: {password})")
    for u in demo.DEMO_USERS:
        print(f"  {u.username:<20} {u.role:<17} {u.region:<13} {u.display_name}")
    print(
        "  integration clients: "
        + ", ".join(c for c, _ in demo.DEMO_CLIENTS)
        + " (secret: the same password)"
    )
    return 0


def cmd_register_refresh(args: argparse.Namespace) -> int:
    """Recompute derived facts of every elder (ages and months away move on daily)."""
    from sqlalchemy import select

    from eldercare.elders.service import recompute_county
    from eldercare.regions.models import Region

    with _session() as db, db.begin():
        counties = args.county or list(
            db.scalars(select(Region.code).where(Region.level == "county"))
        )
        total = sum(recompute_county(db, county) for county in counties)
    print(f"recomputed {total} elders in {len(counties)} counties")
    return 0


def cmd_visits_recompute(args: argparse.Namespace) -> int:
    """Recompute every next due visit and service (after a policy change, an upgrade, or
    to repair), set-based."""
    from sqlalchemy import select

    from eldercare.regions.models import Region
    from eldercare.visits.schedule import refresh_counties

    with _session() as db:
        counties = args.county or list(
            db.scalars(select(Region.code).where(Region.level == "county"))
        )
    from eldercare.visits import services

    started = time.perf_counter()
    total = refresh_counties(counties, args.jobs)
    took = time.perf_counter() - started
    print(f"recomputed {total} schedules in {len(counties)} counties in {took:.1f} s")
    started = time.perf_counter()
    total = services.refresh_counties(counties, args.jobs, args.rescan_visits)
    took = time.perf_counter() - started
    print(f"recomputed {total} service schedules in {len(counties)} counties in {took:.1f} s")
    return 0


def cmd_relief_refresh(args: argparse.Namespace) -> int:
    """Re-run the relief pre-screening of every elder (nightly, or after a rules change)."""
    from sqlalchemy import func, select

    from eldercare.db import get_engine
    from eldercare.elders.models import Elder
    from eldercare.relief.service import refresh_counties

    url = get_engine().url.render_as_string(hide_password=False)
    with _session() as db:
        stmt = (
            select(Elder.county_code)
            .where(Elder.merged_into_id.is_(None))
            .group_by(Elder.county_code)
            .order_by(func.count().desc())  # largest first: the processes finish together
        )
        if args.county:
            stmt = stmt.where(Elder.county_code.in_(args.county))
        counties = list(db.scalars(stmt))
    started = time.perf_counter()
    total = refresh_counties(url, counties, args.jobs)
    took = time.perf_counter() - started
    print(f"pre-screened {total} elders in {len(counties)} counties in {took:.1f} s")
    return 0


def cmd_stats_refresh(args: argparse.Namespace) -> int:
    """Recompute the statistics roll-ups (run every few minutes from cron for large regions)."""
    from eldercare.stats.service import refresh_all

    n = 0
    with _session() as db, db.begin():
        n = refresh_all(db, args.county)
    print(f"statistics recomputed for {n} counties")
    return 0


def cmd_stats_freeze(args: argparse.Namespace) -> int:
    """Freeze a month's statistics (every county, or those named) unless frozen already."""
    from eldercare.errors import AppError
    from eldercare.stats import months

    try:
        first = months.parse_month(args.month)
    except AppError:
        print(f"not a month (YYYY-MM): {args.month}", file=sys.stderr)
        return 2
    if first >= months.this_month():
        print(f"{args.month} has not ended: only a past month can be frozen", file=sys.stderr)
        return 2
    frozen = 0
    started = time.perf_counter()
    with _session() as db:
        counties = args.county or months.counties(db)
        for county in counties:
            with db.begin():
                frozen += months.freeze(db, county, first)
    took = time.perf_counter() - started
    print(
        f"{args.month}: {frozen} of {len(counties)} counties frozen now "
        f"(the others were already) in {took:.1f} s"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    print(
        f"ElderCare serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)",
        flush=True,
    )
    uvicorn.run(
        "eldercare.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        access_log=False,
        log_config=None,
        proxy_headers=False,
        server_header=False,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run queued jobs (imports) until SIGTERM, which gives the running job back to the queue."""
    from eldercare import logs, worker
    from eldercare.bulk import jobs
    from eldercare.stats import freezing

    settings = get_settings()
    logs.configure(settings.log_level)
    print(f"ElderCare worker {worker.default_name()} waiting for jobs", flush=True)
    return worker.run_process([jobs.take, freezing.take])


def cmd_openapi(args: argparse.Namespace) -> int:
    from eldercare.openapi import render

    text = render()
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_labels(args: argparse.Namespace) -> int:
    from eldercare.labels import typescript

    text = typescript()
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from eldercare.bulk import client

    try:
        return client.run_import(
            args.url, Path(args.file), args.resource, args.mode, args.dry_run, args.key
        )
    except client.ClientError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def cmd_export(args: argparse.Namespace) -> int:
    from eldercare.bulk import client

    # The register list's filters (elders; volunteers take --region only), as the API names them.
    given = {
        "region": args.region,
        "status": args.status,
        "q": args.q,
        "category": args.category,
        "risk_level": args.risk_level,
        "age_min": args.age_min,
        "age_max": args.age_max,
        "left_behind": args.left_behind,
        "overdue": args.overdue,
    }
    params: dict[str, Any] = {k: v for k, v in given.items() if v is not None and v != []}
    if args.reveal:
        params["reveal"] = "true"
    out = Path(args.out or f"{args.resource}.{args.format}")
    try:
        return client.run_export(args.url, args.resource, args.format, out, params)
    except client.ClientError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def cmd_sync(args: argparse.Namespace) -> int:
    from eldercare.bulk import client

    try:
        return client.run_sync(
            args.url,
            args.out,
            Path(args.state),
            args.limit,
            args.follow,
            args.interval,
            args.max_seconds,
        )
    except client.ClientError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eldercare", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="migrate the database")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?")
    db.set_defaults(func=cmd_db)

    regions = sub.add_parser("regions", help="division codes").add_subparsers(
        dest="action", required=True
    )
    load = regions.add_parser(
        "load", help="load code,name,level,parent_code CSV files (idempotent)"
    )
    load.add_argument("files", nargs="+")
    load.set_defaults(func=cmd_regions_load)

    users = sub.add_parser("users", help="accounts").add_subparsers(dest="action", required=True)
    create = users.add_parser("create", help="create a user (e.g. the first county admin)")
    create.add_argument("--username", required=True)
    create.add_argument(
        "--role",
        required=True,
        choices=[
            "volunteer",
            "village_worker",
            "township_officer",
            "county_officer",
            "county_admin",
        ],
    )
    create.add_argument("--region", required=True, help="region code the user is bound to")
    create.add_argument("--display-name")
    create.add_argument("--phone")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.set_defaults(func=cmd_users_create)

    demo = sub.add_parser("demo", help="demo data").add_subparsers(dest="action", required=True)
    seed = demo.add_parser("seed", help="load the demo counties and accounts (idempotent)")
    seed.set_defaults(func=cmd_demo_seed)

    register = sub.add_parser("register", help="the elder register").add_subparsers(
        dest="action", required=True
    )
    refresh = register.add_parser(
        "refresh", help="recompute ages, left-behind status, categories and risk (run daily)"
    )
    refresh.add_argument("--county", action="append", help="only this county (repeatable)")
    refresh.set_defaults(func=cmd_register_refresh)

    visits = sub.add_parser("visits", help="visit schedules").add_subparsers(
        dest="action", required=True
    )
    recompute = visits.add_parser(
        "recompute", help="recompute every next due visit (after a policy change or a repair)"
    )
    recompute.add_argument("--county", action="append", help="only this county (repeatable)")
    recompute.add_argument(
        "--jobs", type=int, default=2, help="counties at a time on PostgreSQL (default 2)"
    )
    recompute.add_argument(
        "--rescan-visits",
        action="store_true",
        help="rebuild each elder's last time per service from the visits first (a repair)",
    )
    recompute.set_defaults(func=cmd_visits_recompute)

    relief = sub.add_parser("relief", help="relief pre-screening").add_subparsers(
        dest="action", required=True
    )
    relief_refresh = relief.add_parser(
        "refresh", help="re-run the pre-screening of every elder (nightly; after a rules change)"
    )
    relief_refresh.add_argument("--county", action="append", help="only this county (repeatable)")
    relief_refresh.add_argument(
        "--jobs", type=int, default=2, help="processes on PostgreSQL (default 2)"
    )
    relief_refresh.set_defaults(func=cmd_relief_refresh)

    stats = sub.add_parser("stats", help="supervision statistics").add_subparsers(
        dest="action", required=True
    )
    stats_refresh = stats.add_parser(
        "refresh", help="recompute every county's statistics roll-ups (e.g. every 5 minutes)"
    )
    stats_refresh.add_argument("--county", action="append", help="only this county (repeatable)")
    stats_refresh.set_defaults(func=cmd_stats_refresh)
    stats_freeze = stats.add_parser(
        "freeze", help="freeze a past month's statistics (as workers do on the freeze day)"
    )
    stats_freeze.add_argument("--month", required=True, help="YYYY-MM")
    stats_freeze.add_argument("--county", action="append", help="only this county (repeatable)")
    stats_freeze.set_defaults(func=cmd_stats_freeze)

    serve = sub.add_parser("serve", help="run the API server (and the built SPA)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)

    work = sub.add_parser(
        "worker",
        help="run queued jobs (imports); any number, on any hosts (SIGTERM: stop, requeue)",
    )
    work.set_defaults(func=cmd_worker)

    url_help = "the server, e.g. https://eldercare.example.gov.cn"
    imp = sub.add_parser(
        "import",
        help="import a file through the API (integration client credentials from the "
        "environment); the same command again resumes or replays it",
    )
    imp.add_argument("file")
    imp.add_argument(
        "--resource",
        required=True,
        choices=["elders", "guardians", "volunteers", "pairings", "visits"],
    )
    imp.add_argument("--url", required=True, help=url_help)
    imp.add_argument("--mode", choices=["atomic", "per_row"], default="atomic")
    imp.add_argument("--dry-run", action="store_true")
    imp.add_argument("--key", help="Idempotency-Key (default: derived from the file)")
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser("export", help="stream an export to a file through the API")
    exp.add_argument("--resource", required=True, choices=["elders", "guardians", "volunteers"])
    exp.add_argument("--url", required=True, help=url_help)
    exp.add_argument("--format", choices=["csv", "xlsx", "ndjson"], default="csv")
    exp.add_argument("--out")
    exp.add_argument("--region", help="region code prefix")
    exp.add_argument("--status", help="elders: active, moved_out, deceased, not_left_behind")
    exp.add_argument("--q", help="elders: name, pinyin or initials, ID number or its end, phone")
    exp.add_argument("--category", action="append", default=[], help="elders, repeatable")
    exp.add_argument("--risk-level", choices=["high", "key", "general"])
    exp.add_argument("--age-min", type=int)
    exp.add_argument("--age-max", type=int)
    exp.add_argument("--left-behind", choices=["true", "false"])
    exp.add_argument("--overdue", choices=["true", "false"], help="elders: next visit overdue")
    exp.add_argument("--reveal", action="store_true", help="unmasked (audited, watermarked)")
    exp.set_defaults(func=cmd_export)

    sync = sub.add_parser(
        "sync", help="append the change feed to an NDJSON file, remembering the cursor"
    )
    sync.add_argument("--url", required=True, help=url_help)
    sync.add_argument("--out", default="changes.ndjson", help="NDJSON file, or - for stdout")
    sync.add_argument("--state", default=".eldercare-sync.json", help="where the cursor is kept")
    sync.add_argument("--limit", type=int, default=500)
    sync.add_argument("--follow", action="store_true", help="keep polling for new changes")
    sync.add_argument(
        "--interval", type=float, default=5.0, help="seconds between polls once caught up"
    )
    sync.add_argument(
        "--max-seconds", type=float, help="stop after this long (SIGTERM also stops it)"
    )
    sync.set_defaults(func=cmd_sync)

    openapi = sub.add_parser("openapi", help="print or write the OpenAPI document")
    openapi.add_argument("--out")
    openapi.set_defaults(func=cmd_openapi)

    labels = sub.add_parser("labels", help="write the app's copy of the dictionary of labels")
    labels.add_argument("--out")
    labels.set_defaults(func=cmd_labels)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # the domains' hooks, for every command that runs them (the API clients run none)
    if args.func not in (cmd_import, cmd_export, cmd_sync):
        from eldercare import wiring

        wiring.install()
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
