"""Once-only at application (免提交): shared materials are fetched through the exchange for the applicant, the
newborn and its parents, stored with their signed answers, shared by a bundle's cases, and fall back to an
upload when a registry has no record or refuses."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.cases.newborn import OWN_DOCUMENTS, PDF, newborn_bundle, parent_of_newborn
from tests.factories import CitizenFactory, StaffRoleFactory, make_resident_id
from tests.registries.conftest import District, _private_key_directory, district  # noqa: F401
from yiwang.accounts.models import User
from yiwang.cases import actions, once_only, queries
from yiwang.cases.models import Application, Case, Material, MaterialStatus, SharedLookup
from yiwang.core.masking import masked_name
from yiwang.core.models import AuditRecord
from yiwang.notify.models import Notification
from yiwang.org.models import Department, Role
from yiwang.registries.actions import do_grant_consent
from yiwang.registries.models import AccessLogEntry, BirthRecord, DataService, Outcome, Person


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
    # The newborn's certificate is one row for both items that need it (户口登记, 城乡居民参保登记).
    assert len(certificate.item_codes) == 2
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
    monkeypatch.setattr(once_only.exchange, "guide_basis_code", lambda *arguments: "")
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


# --- The right subject (issue 10, item 9) ----------------------------------------------------------------------


def newborn_of(father: User) -> BirthRecord:
    """The youngest recent child of ``father`` in the birth registry."""
    return BirthRecord.objects.filter(father_id=father.resident_id, issued_on__year=2025).latest("issued_on")


def second_child(father: User) -> BirthRecord:
    """A twin of ``father``'s newborn, born the same day, with its own certificate (a second recent child)."""
    first = newborn_of(father)
    child = Person.objects.get(resident_id=first.child_id)
    twin = Person.objects.create(
        resident_id=make_resident_id(8800),
        name=child.name[:1] + "双",
        sex=child.sex,
        birth_date=child.birth_date,
        ethnicity=child.ethnicity,
        household=child.household,
        relation_to_head=child.relation_to_head,
        marital_status=child.marital_status,
    )
    return BirthRecord.objects.create(
        certificate_number="Q999999999",
        child=twin,
        mother_id=first.mother_id,
        father_id=first.father_id,
        birth_place=first.birth_place,
        issued_on=first.issued_on,
    )


def test_the_birth_certificate_is_looked_up_for_the_newborn_never_the_applicant(
    newborn_application: Application,
) -> None:
    application = newborn_application
    father = application.applicant
    child = newborn_of(father)
    certificate = material(application, "出生医学证明")
    assert certificate.status == MaterialStatus.SHARED
    (lookup,) = certificate.lookups.all()
    assert lookup.subject == child.child_id != father.resident_id
    # The answer is the newborn's own certificate: its number, the child's name, the father named as father.
    (record,) = lookup.fields["births"]
    assert record["certificate_number"] == child.certificate_number
    assert (
        record["child_resident_id"] == child.child_id and record["father_resident_id"] == father.resident_id
    )
    entry = AccessLogEntry.objects.get(request_id=lookup.request_id)
    assert entry.subject == child.child_id and entry.service_name == once_only.BIRTHS
    # The only read of the birth registry about the father is the one that found the child; no material rests
    # on it.
    about_father = SharedLookup.objects.get(
        application=application, data_service=once_only.BIRTHS, subject=father.resident_id
    )
    assert not about_father.materials.exists()
    # The child's household record, identity check and insurance status are the newborn's; the parents' identity
    # checks are the mother's and the father's; the household the child joins is the applicant's.
    assert {
        lookup.subject for lookup in material(application, "新生儿或未成年人居民户口簿").lookups.all()
    } == {child.child_id}
    assert {lookup.subject for lookup in material(application, "申请人居民身份证").lookups.all()} == {
        child.child_id
    }
    assert {lookup.subject for lookup in material(application, "新生儿父母双方居民身份证").lookups.all()} == {
        child.mother_id,
        child.father_id,
    }
    assert {lookup.subject for lookup in material(application, "拟落户方居民户口簿").lookups.all()} == {
        father.resident_id
    }
    # The page tells the parent which child was found (name masked) and the staff page names the child.
    client = Client()
    client.force_login(father)
    page = client.get(reverse("cases:application", args=[application.pk])).content.decode()
    assert child.certificate_number in page and masked_name(child.child.name) in page
    assert (
        "newborn-heading" in page and 'name="certificate_number"' not in page
    )  # one child: nothing to choose


def test_one_document_is_one_row_and_never_both_fetched_and_asked_for(
    newborn_application: Application,
) -> None:
    """出生医学证明 (户口登记) and 新生儿出生医学证明 (城乡居民参保登记) are the same certificate: one row for both
    items, fetched once; no fetched material is also an upload, and no document is listed twice."""
    application = newborn_application
    certificate = material(application, "出生医学证明")
    assert len(certificate.item_codes) == 2
    assert not application.materials.filter(name="新生儿出生医学证明").exists()
    materials = queries.application_materials(application)
    fetched = [m for m in materials if m.status == MaterialStatus.SHARED]
    assert fetched and not any(queries.needs_upload(m) for m in fetched)
    # One row per document: no two shared rows read the same service about the same person in the same role.
    documents = [(m.data_service, once_only.role_of(m)) for m in materials if m.source == "shared"]
    assert len(documents) == len(set(documents))
    upload_names = {m.name for m in upload_fields_of(application)}
    assert not upload_names & {m.name for m in fetched}


