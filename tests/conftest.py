"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest
from django.conf import settings


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"yiwang: database={settings.DATABASES['default']['ENGINE']} queue={settings.QUEUE}"]
