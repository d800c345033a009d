"""If-Match as RFC 9110 defines it: `*`, lists of tags, strong comparison."""

from __future__ import annotations

import pytest
from eldercare.concurrency import (
    check_version,
    expected_version,
    optional_version,
    parse_if_match,
)
from eldercare.errors import PreconditionFailed

from tests.factories import VILLAGE, auth, make_elder, make_user


def test_parse():
    assert parse_if_match('"3"') == 3
    assert parse_if_match("3") == 3  # lenient: a bare version
    check_version(7, parse_if_match("*"))  # any current version
    several = parse_if_match('"1", "2" ,"5"')
    for v in (1, 2, 5):
        check_version(v, several)
    with pytest.raises(PreconditionFailed):
        check_version(3, several)
    for weak in ('W/"2"', 'W/"1", W/"2"'):  # strong comparison: a weak tag never matches
        with pytest.raises(PreconditionFailed):
            check_version(2, parse_if_match(weak))
    check_version(2, parse_if_match('W/"2", "2"'))
    for bad in ('"x"', '"2', "", '"1",, "2"'):
        with pytest.raises(PreconditionFailed):
            check_version(2, parse_if_match(bad))


def test_body_version_with_a_header():
    assert expected_version('"1", "2"', 2) == 2
    assert expected_version("*", 4) == 4
    with pytest.raises(PreconditionFailed):
        expected_version('"1", "2"', 3)


def test_an_optional_version_is_none_only_when_neither_is_given():
    assert optional_version(None, None) is None
    assert optional_version('"3"', None) == 3
    assert optional_version(None, 4) == 4
    with pytest.raises(PreconditionFailed):
        optional_version('"1"', 2)


@pytest.fixture
def elder_and_worker(db):
    return make_elder(db, VILLAGE), make_user(db, "village_worker", VILLAGE)


def patch(client, elder, worker, if_match: str, notes: str):
    return client.patch(
        f"/api/v1/elders/{elder.id}",
        json={"notes": notes},
        headers={**auth(worker), "If-Match": if_match},
    )


def test_star_writes_whatever_the_version(client, elder_and_worker):
    elder, worker = elder_and_worker
    r = patch(client, elder, worker, "*", "一")
    assert r.status_code == 200, r.text
    r = patch(client, elder, worker, "*", "二")
    assert r.status_code == 200, r.text
    assert r.json()["notes"] == "二"


def test_a_weak_tag_does_not_match(client, elder_and_worker):
    elder, worker = elder_and_worker
    etag = client.get(f"/api/v1/elders/{elder.id}", headers=auth(worker)).headers["etag"]
    r = patch(client, elder, worker, f"W/{etag}", "弱")
    assert r.status_code == 412, r.text
    assert r.json()["code"] == "precondition_failed"


def test_a_list_matches_if_any_tag_does(client, elder_and_worker):
    elder, worker = elder_and_worker
    etag = client.get(f"/api/v1/elders/{elder.id}", headers=auth(worker)).headers["etag"]
    assert patch(client, elder, worker, '"98", "99"', "否").status_code == 412
    r = patch(client, elder, worker, f'"98", {etag}', "是")
    assert r.status_code == 200, r.text


def test_star_deletes_a_guardian(client, db, elder_and_worker):
    elder, worker = elder_and_worker
    r = client.post(
        f"/api/v1/elders/{elder.id}/guardians",
        json={"name": "王强", "relation": "son"},
        headers=auth(worker),
    )
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    r = client.delete(f"/api/v1/guardians/{gid}", headers={**auth(worker), "If-Match": "*"})
    assert r.status_code == 204, r.text
