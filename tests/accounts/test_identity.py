"""Identity assurance (实名等级): an L1 account only claims a number; L2 binds it after the registry and the carrier
confirm; L3 is recorded in person by window and station clerks; squatters lose their claim."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from pytest_django.fixtures import Settings

from tests.factories import (
    CitizenFactory,
    DepartmentFactory,
    StaffFactory,
    StaffRoleFactory,
    UnverifiedCitizenFactory,
)
from yiwang.accounts.models import AssuranceLevel, IdentityVerification, User
from yiwang.accounts.verification import do_verify_identity_l2, do_verify_in_person
from yiwang.core.errors import RateLimited
from yiwang.core.models import AuditRecord
from yiwang.notify.models import Notification
from yiwang.org.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fake_services(settings: Settings) -> None:
    settings.IDENTITY_VERIFIER = "tests.accounts.fakes.AgreeingVerifier"
    settings.PHONE_OWNER_VERIFIER = "tests.accounts.fakes.CarrierFake"


def test_l2_binds_the_claimed_number_after_registry_and_carrier_agree() -> None:
    citizen = UnverifiedCitizenFactory()
    claimed = citizen.claimed_resident_id
    do_verify_identity_l2(citizen)
    citizen.refresh_from_db()
    assert (citizen.resident_id, citizen.claimed_resident_id) == (claimed, "")
    assert citizen.assurance_level == AssuranceLevel.L2 and citizen.is_verified_citizen
    assert citizen.phone_verified_at is not None
    assert IdentityVerification.objects.get(user=citizen).method == "population_registry"
    assert AuditRecord.objects.get(action="accounts.identity_verified").changes["level"] == 2


def test_registry_refusal_changes_nothing_and_is_audited() -> None:
    citizen = UnverifiedCitizenFactory(real_name="查无此人")
    with pytest.raises(ValidationError, match="人口库不能确认"):
        do_verify_identity_l2(citizen)
    citizen.refresh_from_db()
    assert citizen.resident_id is None and citizen.assurance_level == AssuranceLevel.L1
    assert AuditRecord.objects.filter(action="accounts.identity_verification_failed").count() == 1


def test_a_phone_registered_to_someone_else_is_refused() -> None:
    citizen = UnverifiedCitizenFactory(phone="13700009999", username="13700009999")
    with pytest.raises(ValidationError, match="运营商"):
        do_verify_identity_l2(citizen)
    citizen.refresh_from_db()
    assert citizen.resident_id is None


def test_failed_attempts_are_limited_per_account() -> None:
    citizen = UnverifiedCitizenFactory(real_name="查无此人")
    for _attempt in range(5):
        with pytest.raises(ValidationError):
            do_verify_identity_l2(citizen)
    with pytest.raises(RateLimited):
        do_verify_identity_l2(citizen)


def test_the_real_person_verifying_removes_the_squatters_claim_and_tells_them() -> None:
    squatter = UnverifiedCitizenFactory()
    real = UnverifiedCitizenFactory(claimed_resident_id=squatter.claimed_resident_id)
    real = do_verify_identity_l2(real)
    squatter.refresh_from_db()
    assert squatter.claimed_resident_id == "" and squatter.resident_id is None
    assert Notification.objects.filter(recipient=squatter, template__key="identity-claim-removed").exists()
    # A squatter can never verify the number afterwards: it is bound to the real person.
    with pytest.raises(ValidationError, match="已为其他账户"):
        do_verify_identity_l2(squatter, real_name=real.real_name, resident_id=real.resident_id or "")


def _clerk(role: str) -> tuple[User, object]:
    clerk, place = StaffFactory(), DepartmentFactory()
    StaffRoleFactory(user=clerk, department=place, role=role)
    clerk.is_verified = lambda: True  # type: ignore[attr-defined]
    return clerk, place


@pytest.mark.parametrize("role", [Role.WINDOW_CLERK, Role.STATION_CLERK])
def test_l3_in_person_records_who_where_and_which_document(role: str) -> None:
    clerk, place = _clerk(role)
    citizen = UnverifiedCitizenFactory()
    do_verify_in_person(
        clerk,
        citizen,
        place=place,  # type: ignore[arg-type]
        document="resident_id_card",
        real_name=citizen.real_name,
        resident_id=citizen.claimed_resident_id,
    )
    citizen.refresh_from_db()
    assert citizen.assurance_level == AssuranceLevel.L3
    record = IdentityVerification.objects.get(user=citizen)
    assert (record.verified_by, record.place, record.document) == (clerk, place, "resident_id_card")
    assert Notification.objects.filter(
        recipient=citizen, template__key="identity-verified-in-person"
    ).exists()


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.SUPERVISOR, Role.DISPATCHER])
def test_only_window_and_station_clerks_verify_in_person(role: str) -> None:
    clerk, place = _clerk(role)
    citizen = UnverifiedCitizenFactory()
    with pytest.raises(PermissionDenied):
        do_verify_in_person(
            clerk,
            citizen,
            place=place,  # type: ignore[arg-type]
            document="resident_id_card",
            real_name=citizen.real_name,
            resident_id=citizen.claimed_resident_id,
        )
    with pytest.raises(PermissionDenied):
        do_verify_in_person(
            CitizenFactory(),  # a citizen account is never a clerk
            citizen,
            place=place,  # type: ignore[arg-type]
            document="resident_id_card",
            real_name=citizen.real_name,
            resident_id=citizen.claimed_resident_id,
        )


def test_verification_page_binds_the_number(client: Client) -> None:
    citizen = UnverifiedCitizenFactory()
    client.force_login(citizen)
    page = client.get("/accounts/verify/")
    assert page.status_code == 200 and "实名核验" in page.content.decode()
    response = client.post(
        "/accounts/verify/",
        {"real_name": citizen.real_name, "resident_id": citizen.claimed_resident_id},
        follow=True,
    )
    assert "身份已核验" in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.is_verified_citizen


def test_in_person_page_is_for_clerks_only(
    client: Client, login_verified_staff: Callable[[Client, User], Client]
) -> None:
    reviewer, _place = _clerk(Role.REVIEWER)
    login_verified_staff(client, reviewer)
    assert client.get("/accounts/verify/in-person/").status_code == 403
    clerk, place = _clerk(Role.STATION_CLERK)
    login_verified_staff(client, clerk)
    citizen = UnverifiedCitizenFactory()
    response = client.post(
        "/accounts/verify/in-person/",
        {
            "phone": citizen.phone,
            "real_name": citizen.real_name,
            "resident_id": citizen.claimed_resident_id,
            "document": "resident_id_card",
            "place": place.pk,  # type: ignore[attr-defined]
        },
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.assurance_level == AssuranceLevel.L3


def test_the_demo_carrier_check_refuses_to_start_outside_demo_mode(settings: Settings) -> None:
    from yiwang.core.checks import demo_phone_verifier_only_in_demo_mode

    settings.PHONE_OWNER_VERIFIER = "yiwang.demo.verifiers.DemoPhoneOwnerVerifier"
    settings.DEMO_MODE = False
    (problem,) = demo_phone_verifier_only_in_demo_mode()
    assert problem.id == "yiwang.E003" and "PHONE_OWNER_VERIFIER" in problem.msg
    settings.DEMO_MODE = True
    assert demo_phone_verifier_only_in_demo_mode() == []
