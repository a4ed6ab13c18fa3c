"""Identity assurance levels (实名等级): L2 population registry hook, L3 in person."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pytest_django.fixtures import Settings

from tests.factories import CitizenFactory, StaffFactory
from yiwang.accounts.actions import do_verify_identity_l2, do_verify_in_person
from yiwang.accounts.identity import IdentityVerificationUnavailable
from yiwang.accounts.models import AssuranceLevel
from yiwang.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_l2_is_not_available_until_a_verifier_is_configured(settings: Settings) -> None:
    settings.IDENTITY_VERIFIER = ""
    citizen = CitizenFactory()
    with pytest.raises(IdentityVerificationUnavailable, match="人口库核验尚未开通"):
        do_verify_identity_l2(citizen)
    citizen.refresh_from_db()
    assert citizen.assurance_level == AssuranceLevel.L1


def test_l2_with_a_configured_verifier(settings: Settings) -> None:
    settings.IDENTITY_VERIFIER = "tests.accounts.fakes.AgreeingVerifier"
    citizen = CitizenFactory()
    do_verify_identity_l2(citizen)
    citizen.refresh_from_db()
    assert citizen.assurance_level == AssuranceLevel.L2
    assert citizen.assurance_verified_at is not None
    assert AuditRecord.objects.get(action="accounts.identity_verified").changes["level"] == 2


def test_l2_refused_by_the_registry_changes_nothing(settings: Settings) -> None:
    settings.IDENTITY_VERIFIER = "tests.accounts.fakes.AgreeingVerifier"
    citizen = CitizenFactory(real_name="查无此人")
    with pytest.raises(ValidationError, match="人口库核验未通过"):
        do_verify_identity_l2(citizen)
    citizen.refresh_from_db()
    assert citizen.assurance_level == AssuranceLevel.L1
    assert not AuditRecord.objects.exists()


def test_l3_in_person_by_a_window_clerk() -> None:
    clerk, citizen = StaffFactory(), CitizenFactory()
    do_verify_in_person(clerk, citizen)
    citizen.refresh_from_db()
    assert citizen.assurance_level == AssuranceLevel.L3
    record = AuditRecord.objects.get(action="accounts.identity_verified")
    assert (record.actor_id, record.changes["level"]) == (clerk.pk, 3)


def test_only_staff_verify_in_person() -> None:
    with pytest.raises(PermissionDenied):
        do_verify_in_person(CitizenFactory(), CitizenFactory())
