"""Login with a one-time SMS code (短信验证码登录): hashing, throttling, expiry, single use, attempt limits."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.accounts.conftest import latest_login_code
from tests.factories import CitizenFactory, StaffFactory
from yiwang.accounts.actions import do_request_login_code, do_use_login_code
from yiwang.accounts.models import OneTimeCode as LoginCode
from yiwang.notify.models import Notification

pytestmark = pytest.mark.django_db

PHONE = "13700001111"


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_code_is_texted_and_only_its_hash_is_kept() -> None:
    CitizenFactory(phone=PHONE)
    do_request_login_code(PHONE)

    code = latest_login_code(PHONE)
    stored = LoginCode.objects.get(phone=PHONE)
    assert code not in stored.code_hash
    assert len(stored.code_hash) == 64
    assert abs(stored.expires_at - stored.created_at - timedelta(seconds=300)) < timedelta(seconds=1)


def test_unregistered_numbers_get_the_same_answer_but_no_text(client: Client) -> None:
    CitizenFactory(phone=PHONE)
    registered = client.post(reverse("accounts:login_code_request"), {"phone": PHONE}, follow=True)
    unknown = client.post(reverse("accounts:login_code_request"), {"phone": "13700002222"}, follow=True)

    assert registered.status_code == unknown.status_code == 200
    expected = "如该号码已注册，验证码已发送，5 分钟内有效。"
    assert expected in registered.content.decode()
    assert expected in unknown.content.decode()
    assert Notification.objects.filter(channel="sms", to_address=PHONE).count() == 1
    assert not Notification.objects.filter(channel="sms", to_address="13700002222").exists()


def test_staff_never_get_login_codes() -> None:
    StaffFactory(phone=PHONE)
    do_request_login_code(PHONE)
    assert not Notification.objects.filter(channel="sms").exists()


def test_resend_is_throttled_per_number_whether_registered_or_not() -> None:
    CitizenFactory(phone=PHONE)
    assert not do_request_login_code(PHONE).throttled
    again = do_request_login_code(PHONE)
    assert again.throttled and 0 < again.retry_after_seconds <= 61
    assert not do_request_login_code("13700002222").throttled
    assert do_request_login_code("13700002222").throttled
    assert Notification.objects.filter(channel="sms", to_address=PHONE).count() == 1

    LoginCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    assert not do_request_login_code(PHONE).throttled


def test_the_right_code_logs_in_once(client: Client) -> None:
    citizen = CitizenFactory(phone=PHONE, real_name="钱七")
    client.post(reverse("accounts:login_code_request"), {"phone": PHONE})
    code = latest_login_code(PHONE)

    response = client.post(reverse("accounts:login_code"), {"phone": PHONE, "code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)
    assert "钱七" in client.get(reverse("portal:home")).content.decode()

    client.logout()
    reused = client.post(reverse("accounts:login_code"), {"phone": PHONE, "code": code})
    assert reused.status_code == 200
    assert "验证码错误、已使用或已过期" in reused.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_expired_code_is_refused() -> None:
    CitizenFactory(phone=PHONE)
    do_request_login_code(PHONE)
    LoginCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert do_use_login_code(PHONE, latest_login_code(PHONE)) is None


def test_only_the_newest_code_counts() -> None:
    CitizenFactory(phone=PHONE)
    do_request_login_code(PHONE)
    first = latest_login_code(PHONE)
    LoginCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    do_request_login_code(PHONE)
    second = latest_login_code(PHONE)
    if first != second:
        assert do_use_login_code(PHONE, first) is None
    assert do_use_login_code(PHONE, second) is not None


@hypothesis_settings(max_examples=20, deadline=None)
@given(wrong_attempts=st.integers(min_value=0, max_value=8))
def test_the_right_code_works_only_within_the_attempt_limit(wrong_attempts: int) -> None:
    citizen = CitizenFactory()  # a fresh number for every example
    phone = citizen.phone
    do_request_login_code(phone)
    code = latest_login_code(phone)

    for _ in range(wrong_attempts):
        assert do_use_login_code(phone, wrong_code(code)) is None
    result = do_use_login_code(phone, code)

    assert (result == citizen) is (wrong_attempts < settings.LOGIN_CODE_MAX_ATTEMPTS)
    stored = LoginCode.objects.get(phone=phone)
    assert stored.attempts == min(wrong_attempts + 1, settings.LOGIN_CODE_MAX_ATTEMPTS)


def test_api_login_code_answers_alike_and_throttles(client: Client) -> None:
    CitizenFactory(phone=PHONE)
    url = "/api/v1/auth/login-code"
    registered = client.post(url, json.dumps({"phone": PHONE}), content_type="application/json")
    unknown = client.post(url, json.dumps({"phone": "13700002222"}), content_type="application/json")

    assert registered.status_code == unknown.status_code == 202
    assert registered.json() == unknown.json()

    throttled = client.post(url, json.dumps({"phone": PHONE}), content_type="application/json")
    assert throttled.status_code == 429
    assert throttled["Content-Type"] == "application/problem+json"
    assert int(throttled["Retry-After"]) > 0


def test_api_login_code_rejects_a_bad_number(client: Client) -> None:
    response = client.post(
        "/api/v1/auth/login-code", json.dumps({"phone": "1380013800"}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "phone"
    assert not LoginCode.objects.exists()
