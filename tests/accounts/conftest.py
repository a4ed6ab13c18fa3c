"""Fixtures and helpers of the accounts tests."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from yiwang.accounts.models import User
from yiwang.notify.models import Notification

PASSWORD = "correct horse battery"


def latest_login_code(phone: str) -> str:
    """The code texted to ``phone`` most recently, read from the SMS notification."""
    body = Notification.objects.filter(channel="sms", to_address=phone).latest("created_at", "id").body
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", body)
    assert match, body
    return match.group(1)


def current_totp(device: TOTPDevice) -> str:
    """The code the staff member's authenticator app shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def confirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()
