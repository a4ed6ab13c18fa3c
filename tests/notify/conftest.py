"""Fixtures of the notify tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from tests.notify.fakes import RecordingSmsGateway


@pytest.fixture
def sms_gateway(settings: Settings) -> Iterator[type[RecordingSmsGateway]]:
    """SMS go to the recording fake; mail to Django's in-memory outbox."""
    settings.SMS_GATEWAY = "tests.notify.fakes.RecordingSmsGateway"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    RecordingSmsGateway.reset()
    yield RecordingSmsGateway
    RecordingSmsGateway.reset()
