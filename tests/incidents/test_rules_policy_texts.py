"""Emergency rules against the work plans (issue 16, items 11-14), table by table.

Sources (../shared/seeds/000_*.txt, quoted in simplified characters):

- 篇八/篇九 (八): "发现留守老年人外出流浪乞讨、遭受非法侵害、发生危重病情、患有严重精神疾病、
  面临重大困境等情况时，要及时向村（居）委会、乡镇人民政府或县（市）级民政部门报告，紧急处置后，
  由乡镇人民政府依据有关要求和分工实施关爱救助" and "(五)…突发事件处置不及时…的要严肃处理".
- 篇十一: "以组为单位组建'老老互助组织'…相互探望、相互关照…若遇有重大情况（如生病及其他天灾
  人祸）向村（社区）、组干部报告".
- domain.md §4 (北方新报 2022): "visit within 24 h of a major change": the default limit for a
  report to count as timely (及时报告) is 24 hours, a county setting (``report_limit_hours``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from eldercare.incidents import rules
from eldercare.volunteers.models import Pairing
from sqlalchemy import select

from tests.factories import (
    COUNTY,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_pairing,
    make_user,
    make_volunteer,
)

API = "/api/v1"


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.fixture
def township(db):
    return make_user(db, "township_officer", TOWNSHIP)


@pytest.fixture
def county(db):
    return make_user(db, "county_officer", COUNTY)


def report(client, user, elder, expect=201, **over):
    body = {"elder_id": elder.id, "type": "accident", "severity": "medium", "description": "x"}
    body.update(over)
    r = client.post(f"{API}/incidents", headers=auth(user), json=body)
    assert r.status_code == expect, r.text
    return r.json()


def move(client, user, incident_id, to, note=""):
    r = client.post(
        f"{API}/incidents/{incident_id}/transitions",
        headers=auth(user),
        json={"to": to, "note": note},
    )
    assert r.status_code == 200, r.text
    return r.json()


def patch(client, user, incident, **body):
    r = client.patch(
        f"{API}/incidents/{incident['id']}",
        headers={**auth(user), "If-Match": f'"{incident["version"]}"'},
        json=body,
    )
    assert r.status_code == 200, r.text
    return r.json()


def read(client, user, incident_id):
    return client.get(f"{API}/incidents/{incident_id}", headers=auth(user))


# ============================================================================ 16.11 severity

# 八: 外出流浪乞讨、遭受非法侵害、发生危重病情 are emergencies to report at once: at least high.
# The plan lists 患有严重精神疾病 and 面临重大困境 too, without urgency words: the reporter's
# severity stands for them.
SEVERITY_CASES = [
    # (type, asked, effective)
    ("abuse", "low", "high"),  # 遭受非法侵害
    ("abuse", "medium", "high"),
    ("abuse", "high", "high"),  # the floor itself
    ("abuse", "critical", "critical"),  # the reporter may raise it
    ("wandering_begging", "low", "high"),  # 外出流浪乞讨
    ("wandering_begging", "critical", "critical"),
    ("critical_illness", "medium", "high"),  # 发生危重病情
    ("critical_illness", "low", "high"),
    ("severe_mental_illness", "low", "low"),  # no floor
    ("major_hardship", "medium", "medium"),  # no floor
    ("accident", "low", "low"),
    ("other", "low", "low"),
]


@pytest.mark.parametrize(("kind", "asked", "effective"), SEVERITY_CASES)
def test_severity_floor_rule(kind, asked, effective):
    assert rules.effective_severity(kind, asked) == effective


@pytest.mark.parametrize(("kind", "asked", "effective"), SEVERITY_CASES)
def test_a_report_gets_at_least_the_types_severity(
    client, db, worker, clock, kind, asked, effective
):
    i = report(client, worker, make_elder(db), type=kind, severity=asked)
    assert i["severity"] == effective
    # the deadlines follow the effective severity (defaults: high acknowledges in 6 h)
    hours = {"critical": 2, "high": 6, "medium": 24, "low": 72}[effective]
    assert at(i["due_at"]) == clock.now + timedelta(hours=hours)


# A correction may raise the severity, never below the (new) type's floor.
PATCH_CASES = [
    # (reported type, severity) -> patch -> effective severity
    (("abuse", "high"), {"severity": "low"}, "high"),
    (("abuse", "critical"), {"severity": "medium"}, "high"),  # lowered to the floor, no further
    (("abuse", "high"), {"severity": "critical"}, "critical"),
    (("accident", "low"), {"type": "abuse"}, "high"),  # the new type raises it
    (("accident", "low"), {"type": "critical_illness", "severity": "medium"}, "high"),
    (("abuse", "high"), {"type": "accident", "severity": "low"}, "low"),  # no floor any more
    (("accident", "medium"), {"severity": "low"}, "low"),
]


@pytest.mark.parametrize(("reported", "change", "effective"), PATCH_CASES)
def test_a_correction_cannot_lower_below_the_floor(
    client, db, worker, clock, reported, change, effective
):
    kind, severity = reported
    i = report(client, worker, make_elder(db), type=kind, severity=severity)
    out = patch(client, worker, i, **change)
    assert out["severity"] == effective
    hours = {"critical": 2, "high": 6, "medium": 24, "low": 72}[effective]
    assert at(out["due_at"]) == at(out["reported_at"]) + timedelta(hours=hours)


def test_the_openapi_field_says_the_rule(app):
    schemas = app.openapi()["components"]["schemas"]
    for name in ("IncidentIn", "IncidentPatch", "IncidentOut"):
        assert "at least `high`" in schemas[name]["properties"]["severity"]["description"]


# ============================================================================ 16.12 late reports

# The default limit: 24 hours (domain.md §4); exactly the limit is in time, a minute more late.
LATE_CASES = [
    # (hours before the report it occurred, or None; reported_late; delay in minutes)
    (None, None, None),
    (0, False, 0),
    (23 + 59 / 60, False, 23 * 60 + 59),
    (24, False, 24 * 60),  # the line exactly
    (24 + 1 / 60, True, 24 * 60 + 1),  # a minute more
    (72, True, 72 * 60),
]


@pytest.mark.parametrize(("hours", "late", "minutes"), LATE_CASES)
def test_late_reports_are_flagged(client, db, worker, township, clock, hours, late, minutes):
    over = {}
    if hours is not None:
        over["occurred_at"] = (clock.now - timedelta(hours=hours)).isoformat()
    i = report(client, worker, make_elder(db), **over)
    assert i["reported_late"] is late
    assert i["report_delay_minutes"] == minutes
    if hours is not None:
        assert at(i["occurred_at"]) == clock.now - timedelta(hours=hours)
    # stored: the township reads the same later
    clock.advance(hours=5)
    assert read(client, township, i["id"]).json()["reported_late"] is late


@pytest.mark.parametrize(
    ("limit", "hours", "late"),
    [(48, 24 + 1 / 60, False), (48, 48, False), (48, 48 + 1 / 60, True), (12, 12 + 1 / 60, True)],
)
def test_the_county_sets_the_limit(client, db, worker, county, clock, limit, hours, late):
    policy = client.get(f"{API}/policies/incidents", headers=auth(county)).json()
    assert policy["report_limit_hours"] == 24  # the default
    policy["report_limit_hours"] = limit
    r = client.put(f"{API}/policies/incidents", headers=auth(county), json=policy)
    assert r.status_code == 200, r.text
    assert r.json()["report_limit_hours"] == limit
    occurred = (clock.now - timedelta(hours=hours)).isoformat()
    assert report(client, worker, make_elder(db), occurred_at=occurred)["reported_late"] is late


def test_a_policy_from_an_earlier_day_rejudges_reports_since(client, db, worker, county, clock):
    occurred = (clock.now - timedelta(hours=30)).isoformat()
    i = report(client, worker, make_elder(db), occurred_at=occurred)
    assert i["reported_late"] is True
    body = {
        **client.get(f"{API}/policies/incidents", headers=auth(county)).json(),
        "report_limit_hours": 36,
        "effective_date": str(date.today() - timedelta(days=3)),
    }
    assert client.put(f"{API}/policies/incidents", headers=auth(county), json=body).is_success
    assert read(client, worker, i["id"]).json()["reported_late"] is False


@pytest.mark.parametrize("limit", [0, 721])
def test_the_limit_is_sane(client, county, limit):
    body = {**client.get(f"{API}/policies/incidents", headers=auth(county)).json()}
    body["report_limit_hours"] = limit
    assert (
        client.put(f"{API}/policies/incidents", headers=auth(county), json=body).status_code == 422
    )


def test_correcting_when_it_happened_rejudges_the_report(client, db, worker, clock):
    i = report(client, worker, make_elder(db))
    assert i["reported_late"] is None
    i = patch(client, worker, i, occurred_at=(clock.now - timedelta(hours=25)).isoformat())
    assert (i["reported_late"], i["report_delay_minutes"]) == (True, 25 * 60)
    i = patch(client, worker, i, occurred_at=(clock.now - timedelta(hours=2)).isoformat())
    assert i["reported_late"] is False
    i = patch(client, worker, i, occurred_at=None)
    assert (i["reported_late"], i["report_delay_minutes"]) == (None, None)


def test_statistics_count_timely_reports(client, db, worker, clock):
    # 八 (五): 突发事件处置不及时 is to be supervised; 及时报告率 of the last 12 months' reports
    elder = make_elder(db)
    report(client, worker, elder, occurred_at=(clock.now - timedelta(days=400)).isoformat())
    clock.advance(days=366)  # that report falls out of the 12 months
    report(client, worker, elder, occurred_at=(clock.now - timedelta(hours=25)).isoformat())
    report(client, worker, elder, occurred_at=(clock.now - timedelta(hours=24)).isoformat())
    report(client, worker, elder, occurred_at=(clock.now - timedelta(hours=1)).isoformat())
    report(client, worker, elder)  # when it happened is unknown: not in the rate
    officer = make_user(db, "county_officer", COUNTY)
    s = client.get(f"{API}/stats/summary", headers=auth(officer)).json()
    expected = {
        "reported_last_12_months": 4,
        "report_time_known": 3,
        "reported_late": 1,
        "timely_report_rate": 0.6667,
    }
    for row in (s["totals"], next(c for c in s["children"] if c["code"] == TOWNSHIP)):
        assert {k: row["incidents"][k] for k in expected} == expected
    assert s["totals"]["incidents"]["open"] == 5


# ============================================================================ 16.13 escalation

# 八: after 紧急处置 the township carries on; escalation hands it to the county, but the elder
# waits as long as before: the deadlines from the report stay, the county's is added, and an
# incident is overdue once the earliest deadline not yet met has passed. Critical: acknowledge
# in 2 h, resolve in 24 h (defaults).
ESCALATION_CASES = [
    # (township steps before escalating (hours after the report), escalated at (h),
    #  due step and due (h after the report) while escalated, the county's deadline (h))
    pytest.param([], 1, "acknowledge", 2, 3, id="unacknowledged: the report's 2 h stays"),
    pytest.param([("acknowledged", 0.5)], 1, "acknowledge", 3, 3, id="acknowledged: county's"),
    pytest.param(
        [("acknowledged", 0.5), ("in_progress", 1)],
        23,
        "resolve",
        24,
        25,
        id="late escalation: the 24 h resolve comes first",
    ),
]


@pytest.mark.parametrize(("steps", "escalated", "step", "due", "county_due"), ESCALATION_CASES)
def test_escalation_does_not_reset_the_clock(
    client, db, worker, township, county, clock, steps, escalated, step, due, county_due
):
    reported = clock.now
    i = report(client, worker, make_elder(db), type="critical_illness", severity="critical")

    def h(hours):
        return reported + timedelta(hours=hours)

    for to, when in steps:
        clock.now = h(when)
        i = move(client, township, i["id"], to)
    clock.now = h(escalated)
    i = move(client, township, i["id"], "escalated")
    assert (i["due_step"], at(i["due_at"])) == (step, h(due))
    assert (at(i["acknowledge_due_at"]), at(i["resolve_due_at"])) == (h(2), h(24))
    assert at(i["county_due_at"]) == h(county_due)
    # a minute before the deadline: not overdue; a minute after: overdue, listed and counted
    clock.now = h(due) - timedelta(minutes=1)
    assert read(client, county, i["id"]).json()["overdue"] is False
    clock.now = h(due) + timedelta(minutes=1)
    assert read(client, county, i["id"]).json()["overdue"] is True
    listed = client.get(f"{API}/incidents?overdue=true", headers=auth(county)).json()["items"]
    assert [x["id"] for x in listed] == [i["id"]]
    s = client.get(f"{API}/stats/summary", headers=auth(county)).json()
    assert s["totals"]["incidents"]["overdue"] == 1
    # the county takes it in hand: measured against the first deadline, so late
    i = move(client, county, i["id"], "in_progress")
    assert i["timeline"][-1]["deadline_at"] is not None
    assert at(i["timeline"][-1]["deadline_at"]) == h(due)
    assert i["timeline"][-1]["late"] is True
    # what is left is the resolve deadline from the report, not one from the escalation
    assert (i["due_step"], at(i["due_at"])) == ("resolve", h(24))
    assert at(i["resolve_due_at"]) == h(24)


def test_the_county_in_time_for_its_own_deadline_and_the_first(
    client, db, worker, township, county, clock
):
    reported = clock.now
    i = report(client, worker, make_elder(db), type="critical_illness", severity="critical")
    clock.now = reported + timedelta(minutes=30)
    move(client, township, i["id"], "acknowledged")
    clock.now = reported + timedelta(hours=1)
    move(client, township, i["id"], "escalated")
    clock.now = reported + timedelta(hours=3)  # the county's 2 hours, exactly
    i = move(client, county, i["id"], "in_progress")
    assert i["timeline"][-1]["late"] is False
    clock.now = reported + timedelta(hours=24, minutes=1)  # not 1 h + 24 h
    assert read(client, county, i["id"]).json()["overdue"] is True


# ============================================================================ 16.14 volunteers

# 十一: 老老互助 helpers 相互探望…若遇有重大情况（如生病及其他天灾人祸）向村（社区）、组干部报告.
# A volunteer reports for an elder paired with them and follows their report; the township
# handles it. A volunteer sees their own reports for elders still paired with them.


@pytest.fixture
def paired(db):
    """A volunteer login paired with an elder of the village: (login, elder, pairing)."""
    login = make_user(db, "volunteer", VILLAGE)
    elder = make_elder(db)
    pairing = make_pairing(db, elder, make_volunteer(db, user=login))
    return login, elder, pairing


def test_a_volunteer_reports_for_a_paired_elder_and_follows_it(
    client, db, paired, township, worker, clock
):
    login, elder, _ = paired
    occurred = (clock.now - timedelta(hours=3)).isoformat()
    i = report(client, login, elder, type="wandering_begging", severity="low", occurred_at=occurred)
    assert (i["reporter_id"], i["severity"], i["reported_late"]) == (login.id, "high", False)
    assert i["allowed_transitions"] == []  # handling stays with staff
    # the village and the township see it as any report
    assert read(client, worker, i["id"]).status_code == 200
    move(client, township, i["id"], "acknowledged", note="已联系派出所协查")
    seen = read(client, login, i["id"]).json()
    assert seen["status"] == "acknowledged"
    assert [t["to_status"] for t in seen["timeline"]] == ["reported", "acknowledged"]
    assert seen["timeline"][-1]["note"] == ""  # the staff's handling notes stay theirs
    listed = client.get(f"{API}/incidents", headers=auth(login)).json()["items"]
    assert [x["id"] for x in listed] == [i["id"]]


def test_a_volunteer_may_not_handle_or_correct(client, db, paired):
    login, elder, _ = paired
    i = report(client, login, elder)
    r = client.post(
        f"{API}/incidents/{i['id']}/transitions", headers=auth(login), json={"to": "acknowledged"}
    )
    assert (r.status_code, r.json()["code"]) == (403, "auth.role_required")
    r = client.patch(
        f"{API}/incidents/{i['id']}",
        headers={**auth(login), "If-Match": f'"{i["version"]}"'},
        json={"description": "改"},
    )
    assert (r.status_code, r.json()["code"]) == (403, "auth.role_required")
    r = client.get(f"{API}/policies/incidents", headers=auth(login))
    assert r.status_code == 403


def test_a_volunteer_not_paired_with_the_elder_gets_404(client, db, paired):
    _, elder, _ = paired
    other = make_user(db, "volunteer", VILLAGE)
    make_volunteer(db, user=other)
    r = client.post(
        f"{API}/incidents",
        headers=auth(other),
        json={"elder_id": elder.id, "type": "other", "severity": "low", "description": "x"},
    )
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_a_volunteer_sees_only_their_own_reports(client, db, paired, worker):
    login, elder, _ = paired
    mine = report(client, login, elder)
    staffs = report(client, worker, elder)  # the village's report about the same elder
    colleague = make_user(db, "volunteer", VILLAGE)
    make_pairing(db, elder, make_volunteer(db, user=colleague, name="孙桂芳"))
    theirs = report(client, colleague, elder)
    for who, visible, hidden in (
        (login, mine, (staffs, theirs)),
        (colleague, theirs, (staffs, mine)),
    ):
        listed = client.get(f"{API}/incidents", headers=auth(who)).json()["items"]
        assert [x["id"] for x in listed] == [visible["id"]]
        for other in hidden:
            assert read(client, who, other["id"]).status_code == 404


def test_once_the_pairing_ends_the_volunteer_no_longer_sees_it(client, db, paired, worker):
    login, elder, pairing = paired
    i = report(client, login, elder)
    row = db.scalar(select(Pairing).where(Pairing.id == pairing.id))
    row.end_date = date.today()
    db.flush()
    assert read(client, login, i["id"]).status_code == 404
    assert client.get(f"{API}/incidents", headers=auth(login)).json()["items"] == []
    assert read(client, worker, i["id"]).status_code == 200  # the report itself stays
