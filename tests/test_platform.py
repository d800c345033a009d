"""Health, request ids, problem details, languages, security headers, settings, logs."""

from __future__ import annotations

import gc
import json
import logging

import pytest
from eldercare.config import Settings
from eldercare.i18n import MESSAGES, negotiate
from eldercare.logs import RedactingJsonFormatter, redact
from pydantic import ValidationError

from tests.factories import auth, make_user


class TestHealth:
    def test_start_up_objects_are_frozen_out_of_the_collector(self, client):
        # Once the app has started, what start-up made sits in the permanent generation,
        # so full collections during large imports no longer walk it.
        assert gc.get_freeze_count() > 100_000

    def test_healthz(self, client):
        assert client.get("/healthz").json()["status"] == "ok"

    def test_readyz_when_migrated(self, client):
        r = client.get("/readyz")
        assert r.status_code == 200
        assert r.json() == {"status": "ok", "database": "ok"}

    def test_readyz_is_503_when_migrations_are_pending(self, client, monkeypatch):
        from eldercare import migrate

        monkeypatch.setattr(migrate, "head_revisions", lambda: frozenset({"not-yet-applied"}))
        r = client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["database"] == "migrations pending"


class TestRequestId:
    def test_generated_and_echoed(self, client):
        r = client.get("/healthz")
        assert len(r.headers["x-request-id"]) == 32

    def test_accepted_from_the_caller(self, client):
        r = client.get("/healthz", headers={"X-Request-ID": "county-sync-42"})
        assert r.headers["x-request-id"] == "county-sync-42"

    def test_unsafe_value_is_replaced(self, client):
        r = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
        assert r.headers["x-request-id"] != "bad id\twith spaces"

    def test_value_carrying_an_id_number_or_phone_is_replaced(self, client):
        for value in ("trace-11010519491231002X", "call-13912345678"):
            r = client.get("/healthz", headers={"X-Request-ID": value})
            assert r.headers["x-request-id"] != value

    @pytest.mark.parametrize(
        "value", [b"forged\n", b"a\nfake-log-line", b"x" * 65, b"\xe4\xb8\xad", b""]
    )
    def test_value_outside_the_safe_pattern_is_never_used(self, value):
        """Raw ASGI (an HTTP client would refuse to send some of these)."""
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        from eldercare.middleware import RequestContextMiddleware

        seen = {}

        async def app(scope, receive, send):
            seen["state"] = scope["state"]["request_id"]
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        sent = []

        async def send(message):
            sent.append(message)

        async def receive():
            return {"type": "http.request", "body": b""}

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/healthz",
            "headers": [(b"x-request-id", value)],
        }
        # In a thread of its own: a browser test earlier in the run may leave this thread's
        # event loop running.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, RequestContextMiddleware(app)(scope, receive, send)).result()
        echoed = dict(sent[0]["headers"])[b"x-request-id"]
        assert echoed != value
        assert seen["state"] == echoed.decode()
        assert len(echoed) == 32

    def test_problem_body_carries_the_request_id(self, client):
        r = client.get("/api/v1/auth/me", headers={"X-Request-ID": "trace-1"})
        assert r.json()["request_id"] == "trace-1"


class TestProblemDetails:
    def test_unknown_route_is_a_problem_404(self, client):
        r = client.get("/api/v1/nothing-here")
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert set(body) >= {"type", "title", "status", "detail", "code", "errors"}
        assert body["code"] == "route_not_found"

    def test_method_not_allowed(self, client):
        r = client.delete("/api/v1/auth/me")
        assert r.status_code == 405
        assert r.json()["code"] == "method_not_allowed"

    def test_validation_errors_list_each_field_in_chinese_by_default(self, client, db):
        admin = make_user(db, "county_admin", "431127")
        r = client.post("/api/v1/users", headers=auth(admin), json={"username": "ab", "role": "x"})
        assert r.status_code == 422
        errors = {tuple(e["loc"]): e for e in r.json()["errors"]}
        assert errors[("body", "username")]["code"] == "string_too_short"
        assert errors[("body", "username")]["message"] == "长度至少 3 个字符"
        assert errors[("body", "password")]["code"] == "missing"
        assert errors[("body", "password")]["message"] == "必填"
        assert r.headers["content-language"] == "zh-CN"

    def test_same_codes_in_english(self, client, db):
        admin = make_user(db, "county_admin", "431127")
        r = client.post("/api/v1/users", headers=auth(admin, "en"), json={"username": "ab"})
        errors = {tuple(e["loc"]): e for e in r.json()["errors"]}
        assert errors[("body", "username")]["message"] == "At least 3 characters"
        assert r.json()["detail"] == "Some fields are invalid"

    def test_security_headers(self, client):
        r = client.get("/healthz")
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in r.headers["content-security-policy"]


