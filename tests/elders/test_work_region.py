"""Where a child works decides how far away they are (`away_scope`), on the server, for the
API, the app and imports alike.

Source: a left-behind elder's children have "长期(通常半年以上)离开户籍地" (left the hukou
place, usually for more than six months); the seed plans (篇八, 篇九) read it as all children
outside the county (domain.md, "Who counts as 农村留守老年人"). A child working in 深圳 is
outside the province of an elder in 蓝山县 (Hunan)."""

from __future__ import annotations

import pytest
from eldercare.elders.rules import region_scope
from eldercare.elders.schemas import GuardianIn

from tests.bulk.test_imports import CSV, as_csv
from tests.factories import (
    OTHER_TOWNSHIP_VILLAGE,
    VILLAGE,
    auth,
    make_elder,
    make_user,
)

# VILLAGE is 431127104230: Hunan (43), 永州 (4311), 蓝山县 (431127), township 431127104.


@pytest.mark.parametrize(
    ("code", "scope"),
    [
        (None, None),
        ("44", "outside_province"),  # 广东省
        ("4403", "outside_province"),  # 深圳市
        ("440305", "outside_province"),  # 南山区
        ("43", None),  # somewhere in Hunan: the county is not known
        ("4311", None),  # somewhere in 永州: the county is not known
        ("4301", "outside_county"),  # 长沙市
        ("430102", "outside_county"),
        ("431102", "outside_county"),  # another county of 永州
        ("431127", "in_county"),
        ("431127100", "in_county"),  # another township of the county
        ("431127104", "in_township"),
        ("431127104204", "in_township"),  # another village of the township
        ("431127104230", "local"),  # the elder's own village
    ],
)
def test_region_scope_against_the_elders_village(code, scope):
    assert region_scope(code, VILLAGE) == scope


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("4403", "4403"),
        ("440300", "4403"),  # the zero-padded GB/T 2260 form is taken and stored short
        ("440000", "44"),
        ("440305", "440305"),
        ("440305000000", "440305"),
        ("431127104000", "431127104"),
        ("431127104230", "431127104230"),
    ],
)
def test_work_region_codes_are_stored_as_their_prefix(given, stored):
    assert GuardianIn(name="子", relation="son", work_region_code=given).work_region_code == stored


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


def add_child(client, worker, elder_id, **fields):
    body = {"name": "张建国", "relation": "son"} | fields
    return client.post(f"/api/v1/elders/{elder_id}/guardians", headers=auth(worker), json=body)


def get_elder(client, worker, elder_id):
    return client.get(f"/api/v1/elders/{elder_id}", headers=auth(worker)).json()