def test_the_parent_chooses_among_several_recent_children(
    newborn_application: Application,
    district: District,  # noqa: F811
) -> None:
    application = newborn_application
    father = application.applicant
    first = newborn_of(father)
    twin = second_child(father)
    # A draft started now lists both children and starts with the youngest (the later certificate on a tie).
    application = actions.do_create_application(father, bundle=application.bundle)
    found, choices = queries.newborn_of(application)
    assert {child.certificate_number for child in choices} == {
        first.certificate_number,
        twin.certificate_number,
    }
    assert found is not None and found.certificate_number == twin.certificate_number
    client = Client()
    client.force_login(father)
    page = client.get(reverse("cases:application", args=[application.pk])).content.decode()
    assert page.count('name="certificate_number"') == 2 and first.certificate_number in page
    # Choosing the other child (the page form, no JavaScript) fetches the certificate for that child.
    response = client.post(
        reverse("cases:choose_newborn", args=[application.pk]),
        {"certificate_number": first.certificate_number},
    )
    assert response.status_code == 302
    certificate = material(application, "出生医学证明")
    assert certificate.status == MaterialStatus.SHARED
    assert {lookup.subject for lookup in certificate.lookups.all()} == {first.child_id}
    application.refresh_from_db()
    assert application.form_data[once_only.NEWBORN_CHOICE] == first.certificate_number
    # Saving the form keeps the choice, and cannot set one.
    actions.do_save_draft(
        father,
        application,
        form_data={"contact_name": "x", once_only.NEWBORN_CHOICE: twin.certificate_number},
    )
    application.refresh_from_db()
    assert application.form_data[once_only.NEWBORN_CHOICE] == first.certificate_number
    # The API gives the same choice.
    body = client.post(
        f"/api/v1/applications/{application.pk}/newborn",
        {"certificate_number": twin.certificate_number},
        content_type="application/json",
    ).json()
    assert body["newborn"]["certificate_number"] == twin.certificate_number
    assert body["newborn"]["name"] == masked_name(twin.child.name)
    assert len(body["newborn_choices"]) == 2
    assert {lookup.subject for lookup in material(application, "出生医学证明").lookups.all()} == {
        twin.child_id
    }


def test_a_child_that_is_not_the_applicants_cannot_be_chosen(
    newborn_application: Application,
    district: District,  # noqa: F811
) -> None:
    application = newborn_application
    father = application.applicant
    stranger = (
        BirthRecord.objects.filter(issued_on__year=2025)
        .exclude(father_id=father.resident_id)
        .exclude(mother_id=newborn_of(father).mother_id)
        .first()
    )
    assert stranger is not None
    before = AccessLogEntry.objects.count()
    with pytest.raises(ValidationError):
        actions.do_choose_newborn(father, application, certificate_number=stranger.certificate_number)
    assert AccessLogEntry.objects.count() == before  # nothing asked about the other family's child
    assert AuditRecord.objects.filter(action="cases.newborn_choice_refused", actor_id=father.pk).exists()
    client = Client()
    client.force_login(father)
    # The page form and the API refuse it the same way, and show nothing about that child.
    response = client.post(
        reverse("cases:choose_newborn", args=[application.pk]),
        {"certificate_number": stranger.certificate_number},
    )
    assert response.status_code == 400 and stranger.child.name not in response.content.decode()
    response = client.post(
        f"/api/v1/applications/{application.pk}/newborn",
        {"certificate_number": stranger.certificate_number},
        content_type="application/json",
    )
    assert response.status_code == 422 and response["Content-Type"].startswith("application/problem+json")
    assert stranger.child_id not in response.content.decode()
    response = client.post(
        "/api/v1/applications",
        {"bundle": "newborn", "submit": False, "newborn_certificate": stranger.certificate_number},
        content_type="application/json",
    )
    assert response.status_code == 422 and not Application.objects.filter(pk__gt=application.pk).exists()
    assert AccessLogEntry.objects.filter(subject=stranger.child_id).count() == 0
    # A choice slipped into the form data is never read either.
    sneaky = actions.do_create_application(
        father, bundle=application.bundle, form_data={once_only.NEWBORN_CHOICE: stranger.certificate_number}
    )
    assert material(sneaky, "出生医学证明").status == MaterialStatus.MISSING
    assert AccessLogEntry.objects.filter(subject=stranger.child_id).count() == 0


def test_whom_each_material_is_about_follows_one_rule() -> None:
    rule = once_only.subject_rule
    assert (
        rule("出生医学证明", once_only.BIRTHS) == "newborn"
    )  # a certificate is the child's, not the parent's
    assert rule("新生儿出生医学证明", once_only.BIRTHS) == "newborn"
    assert rule("新生儿母亲居民身份证", once_only.IDENTITY_CHECK) == "mother"
    assert rule("新生儿父母双方居民身份证", once_only.IDENTITY_CHECK) == "parents"
    assert rule("配偶居民身份证", once_only.IDENTITY_CHECK) == "spouse"
    assert rule("申请人居民身份证", once_only.IDENTITY_CHECK) == "applicant"
    assert rule("参保人居民身份证", once_only.IDENTITY_CHECK, "beneficiary", "newborn") == "newborn"
    assert rule("参保人居民身份证", once_only.IDENTITY_CHECK, "beneficiary") == "applicant"
    assert rule("出生医学证明", once_only.BIRTHS, "applicant") == "applicant"  # the guide's word wins


def test_the_applicant_is_not_told_of_reads_made_for_their_own_draft(district: District) -> None:  # noqa: F811
    bundle = newborn_bundle()
    parent = parent_of_newborn()
    actions.do_create_application(parent, bundle=bundle)
    own_reads = AccessLogEntry.objects.filter(subject=parent.resident_id, outcome=Outcome.OK)
    assert own_reads.filter(service_name="人口.户籍信息").exists()
    assert set(own_reads.values_list("on_behalf_of", flat=True)) == {parent.resident_id}
    assert not Notification.objects.filter(recipient=parent, template__key="registries-data-read").exists()
