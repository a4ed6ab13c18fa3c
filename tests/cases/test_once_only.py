"""Once-only at application (免提交): shared materials are fetched through the exchange for the applicant, the
newborn and its parents, stored with their signed answers, shared by a bundle's cases, and fall back to an
upload when a registry has no record or refuses."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases.newborn import OWN_DOCUMENTS, PDF, newborn_bundle, parent_of_newborn
from tests.factories import CitizenFactory, StaffRoleFactory, make_resident_id
from tests.registries.conftest import District, _private_key_directory, district  # noqa: F401
from yiwang.accounts.models import User
from yiwang.cases import actions, once_only, queries
from yiwang.cases.models import Application, Case, Material, MaterialStatus, SharedLookup
from yiwang.org.models import Department, Role
from yiwang.registries.actions import do_grant_consent
from yiwang.registries.models import AccessLogEntry, DataService, Outcome


def material(application: Application, name: str) -> Material:
    return application.materials.get(name=name)


@pytest.fixture
def newborn_application(district: District) -> Application:  # noqa: F811
    bundle = newborn_bundle()
    return actions.do_create_application(parent_of_newborn(), bundle=bundle)


def test_registry_materials_are_fetched_once_with_signed_answers(newborn_application: Application) -> None:
    application = newborn_application
    certificate = material(application, "出生医学证明")
    assert certificate.status == MaterialStatus.SHARED
    (lookup,) = certificate.lookups.all()
    assert lookup.provider_name.endswith("区卫健局") and lookup.signature and lookup.kid
    assert queries.verified_lookups(certificate) == [(lookup, True)]
    parents = material(application, "新生儿父母双方居民身份证")
    assert parents.status == MaterialStatus.SHARED and parents.lookups.count() == 2  # mother and father
    assert material(application, "拟落户方居民户口簿").status == MaterialStatus.SHARED
    # The applicant's own birth-certificate answer also settles the other items' certificate material.
    assert material(application, "新生儿出生医学证明").lookups.get() == lookup
    # Not connected (社保.参保信息): left to the department, no upload asked.
    assert material(application, "参保状态").status == MaterialStatus.SHARED_PENDING
    # Each (service, subject) asked once, the log has exactly one entry per lookup, each naming its case.
    lookups = SharedLookup.objects.filter(application=application)
    entries = AccessLogEntry.objects.filter(request_id__in=lookups.values("request_id"))
    assert entries.count() == lookups.count()
    reserved = set(application.case_numbers.values())
    assert {entry.case_reference for entry in entries} <= reserved
    assert {entry.purpose for entry in entries} == {"case_handling"}
    assert all(entry.legal_basis.startswith("《") for entry in entries if entry.outcome != Outcome.REFUSED)
    # The form is prefilled from the household record.
    application.refresh_from_db()
    household = material(application, "拟落户方居民户口簿").lookups.get()
    assert application.form_data["address"] == household.fields["address"]


def test_submission_fetches_nothing_again_and_cases_take_the_reserved_numbers(
    newborn_application: Application,
) -> None:
    application = newborn_application
    for name in OWN_DOCUMENTS:
        actions.do_add_material_file(
            application.applicant, material(application, name), content=PDF, filename="a.pdf"
        )
    before = AccessLogEntry.objects.count()
    cases = actions.do_submit_application(application.applicant, application)
    assert AccessLogEntry.objects.count() == before
    assert {case.number for case in cases} == set(application.case_numbers.values())
    # Every case of the bundle sees the same fetched material.
    household = material(application, "拟落户方居民户口簿")
    assert all(
        household in queries.case_materials(case)
        for case in cases
        if case.item.implementation_code in household.item_codes
    )


def test_no_record_falls_back_to_an_upload_that_submission_then_requires(district: District) -> None:  # noqa: F811
    bundle = newborn_bundle()
    childless = CitizenFactory(real_name="周无子", resident_id=make_resident_id(9999))  # not in the registry
    application = actions.do_create_application(childless, bundle=bundle)
    household = material(application, "拟落户方居民户口簿")
    assert household.status == MaterialStatus.MISSING
    assert "没有" in household.shared_problem and "上传" in household.shared_problem
    assert household in upload_fields_of(application)  # the form now asks for it
    for name in OWN_DOCUMENTS:
        actions.do_add_material_file(childless, material(application, name), content=PDF, filename="a.pdf")
    with pytest.raises(Exception, match="拟落户方居民户口簿"):
        actions.do_submit_application(childless, application)
    actions.do_add_material_file(childless, household, content=PDF, filename="hukou.pdf")


def upload_fields_of(application: Application) -> list[Material]:
    return [m for m in queries.application_materials(application) if queries.needs_upload(m)]


def test_a_department_without_an_allow_list_entry_is_refused_and_logged(district: District) -> None:  # noqa: F811
    bundle = newborn_bundle()
    police = Department.objects.get(short_name="区公安分局")
    DataService.objects.get(name="人口.户籍信息").allowed_consumers.remove(police)
    application = actions.do_create_application(parent_of_newborn(), bundle=bundle)
    household = material(application, "拟落户方居民户口簿")
    assert household.status == MaterialStatus.MISSING
    assert "拒绝" in household.shared_problem
    refused = AccessLogEntry.objects.get(
        service_name="人口.户籍信息", consumer=police, outcome=Outcome.REFUSED
    )
    assert refused.refusal == "not_allowed"
    assert refused.case_reference in application.case_numbers.values()


def submitted(application: Application) -> list[Case]:
    for name in OWN_DOCUMENTS:
        actions.do_add_material_file(
            application.applicant, material(application, name), content=PDF, filename="a.pdf"
        )
    return actions.do_submit_application(application.applicant, application)


def test_the_citizen_sees_who_supplied_each_material_and_the_reviewer_checks_the_signature(
    newborn_application: Application, login_verified_staff: Callable[[Client, User], Client]
) -> None:
    cases = submitted(newborn_application)
    police_case = next(case for case in cases if case.department.short_name == "区公安分局")
    citizen = Client()
    citizen.force_login(newborn_application.applicant)
    page = citizen.get(reverse("cases:case", args=[police_case.number])).content.decode()
    assert "免提交" in page and "由广安区区公安分局于" in page and "共享获取" in page and "可信等级 A" in page

    reviewer = StaffRoleFactory(department=police_case.department, role=Role.REVIEWER).user
    office = login_verified_staff(Client(), reviewer)
    page = office.get(reverse("cases:office_case", args=[police_case.number])).content.decode()
    household = material(newborn_application, "拟落户方居民户口簿").lookups.get()
    assert household.request_id in page and household.kid in page and "签名有效" in page
    assert "签名无效" not in page
    # An answer altered after it was signed no longer verifies.
    SharedLookup.objects.filter(pk=household.pk).update(
        payload=household.payload.replace("广安区", "别的区", 1)
    )
    page = office.get(reverse("cases:office_case", args=[police_case.number])).content.decode()
    assert "签名无效" in page


def test_without_a_legal_basis_a_conditional_service_needs_the_citizens_consent(
    district: District,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A guide without a legal basis: without consent the conditional reads are refused (upload instead); with
    the citizen's consent for handling applications, the call carries it and the registry answers."""
    monkeypatch.setattr(once_only, "legal_basis_text", lambda version: "")
    bundle = newborn_bundle()
    father = parent_of_newborn()
    refused = actions.do_create_application(father, bundle=bundle)
    assert "拒绝" in material(refused, "拟落户方居民户口簿").shared_problem
    consent = do_grant_consent(father, purpose="case_handling")
    application = actions.do_create_application(father, bundle=bundle)
    household = material(application, "拟落户方居民户口簿")
    assert household.status == MaterialStatus.SHARED
    entry = AccessLogEntry.objects.get(request_id=household.lookups.get().request_id)
    assert entry.consent_id == consent.pk and entry.legal_basis == ""


def test_the_api_gives_each_shared_material_its_signed_answers(newborn_application: Application) -> None:
    client = Client()
    client.force_login(newborn_application.applicant)
    body = client.get(f"/api/v1/applications/{newborn_application.pk}").json()
    by_name = {entry["name"]: entry for entry in body["materials"]}
    (answer,) = by_name["拟落户方居民户口簿"]["shared_answers"]
    assert by_name["拟落户方居民户口簿"]["status"] == "shared"
    assert answer["provider"] == "广安区区公安分局" and answer["signature"] and answer["kid"]
    verified = client.post(
        "/api/v1/exchange/verify",
        {key: answer[key] for key in ("payload", "signature", "kid", "request_digest")},
        content_type="application/json",
    )
    assert verified.status_code == 200 and verified.json()["genuine"] is True
