"""Password login (密码登录), logout and the lockout after repeated failures (账户锁定)."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.accounts.conftest import PASSWORD, latest_login_code
from tests.factories import CitizenFactory
from yiwang.accounts.actions import do_request_login_code
from yiwang.accounts.views import locked_out
from yiwang.core.models import AuditRecord
from yiwang.notify.models import Notification

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.parametrize("identifier", ["phone", "resident_id", "resident_id_lower"])
def test_citizens_log_in_with_phone_or_resident_id(client: Client, identifier: str) -> None:
    citizen = CitizenFactory()
    typed = {
        "phone": citizen.phone,
        "resident_id": citizen.resident_id,
        "resident_id_lower": citizen.resident_id.lower(),
    }[identifier]

    response = login(client, typed)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_login_follows_a_safe_next_only(client: Client) -> None:
    citizen = CitizenFactory()
    url = reverse("accounts:login")
    safe = client.post(url, {"username": citizen.phone, "password": PASSWORD, "next": "/inbox/"})
    assert safe["Location"] == "/inbox/"
    client.logout()
    evil = client.post(
        url, {"username": citizen.phone, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert evil["Location"] == reverse("portal:home")


def test_login_and_logout_are_audited_without_secrets(client: Client) -> None:
    citizen = CitizenFactory()
    login(client, citizen.phone)
    client.post(reverse("accounts:logout"))

    records = AuditRecord.objects.filter(object_type="accounts.user", object_id=str(citizen.pk))
    assert [(r.action, r.changes) for r in records] == [
        ("accounts.login", {"method": "password"}),
        ("accounts.logout", {}),
    ]
    assert "_auth_user_id" not in client.session


def test_wrong_password_shows_an_error_and_does_not_log_in(client: Client) -> None:
    citizen = CitizenFactory()
    response = login(client, citizen.phone, "not the password")
    assert response.status_code == 200
    assert "账户或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_even_for_the_right_password(client: Client) -> None:
    citizen = CitizenFactory()
    for _ in range(4):
        assert login(client, citizen.phone, "not the password").status_code == 200

    fifth = login(client, citizen.phone, "not the password")
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "账户已锁定" in page and "锁定 15 分钟" in page

    right = login(client, citizen.phone)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session

    locked = AuditRecord.objects.filter(action="accounts.locked", object_id=str(citizen.pk))
    assert locked.count() == 2
    assert Notification.objects.filter(recipient=citizen, template__key="account-locked").count() == 1


def test_failures_with_the_resident_id_count_against_the_same_account(client: Client) -> None:
    citizen = CitizenFactory()
    for identifier in [citizen.phone, citizen.resident_id] * 2:
        login(client, identifier, "not the password")
    assert login(client, citizen.resident_id, "not the password").status_code == 429
    assert login(client, citizen.phone).status_code == 429


def test_wrong_sms_codes_count_towards_the_lockout(client: Client) -> None:
    citizen = CitizenFactory()
    do_request_login_code(citizen.phone)
    code = latest_login_code(citizen.phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    url = reverse("accounts:login_code")
    for _ in range(4):
        assert client.post(url, {"phone": citizen.phone, "code": wrong}).status_code == 200
    assert client.post(url, {"phone": citizen.phone, "code": wrong}).status_code == 429
    # The sixth attempt is refused by the lockout before the code is even checked.
    assert client.post(url, {"phone": citizen.phone, "code": code}).status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_on_the_api_is_problem_json(client: Client) -> None:
    response = locked_out(RequestFactory().post("/api/v1/anything"))
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["type"].endswith("/locked-out")
    assert "15 分钟" in body["detail"]
    assert response["Retry-After"] == "900"
