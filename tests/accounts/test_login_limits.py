"""Limits on logging in (登录限流): SMS codes per number and per address, password spraying across accounts, and an
authenticator throttle that cannot lock a staff member out for good."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import PASSWORD, confirmed_device, current_totp, latest_login_code
from tests.factories import CitizenFactory, StaffFactory
from yiwang.accounts.actions import do_request_login_code, do_verify_totp, totp_throttle_cap
from yiwang.accounts.models import CodePurpose, OneTimeCode
from yiwang.accounts.onetime import do_check_code, do_send_code
from yiwang.core.errors import RateLimited
from yiwang.core.models import AuditRecord
from yiwang.notify.models import Notification

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.66"


def rules(**changes: str) -> dict[str, str]:
    return {**settings.RATE_LIMITS, **{name.replace("_", "-"): spec for name, spec in changes.items()}}


def no_resend_wait() -> dict[str, dict[str, int]]:
    return {purpose: {"resend_seconds": 0} for purpose in CodePurpose.values}


# --- SMS codes ------------------------------------------------------------------------------------------------


@override_settings(RATE_LIMITS=rules(sms_code_per_number="3/hour"))
def test_codes_to_one_number_are_limited_across_every_purpose(client: Client) -> None:
    citizen = CitizenFactory(phone="13700001111")
    with override_settings(ONE_TIME_CODE_POLICY=no_resend_wait()):
        do_request_login_code(citizen.phone)
        do_send_code(CodePurpose.STEP_UP, citizen.phone, recipient=citizen, template="step-up-code")
        do_send_code(CodePurpose.REGISTRATION, citizen.phone, template="registration-code", deliver=False)
        with pytest.raises(RateLimited) as refused:
            do_send_code(CodePurpose.STEP_UP, citizen.phone, scope="other", template="step-up-code")
        assert "发送到该手机号码的验证码过多" in refused.value.message

        api = client.post(
            "/api/v1/auth/login-code", json.dumps({"phone": citizen.phone}), content_type="application/json"
        )
        assert api.status_code == 429
        assert api["Content-Type"] == "application/problem+json"
        assert int(api["Retry-After"]) > 0
        page = client.post(reverse("accounts:login_code_request"), {"phone": citizen.phone})
        assert page.status_code == 429
        assert "请求过于频繁" in page.content.decode()
        assert int(page["Retry-After"]) > 0
    assert Notification.objects.filter(channel="sms", to_address=citizen.phone).count() == 2
    assert OneTimeCode.objects.filter(phone=citizen.phone).count() == 3


@override_settings(RATE_LIMITS=rules(sms_code_per_address="3/hour"))
def test_code_requests_from_one_address_are_limited_whatever_the_numbers() -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    url = reverse("accounts:login_code_request")
    for index in range(3):
        assert attacker.post(url, {"phone": f"1370000200{index}"}).status_code == 302
    assert attacker.post(url, {"phone": "13700002009"}).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.67").post(url, {"phone": "13700002009"}).status_code == 302


def test_a_code_is_checked_only_for_its_own_purpose_and_scope() -> None:
    citizen = CitizenFactory(phone="13700001111")
    do_send_code(
        CodePurpose.DELEGATION, citizen.phone, scope="42", recipient=citizen, template="step-up-code"
    )
    code = latest_login_code(citizen.phone)
    assert not do_check_code(CodePurpose.LOGIN, citizen.phone, code)
    assert not do_check_code(CodePurpose.DELEGATION, citizen.phone, code, scope="43")
    assert do_check_code(CodePurpose.DELEGATION, citizen.phone, code, scope="42")
    assert not do_check_code(CodePurpose.DELEGATION, citizen.phone, code, scope="42")  # single use


def test_a_login_code_typed_in_full_width_digits_works(client: Client) -> None:
    citizen = CitizenFactory(phone="13700001111")
    do_request_login_code(citizen.phone)
    code = latest_login_code(citizen.phone).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post(reverse("accounts:login_code"), {"phone": "１３７００００１１１１", "code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)


# --- Password spraying ----------------------------------------------------------------------------------------


@override_settings(RATE_LIMITS=rules(login_failure_per_address="3/hour"))
def test_password_spraying_from_one_address_is_slowed_and_logged() -> None:
    victims = [CitizenFactory() for _ in range(4)]
    attacker = Client(REMOTE_ADDR=ATTACKER)
    url = reverse("accounts:login")
    for victim in victims[:3]:  # one guess per account: django-axes' per-account lockout never trips
        assert attacker.post(url, {"username": victim.phone, "password": "Spring2026!"}).status_code == 200

    # The fourth account is refused before its password is even checked, right or wrong.
    refused = attacker.post(url, {"username": victims[3].phone, "password": PASSWORD})
    assert refused.status_code == 429
    assert "您所在网络登录失败的次数过多" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in attacker.session

    logged = AuditRecord.objects.get(action="accounts.address_throttled")
    assert logged.object_id == ATTACKER
    assert logged.changes == {"rule": "login-failure-per-address"}

    # The real people, elsewhere, log in as usual.
    citizen = Client(REMOTE_ADDR="198.51.100.9")
    assert citizen.post(url, {"username": victims[3].phone, "password": PASSWORD}).status_code == 302


@override_settings(RATE_LIMITS=rules(login_failure_per_address="2/hour"))
def test_wrong_sms_codes_count_as_failed_logins_of_the_address() -> None:
    citizen = CitizenFactory(phone="13700001111")
    do_request_login_code(citizen.phone)
    attacker = Client(REMOTE_ADDR=ATTACKER)
    url = reverse("accounts:login_code")
    for guess in ("000000", "111111"):
        attacker.post(url, {"phone": citizen.phone, "code": guess})
    assert attacker.post(url, {"phone": citizen.phone, "code": "222222"}).status_code == 429


# --- The authenticator throttle is bounded ---------------------------------------------------------------------


def test_the_device_throttle_never_waits_longer_than_the_cap() -> None:
    """Someone with only the password typed wrong codes for days: django-otp would make the staff member wait
    2^(n-1) seconds (here 2^39 s, 17,000 years). The cap bounds it by OTP_TOTP_THROTTLE_MAX_DELAY_SECONDS."""
    staff = StaffFactory()
    device = confirmed_device(staff)
    cap_seconds = settings.OTP_TOTP_THROTTLE_MAX_DELAY_SECONDS
    assert 2 ** (totp_throttle_cap() - 1) <= cap_seconds < 2 ** totp_throttle_cap()

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=40,
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=cap_seconds),
    )
    assert do_verify_totp(staff, current_totp(device), client_ip="198.51.100.9") is not None
    device.refresh_from_db()
    assert device.throttling_failure_count == 0  # reset on success


def test_within_the_cap_the_throttle_still_applies() -> None:
    staff = StaffFactory()
    device = confirmed_device(staff)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=40, throttling_failure_timestamp=timezone.now() - timedelta(seconds=10)
    )
    assert do_verify_totp(staff, current_totp(device), client_ip="198.51.100.9") is None


@override_settings(RATE_LIMITS=rules(totp_failure_per_address="3/hour"))
def test_wrong_authenticator_codes_stop_the_address_not_the_staff_member() -> None:
    staff = StaffFactory()
    device = confirmed_device(staff)
    attacker = Client(REMOTE_ADDR=ATTACKER)
    attacker.post(reverse("accounts:login"), {"username": staff.username, "password": PASSWORD})
    for _ in range(3):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        assert attacker.post(reverse("accounts:otp_verify"), {"token": "000000"}).status_code == 200
    blocked = attacker.post(reverse("accounts:otp_verify"), {"token": current_totp(device)})
    assert blocked.status_code == 429

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now()
        - timedelta(seconds=settings.OTP_TOTP_THROTTLE_MAX_DELAY_SECONDS)
    )
    office = Client(REMOTE_ADDR="10.20.30.40")
    office.post(reverse("accounts:login"), {"username": staff.username, "password": PASSWORD})
    response = office.post(reverse("accounts:otp_verify"), {"token": current_totp(device)})
    assert response.status_code == 302
    assert office.session["_auth_user_id"] == str(staff.pk)
