"""Applicant pages: start from the guide, fill in the generated form, save a draft, submit once, follow the case,
hand in corrections, print notices, withdraw; and who may see what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import latest_login_code
from tests.cases.conftest import PDF, World, publish
from tests.factories import CitizenFactory, CompanyFactory, ServiceItemFactory, StaffFactory, StaffRoleFactory
from yiwang.accounts.models import AgentRole, CompanyAgent, User
from yiwang.cases import actions
from yiwang.cases.models import Application, ApplicationStatus, Case, CaseState, MaterialFile
from yiwang.catalog.models import Bundle, BundleItem
from yiwang.org.models import Role

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(name: str = "a.pdf", content: bytes = PDF) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def start(client: Client, world: World, **data: str) -> Application:
    response = client.post(
        reverse("cases:start_item", args=[world.item.implementation_code]),
        {"applicant_kind": "person", **data},
    )
    assert response.status_code == 302, response.content.decode()
    return Application.objects.latest("pk")


def material_field(application: Application, name: str) -> str:
    return f"material_{application.materials.get(name=name).pk}"


DETAILS = {"contact_name": "刘晓红", "contact_phone": "13812345678", "address": "广安区建设路18号"}


def test_guide_page_links_to_the_generated_form_prefilled_from_the_account(world: World) -> None:
    world.citizen.real_name = "刘晓红"
    world.citizen.save()
    client = logged_in(world.citizen)
    guide = client.get(reverse("catalog:item_detail", args=[world.item.implementation_code]))
    apply_url = reverse("cases:start_item", args=[world.item.implementation_code])
    assert "在线申请" in guide.content.decode() and apply_url in guide.content.decode()

    assert "本人" in client.get(apply_url).content.decode()
    application = start(client, world)
    page = client.get(reverse("cases:application", args=[application.pk])).content.decode()
    assert 'value="刘晓红"' in page  # applicant details prefilled from the account
    assert "免提交" in page  # the shared business licence is fetched, not uploaded
    assert 'name="' + material_field(application, "申请书") + '"' in page
    assert 'name="' + material_field(application, "营业执照") + '"' not in page


def test_anonymous_visitors_are_sent_to_log_in(world: World) -> None:
    response = Client().get(reverse("cases:start_item", args=[world.item.implementation_code]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_draft_is_saved_and_resumed_then_submitted_once(world: World) -> None:
    client = logged_in(world.citizen)
    application = start(client, world)
    url = reverse("cases:application", args=[application.pk])

    saved = client.post(
        url, {**DETAILS, "intent": "save", material_field(application, "申请书"): upload("申请书.pdf")}
    )
    assert saved.status_code == 302
    resumed = client.get(url).content.decode()
    assert "广安区建设路18号" in resumed and "申请书.pdf" in resumed

    missing = client.post(url, {**DETAILS, "intent": "submit"})
    assert missing.status_code == 400
    assert "场所平面图" in missing.content.decode() and "暂不能提交" in missing.content.decode()
    assert not Case.objects.exists()

    submitted = client.post(
        url, {**DETAILS, "intent": "submit", material_field(application, "场所平面图"): upload()}
    )
    assert submitted.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    (case,) = application.cases.all()
    status_page = client.get(url).content.decode()
    assert case.number in status_page and "已收件待受理" in status_page

    again = client.post(url, {**DETAILS, "intent": "submit"})
    assert again.status_code == 409 and Case.objects.count() == 1


def test_bad_input_shows_chinese_field_errors_and_writes_nothing(world: World) -> None:
    client = logged_in(world.citizen)
    application = start(client, world)
    url = reverse("cases:application", args=[application.pk])
    response = client.post(
        url,
        {
            **DETAILS,
            "contact_phone": "12345",
            "intent": "save",
            material_field(application, "申请书"): upload("evil.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )
    assert response.status_code == 400
    assert "手机号码" in response.content.decode()

    response = client.post(
        url,
        {
            **DETAILS,
            "intent": "save",
            material_field(application, "申请书"): upload("evil.pdf", b"MZ\x90\x00"),
        },
    )
    assert response.status_code == 400
    assert "只接受 PDF、JPEG、PNG 和 OFD 文件" in response.content.decode()
    application.refresh_from_db()
    assert application.form_data.get("address") != DETAILS["address"]  # the details were not saved either
    assert not MaterialFile.objects.exists()


def test_company_agent_applies_for_the_company(world: World) -> None:
    company = CompanyFactory(name="广安区味道餐饮有限公司", registered_address="广安区建设路18号")
    from django.utils import timezone

    CompanyAgent.objects.create(
        company=company, user=world.citizen, role=AgentRole.LEGAL_REPRESENTATIVE, approved_at=timezone.now()
    )
    client = logged_in(world.citizen)
    response = client.post(
        reverse("cases:start_item", args=[world.item.implementation_code]), {"applicant_kind": "company"}
    )
    assert response.status_code == 400 and "请选择您代为申请的企业" in response.content.decode()
    client.post(
        reverse("cases:start_item", args=[world.item.implementation_code]),
        {"applicant_kind": "company", "company": company.pk},
    )
    application = Application.objects.get()
    assert application.company == company
    page = client.get(reverse("cases:application", args=[application.pk])).content.decode()
    assert "广安区味道餐饮有限公司" in page and 'value="广安区建设路18号"' in page


def test_village_agent_needs_the_citizens_confirmation(world: World, settings: Any) -> None:
    settings.IDENTITY_VERIFIER = "tests.accounts.fakes.AgreeingVerifier"
    client = logged_in(world.citizen)
    url = reverse("cases:start_item", args=[world.item.implementation_code])
    bad = client.post(
        url, {"applicant_kind": "delegated", "citizen_name": "王大爷", "citizen_resident_id": "123"}
    )
    assert bad.status_code == 400 and not Application.objects.exists()
    elder = CitizenFactory(real_name="王大爷")
    client.post(
        url,
        {"applicant_kind": "delegated", "citizen_name": "王大爷", "citizen_resident_id": elder.resident_id},
    )
    application = Application.objects.get()
    assert client.post(reverse("cases:send_delegation_code", args=[application.pk])).status_code == 302
    code = latest_login_code(elder.phone)  # the elder's own verified number, never one the agent typed

    wrong = client.post(reverse("cases:confirm_delegation", args=[application.pk]), {"code": "000000"})
    assert wrong.status_code == 400 and "确认码不正确" in wrong.content.decode()
    right = client.post(reverse("cases:confirm_delegation", args=[application.pk]), {"code": code})
    assert right.status_code == 302
    application.refresh_from_db()
    assert application.delegation_confirmed_at is not None and application.delegation_method == "code"
    assert "王大爷" in client.get(reverse("cases:application", args=[application.pk])).content.decode()


def test_others_cannot_see_an_application_or_its_files(
    world: World,
    ready_application: Callable[..., Application],
    login_verified_staff: Callable[[Client, User], Client],
) -> None:
    application = ready_application()
    (case,) = actions.do_submit_application(world.citizen, application)
    stranger = logged_in(CitizenFactory())
    assert stranger.get(reverse("cases:application", args=[application.pk])).status_code == 404
    assert stranger.get(reverse("cases:case", args=[case.number])).status_code == 404
    assert Client().get(reverse("cases:mine")).status_code == 302
    assert logged_in(world.citizen).get(reverse("cases:case", args=["YW20990101000001"])).status_code == 404

    file = MaterialFile.objects.filter(material__application=application).first()
    assert file is not None
    download = reverse("cases:download_file", args=[file.pk])
    assert logged_in(world.citizen).get(download).content == PDF
    assert stranger.get(download).status_code == 404
    assert login_verified_staff(Client(), world.co_reviewer).get(download).status_code == 200
    outsider = StaffRoleFactory(role=Role.REVIEWER).user
    assert login_verified_staff(Client(), outsider).get(download).status_code == 404


def test_correction_round_pauses_the_clock_and_resubmission_resumes_it(
    world: World, ready_application: Callable[..., Application]
) -> None:
    (case,) = actions.do_submit_application(world.citizen, ready_application())
    plan = case.application.materials.get(name="场所平面图")
    notice = actions.do_request_correction(world.clerk, case, problems={plan.pk: "平面图未标明消毒间位置"})
    client = logged_in(world.citizen)
    page = client.get(reverse("cases:case", args=[case.number])).content.decode()
    assert "时限暂停：补正中" in page and "平面图未标明消毒间位置" in page
    assert "补正材料告知书" in page

    printable = client.get(reverse("cases:notice", args=[case.number, notice.number])).content.decode()
    assert (
        "补正材料告知书" in printable
        and "平面图未标明消毒间位置" in printable
        and "@media print" not in printable
    )

    empty = client.post(reverse("cases:resubmit", args=[case.number]), {})
    assert empty.status_code == 400 and "场所平面图" in empty.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.CORRECTION

    done = client.post(
        reverse("cases:resubmit", args=[case.number]), {f"material_{plan.pk}": upload("新平面图.pdf")}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    page = client.get(reverse("cases:case", args=[case.number])).content.decode()
    assert "时限暂停" not in page and "个工作日" in page


def test_applicant_withdraws_a_case(world: World, ready_application: Callable[..., Application]) -> None:
    (case,) = actions.do_submit_application(world.citizen, ready_application())
    client = logged_in(world.citizen)
    response = client.post(reverse("cases:withdraw_case", args=[case.number]), {"reason": "不开店了"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    again = client.post(reverse("cases:withdraw_case", args=[case.number]), {}, follow=True)
    assert "当前不能办理" in again.content.decode()


def test_my_applications_lists_drafts_and_cases(
    world: World, ready_application: Callable[..., Application]
) -> None:
    (case,) = actions.do_submit_application(world.citizen, ready_application())
    draft = ready_application()
    page = logged_in(world.citizen).get(reverse("cases:mine")).content.decode()
    assert "我的办件" in page and case.number in page
    assert reverse("cases:application", args=[draft.pk]) in page and "继续填写" in page


def test_bundle_form_merges_materials_and_fans_out(world: World) -> None:
    second = ServiceItemFactory(department=world.co, name="公共场所卫生许可")
    from tests.cases.conftest import guide_content

    publish(second, guide_content(world.co, []))
    bundle = Bundle.objects.create(code="restaurant", name="开办餐饮店一件事")
    BundleItem.objects.create(bundle=bundle, item=world.item, position=1)
    BundleItem.objects.create(bundle=bundle, item=second, position=2)
    client = logged_in(world.citizen)
    assert "在线申请" in client.get(reverse("catalog:bundle_detail", args=["restaurant"])).content.decode()
    client.post(reverse("cases:start_bundle", args=["restaurant"]), {"applicant_kind": "person"})
    application = Application.objects.get()
    assert application.materials.filter(name="申请书").count() == 1  # merged once for both items
    url = reverse("cases:application", args=[application.pk])
    response = client.post(
        url,
        {
            **DETAILS,
            "intent": "submit",
            material_field(application, "申请书"): upload(),
            material_field(application, "场所平面图"): upload(),
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert application.cases.count() == 2
    for case in application.cases.all():
        assert case.number in page and case.department.name in page


def test_staff_cannot_apply(world: World, login_verified_staff: Callable[[Client, User], Client]) -> None:
    client = login_verified_staff(Client(), StaffFactory())
    response = client.post(
        reverse("cases:start_item", args=[world.item.implementation_code]), {"applicant_kind": "person"}
    )
    assert response.status_code == 403 and not Application.objects.exists()
