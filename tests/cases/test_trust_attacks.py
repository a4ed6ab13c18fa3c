"""Regression tests for the attacks of issue 10 on a person's household record (户籍信息):

1. delegation to a phone the agent chooses;
2. self-registration with someone else's resident ID number (and a draft then carrying their record).

Each is refused with a clear message, leaves nothing about the victim in the response, and is logged.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from tests.cases.newborn import newborn_bundle, parent_of_newborn
from tests.factories import CitizenFactory, UnverifiedCitizenFactory
from tests.registries.conftest import District, _private_key_directory, district  # noqa: F401
from yiwang.accounts.models import User
from yiwang.cases.models import Application
from yiwang.core.models import AuditRecord
from yiwang.notify.models import Notification
from yiwang.registries.models import AccessLogEntry, Person

pytestmark = pytest.mark.django_db


def household_secrets(victim: User) -> set[str]:
    """What the victim's household record would reveal: household number, address, members' numbers."""
    person = Person.objects.select_related("household__address").get(resident_id=victim.resident_id)
    members = Person.objects.filter(household_id=person.household_id).exclude(resident_id=victim.resident_id)
    return {
        person.household.number,
        person.household.address.full_text,
        *members.values_list("resident_id", flat=True),
    }


def api_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def victim(district: District) -> User:  # noqa: F811
    newborn_bundle()
    return parent_of_newborn()


def test_attack_1_delegation_code_never_goes_to_a_number_the_agent_types(victim: User) -> None:
    agent = CitizenFactory(real_name="代办人")
    client = api_client(agent)
    created = client.post(
        "/api/v1/applications",
        json.dumps(
            {
                "bundle": "newborn",
                "applicant_kind": "delegated",
                "citizen_name": victim.real_name,
                "citizen_resident_id": victim.resident_id,
                "citizen_phone": agent.phone,  # the attack: the agent's own number
                "submit": False,
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.content.decode()
    assert not any(secret in body for secret in household_secrets(victim))
    assert not AccessLogEntry.objects.filter(subject=victim.resident_id).exclude(service_name="人口.身份核验")
    application = Application.objects.get()
    withheld = AuditRecord.objects.get(action="cases.shared_materials_withheld", actor_id=agent.pk)
    assert withheld.changes == {"reason": "delegation_not_confirmed"}
    # The real person is told at once, in their own account.
    assert Notification.objects.filter(recipient=victim, template__key="case-delegation-started").exists()

    sent = client.post(f"/api/v1/applications/{application.pk}/delegation/code")
    assert sent.status_code == 200
    assert not Notification.objects.filter(to_address=agent.phone).exists()
    assert Notification.objects.filter(to_address=victim.phone, template__key="case-delegation-code").exists()

    guessed = client.post(
        f"/api/v1/applications/{application.pk}/delegation/confirm",
        json.dumps({"code": "123456"}),
        content_type="application/json",
    )
    assert guessed.status_code == 422 and guessed["Content-Type"] == "application/problem+json"
    assert "确认码不正确" in guessed.content.decode()
    assert not any(secret in guessed.content.decode() for secret in household_secrets(victim))
    assert AuditRecord.objects.filter(action="cases.delegation_confirm_failed").count() == 1
    page = client.get(reverse("cases:application", args=[application.pk])).content.decode()
    assert not any(secret in page for secret in household_secrets(victim))


def test_attack_1_a_victim_without_a_verified_account_confirms_only_in_person(victim: User) -> None:
    person = Person.objects.get(resident_id=victim.resident_id)
    victim.resident_id, victim.claimed_resident_id, victim.assurance_level = None, "", 1
    victim.save()
    client = api_client(CitizenFactory())
    created = client.post(
        "/api/v1/applications",
        json.dumps(
            {
                "bundle": "newborn",
                "applicant_kind": "delegated",
                "citizen_name": person.name,
                "citizen_resident_id": person.resident_id,
                "submit": False,
            }
        ),
        content_type="application/json",
    )
    application = Application.objects.get(pk=created.json()["id"])
    refused = client.post(f"/api/v1/applications/{application.pk}/delegation/code")
    assert refused.status_code == 422 and "现场确认" in refused.content.decode()
    assert not Notification.objects.filter(channel="sms").exists()


def test_attack_1_the_dead_cannot_be_delegated_for(victim: User, settings: Settings) -> None:
    deceased = Person.objects.filter(death_date__isnull=False).first()
    assert deceased is not None
    client = api_client(CitizenFactory())
    response = client.post(
        "/api/v1/applications",
        json.dumps(
            {
                "bundle": "newborn",
                "applicant_kind": "delegated",
                "citizen_name": deceased.name,
                "citizen_resident_id": deceased.resident_id,
                "submit": False,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422 and "已死亡人员" in response.content.decode()
    assert not Application.objects.exists()


def test_attack_2_a_claimed_number_carries_no_registry_data(victim: User) -> None:
    """An impostor who registered with the victim's number (and name) is only L1: a draft fetches nothing, the
    data tracker shows nothing, submission is refused, and the real person keeps their account."""
    impostor = UnverifiedCitizenFactory(real_name=victim.real_name, claimed_resident_id=victim.resident_id)
    client = api_client(impostor)
    created = client.post(
        "/api/v1/applications",
        json.dumps({"bundle": "newborn", "submit": False}),
        content_type="application/json",
    )
    assert created.status_code == 201
    assert not any(secret in created.content.decode() for secret in household_secrets(victim))
    assert not AccessLogEntry.objects.filter(subject=victim.resident_id).exists()
    withheld = AuditRecord.objects.get(action="cases.shared_materials_withheld", actor_id=impostor.pk)
    assert withheld.changes == {"reason": "applicant_not_verified"}
    tracker = client.get("/api/v1/me/data-access")
    assert tracker.status_code == 200 and victim.resident_id not in tracker.content.decode()
    application_id = created.json()["id"]
    page = client.get(reverse("cases:application", args=[application_id])).content.decode()
    assert not any(secret in page for secret in household_secrets(victim))
    submitted = client.post(
        "/api/v1/applications",
        json.dumps({"bundle": "newborn", "submit": True}),
        content_type="application/json",
    )
    assert submitted.status_code == 422 and "实名核验" in submitted.content.decode()


def test_attack_2_registration_with_a_name_the_registry_does_not_confirm_is_refused(victim: User) -> None:
    from yiwang.accounts.actions import do_request_registration_code

    someone = Person.objects.filter(death_date__isnull=True).exclude(resident_id=victim.resident_id).last()
    assert someone is not None
    client = Client()
    phone = "13912340000"
    do_request_registration_code(phone)
    code = Notification.objects.filter(to_address=phone).latest("id").body
    import re

    response = client.post(
        "/api/v1/accounts/register",
        json.dumps(
            {
                "real_name": "冒名者",
                "resident_id": someone.resident_id,
                "phone": phone,
                "password": "lanterns-on-the-river",
                "code": re.search(r"\d{6}", code).group(0),  # type: ignore[union-attr]
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422 and "人口库不能确认" in response.content.decode()
    assert not User.objects.filter(phone=phone).exists()
