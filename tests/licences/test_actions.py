"""Issuing and revoking licences: permissions, holder checks, numbers, expiry, audit and notifications."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import CitizenFactory, LicenceTypeFactory, make_resident_id
from tests.licences.conftest import District, IssueLicence
from yiwang.core.errors import ActionConflict
from yiwang.core.models import AuditRecord
from yiwang.licences.actions import do_revoke_licence
from yiwang.licences.models import HolderKind, Licence, LicenceStatus, VerificationStatus
from yiwang.licences.queries import check_licence, default_valid_until, licences_of_holder
from yiwang.notify.models import Notification

pytestmark = pytest.mark.django_db


def test_approver_department_admin_platform_admin_and_the_system_may_issue(
    district: District, issue: IssueLicence
) -> None:
    for actor in (district.market_approver, district.market_admin, district.platform_admin, None):
        assert issue(actor).status == LicenceStatus.ISSUED
    assert Licence.objects.count() == 4


@pytest.mark.parametrize("who", ["market_clerk", "health_approver", "citizen"])
def test_others_may_not_issue_and_nothing_is_written(
    district: District, issue: IssueLicence, who: str
) -> None:
    with pytest.raises(PermissionDenied):
        issue(getattr(district, who))
    assert not Licence.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"holder_kind": HolderKind.PERSON, "holder_identifier": "110101199001011234"}, "holder_identifier"),
        ({"holder_identifier": "91110000ABCDEFGHIJ"}, "holder_identifier"),
        ({"holder_name": "   "}, "holder_name"),
        ({"holder_kind": "robot"}, "holder_kind"),
        ({"valid_until": dt.date(2026, 3, 1)}, "valid_until"),
    ],
)
def test_bad_input_is_refused_per_field_and_nothing_is_written(
    district: District, issue: IssueLicence, overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        issue(**overrides)
    assert field in caught.value.message_dict
    assert not Licence.objects.exists()
    assert not AuditRecord.objects.filter(action="licences.issue").exists()


def test_person_holder_identifier_is_normalised(district: District, issue: IssueLicence) -> None:
    resident_id = make_resident_id(7, birth_date="19851231")
    licence = issue(
        holder_kind=HolderKind.PERSON, holder_name="王小明", holder_identifier=f" {resident_id.lower()} "
    )
    assert licence.holder_identifier == resident_id


def test_numbers_follow_a_sequence_per_type_and_year(district: District, issue: IssueLicence) -> None:
    first, second = issue(), issue()
    other_type = issue(licence_type=LicenceTypeFactory(number_prefix="JY1511602"))

    year = first.issued_at.astimezone(dt.UTC).year
    assert first.number == f"JY2511602{year}000001"
    assert second.number == f"JY2511602{year}000002"
    assert other_type.number == f"JY1511602{year}000001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuance_never_repeats_a_number(district: District, issue: IssueLicence) -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads cannot share an in-memory SQLite test database")
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait()
            numbers.append(issue().number)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(int(number[-6:]) for number in numbers) == list(range(1, 9))


def test_revoke_records_reason_and_verification_says_revoked(district: District, issue: IssueLicence) -> None:
    licence = issue()

    revoked = do_revoke_licence(district.market_approver, licence, "  申请人以欺骗手段取得许可  ")

    assert revoked.status == LicenceStatus.REVOKED
    assert revoked.revocation_reason == "申请人以欺骗手段取得许可"
    result = check_licence(revoked)
    assert result.status == VerificationStatus.REVOKED
    assert "申请人以欺骗手段取得许可" in result.reason
    audit = AuditRecord.objects.get(action="licences.revoke")
    assert audit.object_id == str(licence.pk)
    assert audit.actor_id == district.market_approver.pk


def test_revoke_needs_a_reason_the_right_role_and_happens_once(
    district: District, issue: IssueLicence
) -> None:
    licence = issue()
    with pytest.raises(ValidationError):
        do_revoke_licence(district.market_approver, licence, " ")
    with pytest.raises(PermissionDenied):
        do_revoke_licence(district.health_approver, licence, "越权注销")
    do_revoke_licence(district.market_admin, licence, "经营者申请注销")
    with pytest.raises(ActionConflict):
        do_revoke_licence(district.market_approver, licence, "重复注销")
    assert Licence.objects.get(pk=licence.pk).revocation_reason == "经营者申请注销"


def test_issue_is_audited_and_the_holder_is_told(district: District, issue: IssueLicence) -> None:
    licence = issue(district.market_approver)

    audit = AuditRecord.objects.get(action="licences.issue")
    assert audit.changes["number"] == licence.number
    assert audit.changes["kid"] == licence.signing_key.kid
    message = Notification.objects.get(recipient=district.company_agent, template__key="licence-issued")
    assert licence.number in message.body
    assert "广安区市场监督管理局" in message.body
    assert not Notification.objects.filter(recipient=district.other_citizen).exists()


def test_licences_of_holder_lists_only_that_holders(district: District, issue: IssueLicence) -> None:
    company_licence = issue()
    citizen = CitizenFactory()
    issue(holder_kind=HolderKind.PERSON, holder_name="王小明", holder_identifier=citizen.resident_id)

    assert list(licences_of_holder(district.company.uscc.lower())) == [company_licence]


def test_expiry_is_computed_from_the_last_valid_day(district: District, issue: IssueLicence) -> None:
    """Valid through ``valid_until`` inclusive, expired from the next day; a long-term licence never expires."""
    licence = issue(valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2030, 6, 30))
    long_term = issue(valid_from=dt.date(2020, 1, 1), valid_until=None)

    @given(day=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2100, 1, 1)))
    @settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def check(day: dt.date) -> None:
        expected = VerificationStatus.EXPIRED if day > dt.date(2030, 6, 30) else VerificationStatus.VALID
        assert check_licence(licence, day).status == expected
        assert licence.is_expired_on(day) == (expected == VerificationStatus.EXPIRED)
        assert check_licence(long_term, day).status == VerificationStatus.VALID

    check()
    assert check_licence(licence, dt.date(2030, 6, 30)).status == VerificationStatus.VALID
    assert check_licence(licence, dt.date(2030, 7, 1)).status == VerificationStatus.EXPIRED
    assert set(Licence.objects.expired_on(dt.date(2030, 7, 1))) == {licence}
    assert set(Licence.objects.in_force_on(dt.date(2030, 7, 1))) == {long_term}


@given(
    valid_from=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
    years=st.integers(min_value=1, max_value=10),
)
def test_default_validity_ends_the_day_before_the_anniversary(valid_from: dt.date, years: int) -> None:
    licence_type = LicenceTypeFactory.build(validity_years=years)

    last_day = default_valid_until(licence_type, valid_from)

    assert last_day is not None
    anniversary = last_day + dt.timedelta(days=1)
    assert anniversary.year == valid_from.year + years
    if (valid_from.month, valid_from.day) == (2, 29) and anniversary.month == 3:
        assert anniversary.day == 1
    else:
        assert (anniversary.month, anniversary.day) == (valid_from.month, valid_from.day)