class TestLanguage:
    @pytest.mark.parametrize(
        ("header", "lang"),
        [
            (None, "zh-CN"),
            ("en", "en"),
            ("en-US,en;q=0.9", "en"),
            ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
            ("fr-FR", "zh-CN"),
            ("fr, en;q=0.5", "en"),
            ("en;q=0.2, zh;q=0.9", "zh-CN"),
        ],
    )
    def test_negotiate(self, header, lang):
        assert negotiate(header) == lang

    def test_every_message_exists_in_both_languages(self):
        for code, (zh, en) in MESSAGES.items():
            assert zh, code
            assert en, code
            assert zh != en, code


class TestSettings:
    def test_production_refuses_to_start_without_secret(self, tmp_path):
        with pytest.raises(ValidationError, match="JWT_SECRET is required"):
            Settings(mode="production", jwt_secret="", var_dir=tmp_path)

    @pytest.mark.parametrize("secret", ["secret", "changeme", "x" * 20])
    def test_production_refuses_weak_secret(self, tmp_path, secret):
        with pytest.raises(ValidationError, match="too weak"):
            Settings(mode="production", jwt_secret=secret, var_dir=tmp_path)

    def test_production_accepts_strong_secret(self, tmp_path):
        s = Settings(
            mode="production", jwt_secret="k" * 10 + "Q7v_2LmZp0wXc9RtYb1NsHe4", var_dir=tmp_path
        )
        assert s.mode == "production"

    def test_development_generates_and_keeps_a_secret(self, tmp_path):
        first = Settings(mode="development", jwt_secret="", var_dir=tmp_path).jwt_secret
        second = Settings(mode="development", jwt_secret="", var_dir=tmp_path).jwt_secret
        assert first == second
        assert len(first) >= 32
        assert (tmp_path / "jwt-secret").stat().st_mode & 0o077 == 0

    def test_default_database_is_sqlite_under_var(self, tmp_path):
        s = Settings(var_dir=tmp_path, database_url="", jwt_secret="x" * 40)
        assert s.database_url == f"sqlite:///{tmp_path / 'eldercare.db'}"

    def test_unknown_time_zone_is_refused(self, tmp_path):
        with pytest.raises(ValidationError):
            Settings(var_dir=tmp_path, timezone="Mars/Olympus", jwt_secret="x" * 40)


