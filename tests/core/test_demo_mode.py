"""Demo mode is explicit (演示环境): the outbox, demo data and the banner exist only in it, and outside it the platform
refuses to start with the demo SMS gateway — which stops attack 4 of issue 10 (the outbox published login codes)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse
from pytest_django.fixtures import Settings

from tests.factories import CitizenFactory
from yiwang.accounts.models import User
from yiwang.core.checks import (
    DEMO_GATEWAY_OUTSIDE_DEMO,
    demo_gateway_only_in_demo_mode,
    serious_startup_problems,
)
from yiwang.notify.models import Notification

pytestmark = pytest.mark.django_db

PRODUCTION = {"DEMO_MODE": False, "SMS_GATEWAY": "yiwang.notify.sms.OutboxSmsGateway"}


def test_attack_4_outside_demo_mode_the_outbox_does_not_exist(client: Client) -> None:
    """The attack: with DEBUG off and no gateway configured, ask for a login code for someone's phone and read it
    on /inbox/outbox/. Now the platform does not start that way, and the page is a 404 anyway."""
    victim = CitizenFactory(phone="13700001111")
    with override_settings(**PRODUCTION, DEBUG=False):
        client.post(reverse("accounts:login_code_request"), {"phone": victim.phone})
        code = re.search(r"\d{6}", Notification.objects.get(to_address=victim.phone).body)
        assert code is not None
        outbox = client.get("/inbox/outbox/")
        assert outbox.status_code == 404
        assert code.group(0) not in outbox.content.decode()
        home = client.get(reverse("portal:home")).content.decode()
        assert "/inbox/outbox/" not in home
        assert "演示环境" not in home

        problems = demo_gateway_only_in_demo_mode()
    assert [problem.id for problem in problems] == [DEMO_GATEWAY_OUTSIDE_DEMO]
    assert "SMS_GATEWAY" in problems[0].msg and "YIWANG_DEMO" in problems[0].hint
    assert "_auth_user_id" not in client.session


def test_the_system_check_stops_every_command_and_the_wsgi_entry_point() -> None:
    with override_settings(**PRODUCTION):
        with pytest.raises(Exception, match=r"yiwang\.E001"):
            call_command("check")
        assert serious_startup_problems()
    with override_settings(DEMO_MODE=False, SMS_GATEWAY="yiwang.notify.sms.HttpSmsGateway"):
        assert demo_gateway_only_in_demo_mode() == []
    with override_settings(DEMO_MODE=True, SMS_GATEWAY="yiwang.notify.sms.OutboxSmsGateway"):
        assert demo_gateway_only_in_demo_mode() == []
    with override_settings(DEMO_MODE=False, SMS_GATEWAY="no.such.Gateway"):
        assert [problem.id for problem in demo_gateway_only_in_demo_mode()] == ["yiwang.E002"]


def test_in_demo_mode_every_page_says_so_to_everyone_and_the_outbox_shows_codes(client: Client) -> None:
    victim = CitizenFactory(phone="13700001111")
    client.post(reverse("accounts:login_code_request"), {"phone": victim.phone})
    for url in (reverse("portal:home"), reverse("accounts:login"), "/inbox/outbox/"):
        page = client.get(url).content.decode()
        banner = re.search(r'<aside class="demo-mode-banner" aria-label="演示环境">(.*?)</aside>', page)
        assert banner is not None, url
        assert "演示环境" in banner.group(1)
    assert client.get("/inbox/outbox/").status_code == 200


def test_demo_data_is_loaded_only_in_demo_mode() -> None:
    with override_settings(DEMO_MODE=False), pytest.raises(CommandError, match="YIWANG_DEMO=true"):
        call_command("demo", "load")
    with override_settings(DEMO_MODE=False), pytest.raises(CommandError, match="YIWANG_DEMO=true"):
        call_command("demo", "totp", "staff-scjg-clerk")


def test_demo_accounts_log_in_only_in_demo_mode(client: Client, settings: Settings) -> None:
    """Demo accounts share a published password: if demo data reached a real installation, nobody could use them."""
    from yiwang.demo.loader import DEMO_PASSWORD, demo_password_hash

    demo_citizen = CitizenFactory()
    User.objects.filter(pk=demo_citizen.pk).update(password=demo_password_hash())
    form = {"username": demo_citizen.phone, "password": DEMO_PASSWORD}
    settings.DEMO_MODE = False
    refused = client.post(reverse("accounts:login"), form)
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    settings.DEMO_MODE = True
    assert client.post(reverse("accounts:login"), form).status_code == 302
    assert client.session["_auth_user_id"] == str(demo_citizen.pk)
