from __future__ import annotations

from pathlib import Path

import pytest
from eldercare.regions.models import Region
from eldercare.regions.service import RegionFileError, load_regions, read_region_file
from sqlalchemy import select

from tests.factories import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE,
    REGION_DIR,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_client,
    make_user,
)


class TestGetRegion:
    def test_village_worker_sees_own_village_with_breadcrumbs(self, client, db):
        user = make_user(db, "village_worker", VILLAGE)
        r = client.get(f"/api/v1/regions/{VILLAGE}", headers=auth(user))
        assert r.status_code == 200
        body = r.json()
        assert body["name"] == "南风坳村委会"
        assert [a["name"] for a in body["ancestors"]] == ["湖南省", "永州市", "蓝山县", "所城镇"]

    @pytest.mark.parametrize("other", [OTHER_VILLAGE, OTHER_TOWNSHIP_VILLAGE, OTHER_COUNTY_VILLAGE])
    def test_village_worker_gets_404_for_neighbouring_villages(self, client, db, other):
        user = make_user(db, "village_worker", VILLAGE)
        assert client.get(f"/api/v1/regions/{other}", headers=auth(user)).status_code == 404

    def test_village_worker_gets_404_for_own_township_itself(self, client, db):
        user = make_user(db, "village_worker", VILLAGE)
        assert client.get(f"/api/v1/regions/{TOWNSHIP}", headers=auth(user)).status_code == 404

    def test_township_officer_of_other_township_gets_404(self, client, db):
        user = make_user(db, "township_officer", OTHER_TOWNSHIP)
        assert client.get(f"/api/v1/regions/{VILLAGE}", headers=auth(user)).status_code == 404
        assert client.get(f"/api/v1/regions/{TOWNSHIP}", headers=auth(user)).status_code == 404

    def test_county_officer_of_other_county_gets_404(self, client, db):
        user = make_user(db, "county_officer", OTHER_COUNTY)
        assert client.get(f"/api/v1/regions/{COUNTY}", headers=auth(user)).status_code == 404
        assert client.get(f"/api/v1/regions/{VILLAGE}", headers=auth(user)).status_code == 404

    def test_unknown_code_is_404_like_out_of_scope(self, client, db):
        user = make_user(db, "county_officer", COUNTY)
        assert client.get(f"/api/v1/regions/{COUNTY}999999", headers=auth(user)).status_code == 404

    def test_township_children_count(self, client, db):
        user = make_user(db, "township_officer", TOWNSHIP)
        r = client.get(f"/api/v1/regions/{TOWNSHIP}", headers=auth(user))
        villages = db.scalars(select(Region.code).where(Region.parent_code == TOWNSHIP)).all()
        assert len(villages) > 10
        assert r.json()["children_count"] == len(villages)