class TestLogs:
    @pytest.mark.parametrize(
        "secret",
        [
            "11010519491231002X",
            "11010519491231002x",
            "632123820927051",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        ],
    )
    def test_redacts_id_numbers_and_tokens(self, secret):
        assert secret not in redact(f"found {secret} in request")

    def test_keeps_ordinary_numbers(self):
        assert redact("took 1234 ms for 431127104230") == "took 1234 ms for 431127104230"

    def test_mobile_numbers_are_masked(self):
        assert redact("phone 13912345678 called") == "phone 139****5678 called"

    def test_password_fields_are_redacted(self):
        assert "hunter2hunter2" not in redact('{"password": "hunter2hunter2"}')

    def test_formatter_writes_json_with_request_id(self):
        from eldercare.logs import request_id_var

        token = request_id_var.set("rid-9")
        try:
            record = logging.LogRecord(
                "t", logging.INFO, __file__, 1, "elder 34052419800101001X", None, None
            )
            out = json.loads(RedactingJsonFormatter("{message}", style="{").format(record))
        finally:
            request_id_var.reset(token)
        assert out["request_id"] == "rid-9"
        assert "34052419800101001X" not in out["message"]

    @pytest.mark.parametrize(
        "text", ["Authorization: Bearer abc.def-ghi", "secret=s3cr3tvalue", "access_token=xyz123"]
    )
    def test_secrets_after_keywords_are_redacted(self, text):
        assert text.rsplit(" ", 1)[-1].split("=")[-1] not in redact(text)

    def test_request_id_is_logged_unchanged(self):
        # Generated ids are hex and may hold long digit runs; they are not personal data.
        from eldercare.logs import request_id_var

        rid = "a110105194912310021b" + "0" * 12
        token = request_id_var.set(rid)
        try:
            record = logging.LogRecord("t", logging.INFO, __file__, 1, "ok", None, None)
            out = json.loads(RedactingJsonFormatter("{message}", style="{").format(record))
        finally:
            request_id_var.reset(token)
        assert out["request_id"] == rid

    def test_access_lines_are_plain_logging_records(self, monkeypatch):
        import io
        import sys

        from eldercare import logs
        from eldercare.logs import request_id_var

        root = logging.getLogger()
        saved = root.handlers[:], root.level
        stream = io.StringIO()
        monkeypatch.setattr(sys, "stderr", stream)
        heard: list[logging.LogRecord] = []
        listener = logging.Handler()
        listener.emit = heard.append  # type: ignore[method-assign]
        access_logger = logging.getLogger(logs.ACCESS_LOGGER)
        token = request_id_var.set("rid-5")
        try:
            logs.configure("INFO")
            access_logger.addHandler(listener)  # anyone may listen, as to any logger
            logs.access("GET", "/x/11010519491231002X", 200, 1.5)
            access_logger.setLevel(logging.WARNING)
            logs.access("GET", "/quiet", 200, 1.0)  # a level that says no is obeyed
        finally:
            access_logger.removeHandler(listener)
            access_logger.setLevel(logging.NOTSET)
            request_id_var.reset(token)
            root.handlers[:], root.level = saved
        [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
        assert list(line) == [
            "time",
            "level",
            "logger",
            "message",
            "method",
            "path",
            "status",
            "duration_ms",
            "request_id",
        ]
        assert line["logger"] == "eldercare.access"
        assert line["path"] == "/x/[id-number]"
        assert (line["status"], line["duration_ms"], line["request_id"]) == (200, 1.5, "rid-5")
        assert [r.getMessage() for r in heard] == ["request"]

    def test_generated_request_ids_are_unique_hex(self, client):
        ids = {client.get("/healthz").headers["x-request-id"] for _ in range(3)}
        assert len(ids) == 3
        assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)

    def test_opentelemetry_is_off_unless_asked_for(self, monkeypatch):
        from eldercare.config import get_settings
        from eldercare.main import create_app

        for value, expected in (("false", False), ("true", True)):
            monkeypatch.setenv("ELDERCARE_OPENTELEMETRY", value)
            get_settings.cache_clear()
            try:
                assert create_app()._native_telemetry.config["tracing"] is expected
            finally:
                get_settings.cache_clear()

    def test_access_log_has_no_query_string(self, client, caplog):
        caplog.set_level(logging.INFO, logger="eldercare.access")
        client.get("/healthz?q=11010519491231002X")
        lines = [r for r in caplog.records if r.name == "eldercare.access"]
        assert lines
        assert all("11010519491231002X" not in str(r.__dict__) for r in lines)


class TestCompression:
    def test_answers_are_gzipped_for_clients_that_accept_it(self, client):
        r = client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in r.headers["vary"].lower()
        plain = client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert int(r.headers["content-length"]) < len(plain.content) / 4
        assert plain.json() == r.json()

    def test_small_answers_are_sent_as_they_are(self, client):
        r = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in r.headers
