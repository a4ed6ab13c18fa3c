"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from yiwang.accounts.models import User


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"yiwang: database={settings.DATABASES['default']['ENGINE']} queue={settings.QUEUE}"]


@pytest.fixture
def login_verified_staff() -> Callable[[Client, User], Client]:
    """Log ``user`` into ``client`` with a session that passed the authenticator-code step (django-otp)."""

    def login(client: Client, user: User) -> Client:
        client.force_login(user)
        device, _created = TOTPDevice.objects.get_or_create(user=user, name="test device", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return login
