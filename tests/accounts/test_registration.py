"""Citizen self-registration (公众注册) on the page and through the API: the phone is proved with a code first."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.accounts.conftest import latest_login_code
from tests.factories import CitizenFactory, make_resident_id
from yiwang.accounts.actions import do_register_citizen, do_request_registration_code
from yiwang.accounts.models import AssuranceLevel, CodePurpose, OneTimeCode, User, UserKind
from yiwang.core.models import AuditRecord
from yiwang.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _registry_agrees() -> Iterator[None]:
    """The population registry confirms every name (except 查无此人): these tests are about the phone code."""
    with override_settings(IDENTITY_VERIFIER="tests.accounts.fakes.AgreeingVerifier"):
        yield


def texted_code(phone: str) -> str:
    """Ask for a registration code for ``phone`` (as the "Send code" button does) and read the text."""
    assert not do_request_registration_code(phone).throttled
    return latest_login_code(phone)


GOOD = {
    "real_name": "王小明",
    "resident_id": make_resident_id(7),
    "phone": "13912345678",
    "password": "lanterns-on-the-river",
    "password_confirmation": "lanterns-on-the-river",
}
BAD_CHECK_DIGIT = GOOD["resident_id"][:17] + ("0" if GOOD["resident_id"][17] != "0" else "1")


def test_registering_logs_in_with_level_one_and_sends_welcome(client: Client) -> None:
    sent = client.post(reverse("accounts:register"), {**GOOD, "send_code": "1"})
    assert sent.status_code == 200
    assert "验证码已发送至 139****5678" in sent.content.decode()
    assert not User.objects.exists()
    code = latest_login_code(GOOD["phone"])

    response = client.post(reverse("accounts:register"), {**GOOD, "code": code})

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
        code=texted_code("13700000001"),
    )
    assert user.claimed_resident_id == resident_id


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
    code = texted_code(GOOD["phone"])
    response = client.post(reverse("accounts:register"), {**GOOD, "code": code, **changes})

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert not AuditRecord.objects.filter(action__startswith="accounts.").exists()
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
    response = client.post(reverse("accounts:register"), {**GOOD, "code": "123456"})

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert User.objects.count() == 1


# --- API ---------------------------------------------------------------------------------------------------

API = "/api/v1/accounts/register"
API_CODE = "/api/v1/accounts/register/code"
API_GOOD = {key: value for key, value in GOOD.items() if key != "password_confirmation"}


def post_json(client: Client, url: str, body: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def api_body(**changes: str) -> dict[str, str]:
    """A registration body with a fresh code texted to its phone."""
    body = {**API_GOOD, **changes}
    return {**body, "code": texted_code(body["phone"])}


def test_api_registration_returns_the_profile_without_logging_in(client: Client) -> None:
    asked = post_json(client, API_CODE, {"phone": GOOD["phone"]})
    assert asked.status_code == 202, asked.content
    assert asked.json()["retry_after_seconds"] == 60
    code = latest_login_code(GOOD["phone"])

    response = post_json(client, API, {**API_GOOD, "code": code})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["real_name"] == "王小明"
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
    response = post_json(client, API, {**API_GOOD, "code": "123456", **changes})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert any(error["field"] == field and message in error["message"] for error in errors), errors
    assert not User.objects.exists()


def test_api_duplicate_phone_is_a_422_problem(client: Client) -> None:
    CitizenFactory(phone=GOOD["phone"])
    response = post_json(client, API, {**API_GOOD, "code": "123456"})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "phone", "message": "该手机号码已注册。请用它登录，或换一个号码。"}
    ]


def test_api_requires_a_csrf_token_from_browsers_with_a_session() -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("accounts:login"))  # the page sets the CSRF cookie
    browser.cookies["sessionid"] = "some-session"

    body = api_body()
    refused = post_json(browser, API, body)
    assert refused.status_code == 403
    assert not User.objects.exists()
    assert post_json(browser, API_CODE, {"phone": "13912340000"}).status_code == 403

    token = browser.cookies["csrftoken"].value
    accepted = browser.post(API, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_api_clients_without_cookies_need_no_csrf_token() -> None:
    app = Client(enforce_csrf_checks=True)
    assert post_json(app, API, api_body()).status_code == 201


# --- The phone is proved (issue 10, item 1) ---------------------------------------------------------------


def test_without_the_code_texted_to_the_phone_nobody_registers(client: Client) -> None:
    texted_code(GOOD["phone"])
    page = client.post(reverse("accounts:register"), {**GOOD, "code": "000000"})
    api = post_json(client, API, {**API_GOOD, "code": "000000"})

    assert page.status_code == 200
    assert "验证码错误、已使用或已过期" in " ".join(page.context["form"].errors["code"])
    assert api.status_code == 422
    assert [error["field"] for error in api.json()["errors"]] == ["code"]
    assert not User.objects.exists()


def test_a_code_for_another_number_or_purpose_does_not_register(client: Client) -> None:
    other = texted_code("13912340000")
    assert post_json(client, API, {**API_GOOD, "code": other}).status_code == 422

    CitizenFactory(phone="13700001111")
    client.post(reverse("accounts:login_code_request"), {"phone": "13700001111"})
    login_code = latest_login_code("13700001111")
    refused = post_json(client, API, {**API_GOOD, "phone": "13700001111", "code": login_code})
    assert refused.status_code == 422
    assert User.objects.count() == 1


def test_the_code_is_good_once() -> None:
    code = texted_code(GOOD["phone"])
    first = {**API_GOOD, "code": code}
    do_register_citizen(**first)
    User.objects.all().delete()
    with pytest.raises(Exception, match="验证码"):
        do_register_citizen(**first)


def test_the_registration_code_text_says_what_it_is_for() -> None:
    texted_code(GOOD["phone"])
    text = Notification.objects.get(channel="sms", to_address=GOOD["phone"])
    assert text.template.key == "registration-code"
    assert "注册" in text.body
    stored = OneTimeCode.objects.get(phone=GOOD["phone"])
    assert stored.purpose == CodePurpose.REGISTRATION
    assert latest_login_code(GOOD["phone"]) not in stored.code_hash


def test_a_registered_number_gets_the_same_answer_but_no_text(client: Client) -> None:
    CitizenFactory(phone=GOOD["phone"])
    taken = post_json(client, API_CODE, {"phone": GOOD["phone"]})
    free = post_json(client, API_CODE, {"phone": "13912340000"})
    assert taken.status_code == free.status_code == 202
    assert taken.json()["detail"].replace("5678", "0000") == free.json()["detail"]
    assert not Notification.objects.filter(channel="sms", to_address=GOOD["phone"]).exists()


def test_asking_again_at_once_is_a_429_with_retry_after(client: Client) -> None:
    assert post_json(client, API_CODE, {"phone": GOOD["phone"]}).status_code == 202
    again = post_json(client, API_CODE, {"phone": GOOD["phone"]})
    assert again.status_code == 429
    assert again["Content-Type"] == "application/problem+json"
    assert 0 < int(again["Retry-After"]) <= 61
    page = client.post(reverse("accounts:register"), {**GOOD, "send_code": "1"})
    assert "秒后可重新获取" in page.content.decode()
    assert Notification.objects.filter(channel="sms", to_address=GOOD["phone"]).count() == 1


def test_send_code_keeps_what_was_typed_except_passwords(client: Client) -> None:
    page = client.post(reverse("accounts:register"), {**GOOD, "send_code": "1"}).content.decode()
    assert 'value="王小明"' in page
    assert f'value="{GOOD["resident_id"]}"' in page
    assert "lanterns-on-the-river" not in page


def test_send_code_with_a_bad_number_says_so_and_texts_nothing(client: Client) -> None:
    page = client.post(reverse("accounts:register"), {**GOOD, "phone": "1391234567", "send_code": "1"})
    assert "手机号码为11位数字" in page.content.decode()
    assert not Notification.objects.filter(channel="sms").exists()
