"""Citizen self-registration (公众注册) on the page and through the API."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import CitizenFactory, make_resident_id
from yiwang.accounts.actions import do_register_citizen
from yiwang.accounts.models import AssuranceLevel, User, UserKind
from yiwang.core.models import AuditRecord
from yiwang.notify.models import Notification

pytestmark = pytest.mark.django_db

GOOD = {
    "real_name": "王小明",
    "resident_id": make_resident_id(7),
    "phone": "13912345678",
    "password": "lanterns-on-the-river",
    "password_confirmation": "lanterns-on-the-river",
}
BAD_CHECK_DIGIT = GOOD["resident_id"][:17] + ("0" if GOOD["resident_id"][17] != "0" else "1")


def test_registering_logs_in_with_level_one_and_sends_welcome(client: Client) -> None:
    response = client.post(reverse("accounts:register"), GOOD)

    assert response.status_code == 302
    user = User.objects.get(phone="13912345678")
    assert (user.username, user.kind, user.assurance_level) == (
        "13912345678",
        UserKind.CITIZEN,
        AssuranceLevel.L1,
    )
    assert user.check_password("lanterns-on-the-river")
    assert client.session["_auth_user_id"] == str(user.pk)
    welcome = Notification.objects.get(recipient=user, channel="inbox")
    assert "王小明" in welcome.body
    actions = list(
        AuditRecord.objects.filter(object_type="accounts.user", object_id=str(user.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions[:2] == ["accounts.register", "accounts.login"]
    assert "lanterns" not in json.dumps(list(AuditRecord.objects.values_list("changes", flat=True)))
    page = client.get(reverse("portal:home"))
    assert "王小明" in page.content.decode()


def test_resident_id_x_check_digit_is_accepted_in_lower_case() -> None:
    resident_id = next(make_resident_id(n) for n in range(1000) if make_resident_id(n).endswith("X"))
    user = do_register_citizen(
        real_name="赵六",
        resident_id=resident_id.lower(),
        phone="13700000001",
        password="lanterns-on-the-river",
    )
    assert user.resident_id == resident_id


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"resident_id": BAD_CHECK_DIGIT}, "resident_id", "校验码"),
        ({"resident_id": "110101199002301234"}, "resident_id", "出生日期"),
        ({"resident_id": "11010119900101123"}, "resident_id", "18"),
        ({"phone": "12345678901"}, "phone", "11"),
        ({"phone": "1391234567"}, "phone", "11"),
        ({"real_name": "   "}, "real_name", ""),
        ({"password": "12345678", "password_confirmation": "12345678"}, "password", ""),
        ({"password_confirmation": "something-else-entirely"}, "password_confirmation", "不一致"),
    ],
)
def test_bad_input_gets_a_field_error_and_creates_nothing(
    client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    response = client.post(reverse("accounts:register"), {**GOOD, **changes})

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert not AuditRecord.objects.exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("existing", "field", "message"),
    [
        ({"phone": "13912345678"}, "phone", "该手机号码已注册"),
        ({"resident_id": GOOD["resident_id"]}, "resident_id", "该公民身份号码已注册"),
    ],
)
def test_duplicates_are_refused_with_a_clear_field_error(
    client: Client, existing: dict[str, str], field: str, message: str
) -> None:
    CitizenFactory(**existing)
    response = client.post(reverse("accounts:register"), GOOD)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert User.objects.count() == 1


# --- API ---------------------------------------------------------------------------------------------------

API = "/api/v1/accounts/register"
API_GOOD = {key: value for key, value in GOOD.items() if key != "password_confirmation"}


def post_json(client: Client, url: str, body: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_registration_returns_the_profile_without_logging_in(client: Client) -> None:
    response = post_json(client, API, API_GOOD)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["real_name"] == "王小明"
    assert body["resident_id_masked"] == GOOD["resident_id"][:6] + "********" + GOOD["resident_id"][-4:]
    assert body["assurance_level"] == 1
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"resident_id": BAD_CHECK_DIGIT}, "resident_id", "校验码"),
        ({"resident_id": "110101199013011234"}, "resident_id", "出生日期"),
        ({"phone": "23912345678"}, "phone", "手机号码"),
        ({"password": "password"}, "password", ""),
    ],
)
def test_api_bad_input_is_a_422_problem_naming_the_field(
    client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    response = post_json(client, API, {**API_GOOD, **changes})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert any(error["field"] == field and message in error["message"] for error in errors), errors
    assert not User.objects.exists()


def test_api_duplicate_phone_is_a_422_problem(client: Client) -> None:
    CitizenFactory(phone=GOOD["phone"])
    response = post_json(client, API, API_GOOD)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "phone", "message": "该手机号码已注册。请用它登录，或换一个号码。"}
    ]


def test_api_requires_a_csrf_token_from_browsers_with_a_session() -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("accounts:login"))  # the page sets the CSRF cookie
    browser.cookies["sessionid"] = "some-session"

    refused = post_json(browser, API, API_GOOD)
    assert refused.status_code == 403
    assert not User.objects.exists()

    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        API, json.dumps(API_GOOD), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_api_clients_without_cookies_need_no_csrf_token() -> None:
    app = Client(enforce_csrf_checks=True)
    assert post_json(app, API, API_GOOD).status_code == 201
