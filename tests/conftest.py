"""Fixtures shared by the whole suite."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from yiwang.accounts.models import User
from yiwang.core.legaltime import clear_calendar_cache
from yiwang.core.legaltime.schedule import SEED_FIRST_YEAR, SEED_LAST_YEAR, seed_from_chinese_calendar
from yiwang.core.models import CalendarYear
from yiwang.notify.models import NotificationTemplate

# The data migrations that seed reference data (message templates, the calendar, synonyms, data services), and
# the function each runs. A transactional test (live server, threads) ends by flushing every table, migration
# rows included; these are run again before the next test that uses the database.
SEEDING_MIGRATIONS = (
    ("yiwang.notify.migrations.0002_seed_templates", "create_templates"),
    ("yiwang.notify.migrations.0004_seed_code_templates", "create_templates"),
    ("yiwang.workflow.migrations.0002_seed_templates", "create_templates"),
    ("yiwang.licences.migrations.0002_seed_templates", "create_templates"),
    ("yiwang.cases.migrations.0002_seed_templates", "create_templates"),
    ("yiwang.cases.migrations.0004_trust_templates", "create_templates"),
    ("yiwang.hotline.migrations.0002_seed_templates", "create_templates"),
    ("yiwang.notify.migrations.0005_company_claim_templates", "create_templates"),
    ("yiwang.registries.migrations.0002_seed_catalogue", "seed"),
    ("yiwang.registries.migrations.0004_seed_legal_representative_check", "seed"),
    ("yiwang.registries.migrations.0005_staff_query_rules", "seed"),
    ("yiwang.search.migrations.0002_seed_synonyms", "seed"),
    ("yiwang.core.migrations.0003_seed_calendar", "seed_calendar"),
)
DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"yiwang: database={settings.DATABASES['default']['ENGINE']} queue={settings.QUEUE}"]


def _uses_database(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def reference_data(request: pytest.FixtureRequest) -> None:
    """Make sure the migrations' reference data is there (a flush by an earlier transactional test removes it)."""
    if not _uses_database(request):
        return
    request.getfixturevalue("_django_db_helper")
    if NotificationTemplate.objects.exists():
        return
    for module, function in SEEDING_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
    clear_calendar_cache()


@pytest.fixture(autouse=True)
def fresh_calendar_cache() -> Iterator[None]:
    """A rolled-back test must not leave its calendar snapshot to the next one."""
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture
def seeded_calendar(db: None) -> None:
    """The official schedules 2004–2026, also when a test before removed or replaced some of them."""
    if CalendarYear.objects.count() != SEED_LAST_YEAR - SEED_FIRST_YEAR + 1:
        seed_from_chinese_calendar()


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