class TestListRegions:
    def test_without_filters_returns_own_region(self, client, db):
        user = make_user(db, "township_officer", TOWNSHIP)
        r = client.get("/api/v1/regions", headers=auth(user))
        assert [i["code"] for i in r.json()["items"]] == [TOWNSHIP]

    def test_children_of_own_township_are_its_villages(self, client, db):
        user = make_user(db, "township_officer", TOWNSHIP)
        r = client.get(
            f"/api/v1/regions?parent={TOWNSHIP}&limit=500&count=true", headers=auth(user)
        )
        codes = [i["code"] for i in r.json()["items"]]
        assert VILLAGE in codes
        assert OTHER_VILLAGE in codes
        assert all(c.startswith(TOWNSHIP) for c in codes)
        assert r.json()["total"] == len(codes)

    def test_children_of_parent_county_is_404_for_township_officer(self, client, db):
        user = make_user(db, "township_officer", TOWNSHIP)
        assert client.get(f"/api/v1/regions?parent={COUNTY}", headers=auth(user)).status_code == 404

    def test_name_search_stays_in_scope(self, client, db):
        user = make_user(db, "county_officer", OTHER_COUNTY)
        r = client.get("/api/v1/regions?q=村委会&limit=500", headers=auth(user))
        codes = [i["code"] for i in r.json()["items"]]
        assert codes
        assert all(c.startswith(OTHER_COUNTY) for c in codes)

    def test_pages_follow_cursor_without_gaps_or_repeats(self, client, db):
        user = make_user(db, "county_officer", COUNTY)
        seen: list[str] = []
        cursor = None
        while True:
            url = "/api/v1/regions?level=village&limit=37" + (f"&cursor={cursor}" if cursor else "")
            body = client.get(url, headers=auth(user)).json()
            seen.extend(i["code"] for i in body["items"])
            cursor = body["next_cursor"]
            if not cursor:
                break
        expected = db.scalars(
            select(Region.code).where(Region.level == "village", Region.code.startswith(COUNTY))
        ).all()
        assert seen == sorted(expected)

    def test_bad_cursor_is_400(self, client, db):
        user = make_user(db, "county_officer", COUNTY)
        r = client.get("/api/v1/regions?level=village&cursor=!!notacursor", headers=auth(user))
        assert r.status_code == 400
        assert r.json()["code"] == "bad_cursor"

    @pytest.mark.parametrize("raw", ['[["a"]]', "[[1,2]]", '[{"x":1}]', "[1,2,3]"])
    def test_crafted_cursor_is_400_not_500(self, client, db, raw):
        import base64

        user = make_user(db, "county_officer", COUNTY)
        cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
        r = client.get(f"/api/v1/regions?level=village&cursor={cursor}", headers=auth(user))
        assert r.status_code == 400

    def test_limit_above_500_is_422(self, client, db):
        user = make_user(db, "county_officer", COUNTY)
        r = client.get("/api/v1/regions?limit=501", headers=auth(user))
        assert r.status_code == 422
        assert r.json()["errors"][0]["loc"] == ["query", "limit"]

    def test_integration_client_sees_its_county(self, client, db):
        c = make_client(db, COUNTY, ["registry:read"])
        r = client.get(f"/api/v1/regions/{VILLAGE}", headers=auth(c))
        assert r.status_code == 200
        assert (
            client.get(f"/api/v1/regions/{OTHER_COUNTY_VILLAGE}", headers=auth(c)).status_code
            == 404
        )


class TestLoader:
    def test_loading_twice_changes_nothing(self, db):
        rows = read_region_file(REGION_DIR / "431127.csv")
        report = load_regions(db, rows)
        assert report.created == 0
        assert report.updated == 0
        assert report.unchanged == len(rows)

    def test_renamed_region_is_updated(self, db):
        rows = read_region_file(REGION_DIR / "431127.csv")
        for row in rows:
            if row["code"] == VILLAGE:
                row["name"] = "南风坳村"
        report = load_regions(db, rows)
        assert report.updated == 1
        assert db.get(Region, VILLAGE).name == "南风坳村"

    def test_village_not_under_its_parent_is_refused(self, tmp_path: Path):
        f = tmp_path / "bad.csv"
        f.write_text(
            "code,name,level,parent_code\n431127104999,某村,village,431127100\n", encoding="utf-8"
        )
        with pytest.raises(RegionFileError, match="not under its parent"):
            read_region_file(f)

    def test_code_of_wrong_length_is_refused(self, tmp_path: Path):
        f = tmp_path / "bad.csv"
        f.write_text(
            "code,name,level,parent_code\n4311271,某镇,township,431127\n", encoding="utf-8"
        )
        with pytest.raises(RegionFileError, match="does not fit"):
            read_region_file(f)

    def test_cli_loads_file_idempotently(self, database_url, tmp_path: Path, engine):
        from eldercare.cli import main

        f = tmp_path / "extra.csv"
        f.write_text(
            "code,name,level,parent_code\n"
            "990000,测试省,province,\n990100,测试市,prefecture,990000\n"
            "990101,测试县,county,990100\n990101100,测试镇,township,990101\n",
            encoding="utf-8",
        )
        try:
            assert main(["regions", "load", str(f)]) == 0
            assert main(["regions", "load", str(f)]) == 0
            from sqlalchemy.orm import Session

            with Session(engine) as s:
                assert s.get(Region, "990101100").name == "测试镇"
        finally:
            from sqlalchemy import delete
            from sqlalchemy.orm import Session

            with Session(engine) as s, s.begin():
                s.execute(delete(Region).where(Region.code.startswith("99")))
