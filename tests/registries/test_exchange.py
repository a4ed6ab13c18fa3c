"""The exchange gateway: allow-lists, sharing classes, consent, declared fields, signatures and the access log."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import make_resident_id
from tests.registries.conftest import BASES, District
from yiwang.demo import identities
from yiwang.licences.signer import get_signer
from yiwang.registries import exchange
from yiwang.registries.actions import do_grant_consent, do_withdraw_consent
from yiwang.registries.exchange import Refusal
from yiwang.registries.models import AccessLogEntry, DataService, Outcome, Person

pytestmark = pytest.mark.django_db


def _ask(district: District, service: str, subject: str, **kwargs: object) -> exchange.ExchangeResult:
    defaults: dict[str, object] = {
        "consumer": district.civil_affairs,
        "actor": district.clerk,
        "purpose": "case_handling",
        "legal_basis_code": BASES.get(service, ""),
        "case_reference": "YW20260105000001",
    }
    return exchange.query(service_name=service, subject=subject, **{**defaults, **kwargs})  # type: ignore[arg-type]


def test_allowed_read_returns_only_declared_fields_signed_by_the_provider(district: District) -> None:
    result = _ask(district, "人口.婚姻状况", district.citizen.resident_id)
    person = Person.objects.get(resident_id=district.citizen.resident_id)
    assert result.found
    assert set(result.fields) == {"marital_status", "spouse_name", "spouse_resident_id", "married_on"}
    assert result.fields["spouse_resident_id"] == person.spouse_id
    assert result.provider_code == district.police.code
    body = json.loads(result.payload)
    assert body["request_id"] == result.request_id and body["request_digest"] == result.request_digest
    assert exchange.verify_response(
        result.payload, result.signature, result.kid, request_digest=result.request_digest
    )


def test_tampered_or_rebound_responses_fail_verification(district: District) -> None:
    result = _ask(district, "人口.户籍信息", district.citizen.resident_id)
    tampered = result.payload.replace(district.citizen.resident_id, identities.resident_id(2), 1)
    assert not exchange.verify_response(tampered, result.signature, result.kid)
    assert not exchange.verify_response(result.payload, result.signature, result.kid, request_digest="0" * 64)


def test_department_without_allow_list_entry_is_refused_and_logged(district: District) -> None:
    result = _ask(district, "人口.户籍信息", district.citizen.resident_id, consumer=district.transport,
                  actor=district.transport_clerk)  # fmt: skip
    assert result.outcome == Outcome.REFUSED and result.refusal == Refusal.NOT_ALLOWED
    assert result.fields == {} and result.payload == ""
    entry = AccessLogEntry.objects.get(request_id=result.request_id)
    assert (entry.outcome, entry.refusal, entry.consumer) == (
        Outcome.REFUSED,
        Refusal.NOT_ALLOWED,
        district.transport,
    )


def test_refusal_does_not_reveal_whether_the_subject_exists(district: District) -> None:
    unknown = make_resident_id(5, birth_date="19900101")
    asked = [
        _ask(district, "人口.户籍信息", subject, consumer=district.transport, actor=district.transport_clerk)
        for subject in (district.citizen.resident_id, unknown)
    ]
    assert [(result.outcome, result.refusal, result.message) for result in asked[:1]] == [
        (result.outcome, result.refusal, result.message) for result in asked[1:]
    ]
    assert _ask(district, "人口.户籍信息", unknown).outcome == Outcome.NOT_FOUND


def test_conditional_service_needs_legal_basis_or_consent(district: District) -> None:
    subject = district.citizen.resident_id
    assert _ask(district, "人口.户籍信息", subject, legal_basis_code="").refusal == Refusal.NEEDS_BASIS
    consent = do_grant_consent(district.citizen, purpose="case_handling")
    allowed = _ask(district, "人口.户籍信息", subject, legal_basis_code="", consent_id=consent.pk)
    assert allowed.found
    assert AccessLogEntry.objects.get(request_id=allowed.request_id).consent == consent
    do_withdraw_consent(district.citizen, consent.pk)
    after = _ask(district, "人口.户籍信息", subject, legal_basis_code="", consent_id=consent.pk)
    assert after.refusal == Refusal.CONSENT_INVALID


def test_consent_is_bound_to_its_case_and_department(district: District) -> None:
    subject = district.citizen.resident_id
    consent = do_grant_consent(
        district.citizen, purpose="case_handling", case_reference="YW1", department=district.civil_affairs
    )
    assert _ask(district, "人口.户籍信息", subject, legal_basis_code="", consent_id=consent.pk,
                case_reference="YW1").found  # fmt: skip
    assert _ask(district, "人口.户籍信息", subject, legal_basis_code="", consent_id=consent.pk,
                case_reference="YW2").refusal == Refusal.CONSENT_INVALID  # fmt: skip
    other_subject = identities.resident_id(2)
    assert _ask(district, "人口.户籍信息", other_subject, legal_basis_code="", consent_id=consent.pk,
                case_reference="YW1").refusal == Refusal.CONSENT_INVALID  # fmt: skip


def test_unconditional_service_any_department_and_not_shared_never(district: District) -> None:
    transport = {"consumer": district.transport, "actor": district.transport_clerk, "legal_basis_code": ""}
    entity = _ask(district, "法人.登记信息", identities.uscc("91", "广安渠江商贸有限公司"), **transport)
    assert entity.found and entity.fields["name"] == "广安渠江商贸有限公司"
    assert entity.provider_code == district.market.code
    refused = _ask(district, "人口.无犯罪记录", district.citizen.resident_id)
    assert refused.refusal == Refusal.NOT_SHARED
    assert _ask(district, "社保.参保信息", district.citizen.resident_id).refusal == Refusal.NOT_CONNECTED
    assert _ask(district, "人口.不存在", district.citizen.resident_id).refusal == Refusal.UNKNOWN_SERVICE


def test_staff_of_another_department_cannot_call_as_this_one(district: District) -> None:
    result = _ask(district, "人口.户籍信息", district.citizen.resident_id, actor=district.transport_clerk)
    assert result.refusal == Refusal.NOT_MEMBER


def test_malformed_subject_and_purpose_are_refused_with_field_messages(district: District) -> None:
    result = _ask(district, "人口.户籍信息", "511602195706120038", purpose="curiosity")
    assert result.refusal == Refusal.INVALID_REQUEST
    assert "校验码" in result.field_errors["subject"]
    assert "purpose" in result.field_errors
    assert AccessLogEntry.objects.get(request_id=result.request_id).outcome == Outcome.REFUSED


def test_identity_check_answers_yes_or_no_only(district: District) -> None:
    citizen = district.citizen
    yes = _ask(district, "人口.身份核验", citizen.resident_id, parameters={"name": citizen.real_name})
    no = _ask(district, "人口.身份核验", citizen.resident_id, parameters={"name": "查无此人"})
    assert yes.fields == {"match": True} and no.fields == {"match": False}


def test_births_include_the_newborn_of_a_young_demo_parent(district: District) -> None:
    parent_index = next(
        index for index in range(1, 201) if 1985 <= identities.citizen_birth_date(index).year <= 2000
    )
    result = _ask(district, "人口.出生医学证明", identities.resident_id(parent_index))
    newest = result.fields["births"][-1]
    assert result.provider_code == district.health.code
    assert newest["birth_date"].startswith("2025-")
    parent_id = identities.resident_id(parent_index)
    assert parent_id in (newest["mother_resident_id"], newest["father_resident_id"])


def test_access_log_chain_verifies_and_detects_tampering(
    district: District, capsys: pytest.CaptureFixture[str]
) -> None:
    for _index in range(3):
        _ask(district, "人口.户籍信息", district.citizen.resident_id)
    call_command("registries", "verify-log")
    assert "3 entries verified" in capsys.readouterr().out
    AccessLogEntry.objects.filter(seq=2).update(purpose="law_enforcement")
    with pytest.raises(CommandError, match="#2"):
        call_command("registries", "verify-log")


def test_deleting_the_newest_entry_is_detected(district: District) -> None:
    for _index in range(2):
        _ask(district, "人口.户籍信息", district.citizen.resident_id)
    AccessLogEntry.objects.filter(seq=2).delete()
    report = exchange.verify_access_log()
    assert not report.ok and "head" in report.problem.reason  # type: ignore[union-attr]


def test_resolve_shared_material_for_a_case(district: District) -> None:
    result = exchange.resolve_shared_material(
        district.civil_affairs, "cases.application", "人口.婚姻状况", district.citizen.resident_id,
        legal_basis_code=BASES["人口.婚姻状况"], case_reference="YW20260105000002",
    )  # fmt: skip
    entry = AccessLogEntry.objects.get(request_id=result.request_id)
    assert result.found and result.provider_name == district.police.name
    assert (entry.actor_label, entry.case_reference) == ("system:cases.application", "YW20260105000002")


def test_licences_are_served_through_the_exchange(district: District) -> None:
    result = _ask(district, "证照.按持证人查询", district.citizen.resident_id)
    assert result.found and result.fields == {"licences": []}
    assert result.provider_code == district.operator.code


def test_catalogue_changes_and_key_rotations_reach_the_cached_catalogue_at_the_next_call(
    district: District,
) -> None:
    """The gateway keeps the catalogue and the providers' keys in memory, yet an allow-list change or a new key
    takes effect at the very next call."""
    assert _ask(district, "人口.户籍信息", district.citizen.resident_id).found
    DataService.objects.get(name="人口.户籍信息").allowed_consumers.remove(district.civil_affairs)
    refused = _ask(district, "人口.户籍信息", district.citizen.resident_id)
    assert refused.refusal == Refusal.NOT_ALLOWED
    DataService.objects.get(name="人口.户籍信息").allowed_consumers.add(district.civil_affairs)
    before = _ask(district, "人口.户籍信息", district.citizen.resident_id)
    new_key = get_signer().rotate(district.police)
    after = _ask(district, "人口.户籍信息", district.citizen.resident_id)
    assert before.kid != new_key.kid and after.kid == new_key.kid
    assert exchange.verify_response(
        after.payload, after.signature, after.kid, request_digest=after.request_digest
    )


def test_one_lookup_reads_the_catalogue_version_not_the_catalogue(
    district: District, django_assert_max_num_queries: Any
) -> None:
    """Per call: the version, the registry rows, the log head, the entry, the head update and whether the person
    has a verified account to tell (and the transaction) — the catalogue, allow-list, legal-basis list and
    signing key come from memory once loaded."""
    for _first_calls in range(2):  # the first call makes the provider's key, which bumps the version once
        _ask(district, "人口.户籍信息", district.citizen.resident_id)
    with django_assert_max_num_queries(9):
        assert _ask(district, "人口.户籍信息", identities.resident_id(2), actor=None, system="bench").found
