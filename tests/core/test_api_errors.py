# ruff: noqa: F811  (the cases and hotline fixtures are imported, then named as test arguments)
"""Every error of the API is RFC 9457 problem+json: the three 500s found, 405, 413, 401 for a bad token on a POST,
429, an uncaught exception, someone else's object (404 like a missing one), and the OpenAPI declaring them."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cases.conftest import PDF, World, licence_process, upload_dir, world  # noqa: F401 (fixtures)
from tests.factories import CitizenFactory
from tests.hotline.conftest import Hotline, hotline, router  # noqa: F401 (fixtures)
from yiwang.accounts.actions import do_create_api_token
from yiwang.accounts.models import ApiToken, User
from yiwang.core.errors import RateLimited
from yiwang.core.pagination import MAX_LIMIT, MAX_OFFSET, MAX_PAGE

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    assert "Traceback" not in response.content.decode()
    return body


def logged_in(user: User, **client_options: Any) -> Client:
    client = Client(**client_options)
    client.force_login(user)
    return client


# --- The three 500s, and pagination in general --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/services?offset=99999999999999999999",
        "/api/v1/me/data-access?offset=-1",
        "/api/v1/me/notifications?page=9223372036854775807",
    ],
)
def test_out_of_range_pagination_is_a_422_problem_not_a_500(url: str) -> None:
    body = problem(logged_in(CitizenFactory()).get(url), 422)
    assert body["errors"][0]["field"] in {"offset", "page"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["limit", "offset", "page"]),
    value=st.one_of(st.integers(), st.integers(min_value=-(10**30), max_value=10**30), st.text(max_size=5)),
    path=st.sampled_from(["/api/v1/services", "/api/v1/me/notifications", "/api/v1/hotline/qa"]),
)
def test_any_pagination_value_is_answered_or_refused_never_a_500(name: str, value: Any, path: str) -> None:
    client = logged_in(CitizenFactory())
    response = client.get(path, {name: value})
    in_range = {"limit": (1, MAX_LIMIT), "offset": (0, MAX_OFFSET), "page": (1, MAX_PAGE)}[name]
    if isinstance(value, int) and in_range[0] <= value <= in_range[1]:
        assert response.status_code == 200
    else:
        assert response.status_code in (200, 422)  # e.g. "+5" or " 7" are integers to the parser
        if response.status_code == 422:
            problem(response, 422)


def test_every_list_pages_the_same_way() -> None:
    citizen = CitizenFactory()
    client = logged_in(citizen)
    from yiwang.notify.actions import do_send_notification
    from yiwang.notify.models import Channel

    for n in range(5):
        do_send_notification("welcome", Channel.INBOX, recipient=citizen, personalisation={"name": f"第{n}"})
    assert len(client.get("/api/v1/me/notifications", {"limit": 2}).json()["items"]) == 2
    assert len(client.get("/api/v1/me/notifications", {"limit": 2, "page": 3}).json()["items"]) == 1
    assert len(client.get("/api/v1/me/notifications", {"limit": 2, "offset": 4}).json()["items"]) == 1
    assert client.get("/api/v1/me/notifications", {"limit": 2, "offset": 4}).json()["count"] == 5
    problem(client.get("/api/v1/services", {"limit": MAX_LIMIT + 1}), 422)


# --- 405, unknown paths, uncaught exceptions ----------------------------------------------------------------------------


def test_wrong_method_is_a_405_problem_with_allow() -> None:
    response = logged_in(CitizenFactory()).put("/api/v1/me")
    problem(response, 405)
    assert "GET" in response["Allow"]


def test_unknown_api_path_is_a_404_problem() -> None:
    problem(Client().get("/api/v1/no-such-thing"), 404)


def test_an_uncaught_exception_is_a_logged_500_problem_without_the_details(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("secret internals 42")

    monkeypatch.setattr("yiwang.catalog.queries.public_bundles", broken)
    with caplog.at_level(logging.ERROR, logger="yiwang.api"):
        response = Client().get("/api/v1/bundles")
    body = problem(response, 500)
    assert "secret internals" not in response.content.decode()
    assert body["request_id"] == response["X-Request-ID"]
    (record,) = [r for r in caplog.records if r.name == "yiwang.api"]
    assert record.exc_info and "secret internals 42" in str(record.exc_info[1])


def test_rate_limited_is_a_429_problem_with_retry_after_and_a_chinese_title(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def limited() -> None:
        raise RateLimited("同一地址请求过多。", retry_after=42)

    monkeypatch.setattr("yiwang.catalog.queries.public_bundles", limited)
    response = Client().get("/api/v1/bundles")
    body = problem(response, 429)
    assert response["Retry-After"] == "42" and body["retry_after_seconds"] == 42
    assert body["title"] == "请求过于频繁，请稍后再试。" and body["detail"] == "同一地址请求过多。"


# --- Bodies over the limit, and the documented upload limits reachable ------------------------------------------------


def test_a_body_over_the_limit_is_a_413_problem_before_it_is_read(settings: Any) -> None:
    settings.REQUEST_BODY_MAX_BYTES = 1000
    response = Client().post("/api/v1/tickets", "x" * 1001, content_type="application/json")
    body = problem(response, 413)
    assert body["title"] == "请求内容过大。" and body["max_bytes"] == 1000
    page = Client().post("/hotline/new/", {"text": "x" * 2000})
    assert page.status_code == 413 and "上传的内容过大" in page.content.decode()


def test_the_default_limit_fits_the_documented_uploads_as_base64(settings: Any) -> None:
    largest = max(settings.CASE_UPLOAD_MAX_BYTES, 5 * settings.HOTLINE_ATTACHMENT_MAX_BYTES)
    assert largest * 4 / 3 + 64 * 1024 <= settings.REQUEST_BODY_MAX_BYTES
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.REQUEST_BODY_MAX_BYTES


def test_a_ten_megabyte_material_reaches_the_api_as_json_and_as_multipart(
    world: World, settings: Any
) -> None:
    ten_mb = PDF + b"\x00" * (settings.CASE_UPLOAD_MAX_BYTES - len(PDF))
    client = logged_in(world.citizen)
    created = client.post(
        "/api/v1/applications",
        {
            "item": world.item.implementation_code,
            "submit": False,
            "materials": [
                {
                    "name": "申请书",
                    "files": [{"filename": "a.pdf", "content_base64": base64.b64encode(ten_mb).decode()}],
                }
            ],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content[:300]
    application = created.json()
    plan = next(m for m in application["materials"] if m["name"] == "场所平面图")
    upload = client.post(
        f"/api/v1/applications/{application['id']}/materials/{plan['id']}",
        {"file": _named_file("plan.pdf", ten_mb)},
    )
    assert upload.status_code == 201, upload.content[:300]
    too_big = client.post(
        f"/api/v1/applications/{application['id']}/materials/{plan['id']}",
        {"file": _named_file("big.pdf", ten_mb + b"\x00")},
    )
    problem(too_big, 422)


def _named_file(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_five_megabyte_attachments_reach_the_hotline_api(hotline: Hotline, settings: Any) -> None:
    five_mb = base64.b64encode(PDF + b"\x00" * (settings.HOTLINE_ATTACHMENT_MAX_BYTES - len(PDF))).decode()
    response = Client().post(
        "/api/v1/tickets",
        {
            "kind": "help",
            "text": "小区门口的路灯坏了一个星期，晚上很黑。",
            "division": hotline.division.code,
            "attachments": [{"filename": f"{n}.pdf", "content_base64": five_mb} for n in range(2)],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content[:300]


# --- Authentication: 401 for tokens, 403 only for a session without CSRF ---------------------------------------------


def test_a_missing_wrong_expired_or_revoked_token_on_a_post_is_401_not_a_csrf_403() -> None:
    citizen = CitizenFactory()
    expired = do_create_api_token(citizen, "old", 1)
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    revoked = do_create_api_token(citizen, "revoked", 1)
    ApiToken.objects.filter(pk=revoked.token.pk).update(revoked_at=timezone.now())
    strict = Client(enforce_csrf_checks=True)
    body = {"purpose": "case_handling"}
    for headers in ({}, {"Authorization": "Bearer yw_wrong"}, {"Authorization": f"Bearer {expired.raw}"},
                    {"Authorization": f"Bearer {revoked.raw}"}, {"Authorization": "Bearer"}):  # fmt: skip
        response = strict.post("/api/v1/me/consents", body, content_type="application/json", headers=headers)
        problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
    # A browser session does not rescue a bad token: the token alone decides.
    session = logged_in(citizen, enforce_csrf_checks=True)
    problem(session.post("/api/v1/me/consents", body, content_type="application/json",
                         headers={"Authorization": "Bearer yw_wrong"}), 401)  # fmt: skip


def test_a_valid_token_needs_no_csrf_and_a_session_post_without_csrf_is_a_clear_403() -> None:
    citizen = CitizenFactory()
    token = do_create_api_token(citizen, "app", 1).raw
    strict = Client(enforce_csrf_checks=True)
    created = strict.post("/api/v1/me/consents", {"purpose": "case_handling"}, content_type="application/json",
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert created.status_code == 201, created.content
    session = logged_in(citizen, enforce_csrf_checks=True)
    body = problem(
        session.post("/api/v1/me/consents", {"purpose": "case_handling"}, content_type="application/json"),
        403,
    )
    assert body["type"].endswith("/csrf") and "刷新页面" in body["detail"]


# --- Someone else's object is a 404 exactly like a missing one -----------------------------------------------------------


def _same_problem(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ignore = {"instance", "request_id"}
    return {k: v for k, v in a.items() if k not in ignore} == {k: v for k, v in b.items() if k not in ignore}


def test_another_persons_objects_answer_404_like_missing_ones(world: World, hotline: Hotline) -> None:
    owner = logged_in(world.citizen)
    application = owner.post(
        "/api/v1/applications",
        {"item": world.item.implementation_code, "submit": False},
        content_type="application/json",
    ).json()
    ticket = owner.post(
        "/api/v1/tickets",
        {"kind": "help", "text": "小区门口的路灯坏了一个星期。", "division": hotline.division.code},
        content_type="application/json",
    ).json()
    consent = owner.post(
        "/api/v1/me/consents", {"purpose": "case_handling"}, content_type="application/json"
    ).json()
    stranger = logged_in(CitizenFactory())
    pairs: list[tuple[Callable[[], Any], Callable[[], Any]]] = [
        (lambda: stranger.get(f"/api/v1/applications/{application['id']}"),
         lambda: stranger.get("/api/v1/applications/999999")),
        (lambda: stranger.post(f"/api/v1/applications/{application['id']}/actions", {"action": "withdraw"},
                               content_type="application/json"),
         lambda: stranger.post("/api/v1/applications/999999/actions", {"action": "withdraw"},
                               content_type="application/json")),
        (lambda: stranger.get(f"/api/v1/tickets/{ticket['number']}"),
         lambda: stranger.get("/api/v1/tickets/GD00000000000000")),
        (lambda: stranger.post(f"/api/v1/me/consents/{consent['id']}/withdraw"),
         lambda: stranger.post("/api/v1/me/consents/999999/withdraw")),
    ]  # fmt: skip
    for theirs, missing in pairs:
        assert _same_problem(problem(theirs(), 404), problem(missing(), 404))
    assert owner.get(f"/api/v1/applications/{application['id']}").status_code == 200


def test_a_citizen_at_a_staff_endpoint_still_gets_403() -> None:
    problem(logged_in(CitizenFactory()).get("/api/v1/work-items"), 403)


# --- The OpenAPI declares the errors ---------------------------------------------------------------------------------------


def test_openapi_declares_problem_responses_for_every_operation() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert set(schema["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status"}
    operations = [(m, op) for ops in schema["paths"].values() for m, op in ops.items()]
    assert len(operations) > 40
    for method, operation in operations:
        responses = operation["responses"]
        expected = {"429"}
        if operation.get("security"):
            expected |= {"401", "403"}
        if method in {"post", "put", "patch", "delete"}:
            expected |= {"403", "404", "409", "422"}
        if "requestBody" in operation:
            expected |= {"400", "413", "422"}
        if operation.get("parameters"):
            expected |= {"404", "422"}
        assert expected <= set(responses), (method, operation["operationId"])
        for status in expected:
            assert "application/problem+json" in responses[status]["content"]
    assert "Retry-After" in schema["paths"]["/api/v1/bundles"]["get"]["responses"]["429"]["headers"]