class TestThroughTheApi:
    def test_a_son_working_in_shenzhen_since_2019_makes_the_elder_left_behind(
        self, client, db, worker
    ):
        elder = make_elder(db, living_arrangement="with_spouse")
        r = add_child(
            client,
            worker,
            elder.id,
            work_region_code="4403",
            work_location="广东省深圳市宝安区 电子厂",
            away_since="2019-03-01",
        )
        assert r.status_code == 201, r.text
        assert r.json()["away_scope"] == "outside_province"
        assert r.json()["work_region_code"] == "4403"
        e = get_elder(client, worker, elder.id)
        assert e["is_left_behind"] is True
        assert "left_behind" in [c["code"] for c in e["categories"]]
        assert e["left_behind_reason"] == "1 名子女均离开本县满 6 个月"  # not "...去向不详"

    def test_the_region_replaces_a_contradicting_scope(self, client, db, worker):
        elder = make_elder(db)
        r = add_child(
            client,
            worker,
            elder.id,
            work_region_code="440300",
            away_scope="local",
            away_since="2019-03-01",
        )
        assert (r.json()["work_region_code"], r.json()["away_scope"]) == (
            "4403",
            "outside_province",
        )
        g = r.json()
        r = client.patch(
            f"/api/v1/guardians/{g['id']}",
            headers={**auth(worker), "If-Match": f'"{g["version"]}"'},
            json={"work_region_code": "431127104"},
        )
        assert r.json()["away_scope"] == "in_township"
        assert get_elder(client, worker, elder.id)["left_behind_reason"] == "有赡养人（儿子）在本地"

    def test_own_prefecture_without_a_county_keeps_the_scope_given(self, client, db, worker):
        elder = make_elder(db)
        r = add_child(client, worker, elder.id, work_region_code="4311", away_since="2019-03-01")
        assert r.json()["away_scope"] is None
        assert get_elder(client, worker, elder.id)["left_behind_reason"] == (
            "1 名子女的去向或外出时间不详"
        )
        elder2 = make_elder(db, name="李四")
        r = add_child(
            client,
            worker,
            elder2.id,
            work_region_code="4311",
            away_scope="outside_county",
            away_since="2019-03-01",
        )
        assert r.json()["away_scope"] == "outside_county"
        assert get_elder(client, worker, elder2.id)["is_left_behind"] is True

    def test_a_new_elder_with_a_child_in_shenzhen(self, client, db, worker):
        from tests.factories import id_number

        body = {
            "id_number": id_number("1948-05-06"),
            "name": "王桂英",
            "village_code": VILLAGE,
            "living_arrangement": "alone",
            "guardians": [
                {
                    "name": "王强",
                    "relation": "son",
                    "work_region_code": "440306",
                    "away_since": "2019-03-01",
                }
            ],
        }
        r = client.post("/api/v1/elders", headers=auth(worker), json=body)
        assert r.status_code == 201, r.text
        assert r.json()["is_left_behind"] is True
        out = client.get(f"/api/v1/elders/{r.json()['id']}/guardians", headers=auth(worker))
        assert out.json()[0]["away_scope"] == "outside_province"

    @pytest.mark.parametrize("code", ["99", "4", "44030", "00000000", "4403a"])
    def test_unknown_or_malformed_codes_are_refused(self, client, db, worker, code):
        elder = make_elder(db)
        r = add_child(client, worker, elder.id, work_region_code=code)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["loc"] == ["body", "work_region_code"]

    def test_a_move_rescopes_the_children(self, client, db, worker):
        elder = make_elder(db)
        g = add_child(client, worker, elder.id, work_region_code="431127104").json()
        assert g["away_scope"] == "in_township"
        county = make_user(db, "county_officer", "431127")
        version = get_elder(client, county, elder.id)["version"]
        r = client.post(
            f"/api/v1/elders/{elder.id}/move",
            headers={**auth(county), "If-Match": f'"{version}"'},
            json={"village_code": OTHER_TOWNSHIP_VILLAGE, "reason": "投靠女儿"},
        )
        assert r.status_code == 200, r.text
        got = client.get(f"/api/v1/guardians/{g['id']}", headers=auth(county)).json()
        assert got["away_scope"] == "in_county"


def test_imports_derive_it_too(client, db, worker):
    elder = make_elder(db, living_arrangement="alone")
    body = as_csv(
        [
            {
                "老人身份证号": elder.id_number,
                "姓名": "王建国",
                "关系": "儿子",
                "务工地": "广东省深圳市",
                "务工地区划代码": "440300",
                "外出时间": "2019-03-01",
            }
        ]
    ).encode()
    h = {**auth(worker), "Content-Type": CSV}
    assert client.post("/api/v1/imports/guardians", content=body, headers=h).json()["created"] == 1
    again = client.post("/api/v1/imports/guardians", content=body, headers=h).json()
    assert again["unchanged"] == 1, again
    out = client.get(f"/api/v1/elders/{elder.id}/guardians", headers=auth(worker)).json()
    assert [(g["work_region_code"], g["away_scope"]) for g in out] == [("4403", "outside_province")]
    assert get_elder(client, worker, elder.id)["is_left_behind"] is True
