"""Journey (the issue's Must show): a company applies once to 开办餐饮店一件事 → cases at two departments in
parallel → one correction round (the clock stops and resumes, visible to the applicant) → both grant → two signed
e-licences that verify, while a copy with one altered field does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from tests.e2e.pages import PASSWORD, log_in
from tests.factories import (
    CitizenFactory,
    CompanyFactory,
    DepartmentFactory,
    LicenceTypeFactory,
    ServiceItemFactory,
    StaffFactory,
    StaffRoleFactory,
)
from yiwang.accounts.models import AgentRole, CompanyAgent, User
from yiwang.catalog.actions import do_load_guide, parse_guide_or_raise
from yiwang.catalog.models import Bundle, BundleItem
from yiwang.core.legaltime import clear_calendar_cache
from yiwang.core.legaltime.schedule import seed_from_chinese_calendar
from yiwang.licences.models import Licence
from yiwang.licences.queries import verification_url
from yiwang.licences.signer import b64url_decode, b64url_encode
from yiwang.org.models import Department, Role
from yiwang.workflow.actions import do_activate_definition, do_load_definition, read_definition_file
from yiwang.workflow.definition import LICENCE_DEFINITION_FILE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GUIDES = Path(__file__).resolve().parents[2] / "yiwang" / "catalog" / "guides"
FOOD_CODE = "511A0005200004-511602000000-000-115113016823646795-1-00"  # 食品经营许可核发
HYGIENE_CODE = "511A0015500009-511602000000-000-115113016823646795-1-00"  # 公共场所卫生许可
CATALOGUE_DEPARTMENT = "68236467-9"  # the implementing unit as the guide files name it
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def publish_guide(code: str, department: Department) -> None:
    data = json.loads((GUIDES / f"{code}.json").read_text(encoding="utf-8"))
    item = ServiceItemFactory(
        implementation_code=code,
        name=data["name"],
        department=department,
        catalogue_department_code=CATALOGUE_DEPARTMENT,
    )
    do_load_guide(None, item, parse_guide_or_raise(data), "e2e")


def staff_with_authenticator(username: str, name: str, department: Department) -> tuple[User, TOTPDevice]:
    """One person per department doing acceptance, review and decision (a small county office)."""
    user = StaffFactory(username=username, real_name=name)
    user.set_password(PASSWORD)
    user.save()
    for role in (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER):
        StaffRoleFactory(user=user, department=department, role=role)
    return user, TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def open_case_in_office(page: Page, base: str, item_name: str) -> None:
    page.goto(base + reverse("office:home"))
    page.get_by_role("link", name="办件箱：按时限排列本部门的申请").click()
    page.get_by_role("row").filter(has_text=item_name).get_by_role("link").first.click()


def act(page: Page, action: str, button: str) -> None:
    page.locator(f"#action-{action}").get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_text(f"已完成：{button}。")).to_be_visible()


def review_and_grant(page: Page) -> None:
    opinion = page.locator("#action-opinion")
    opinion.get_by_label("同意", exact=True).check()
    opinion.get_by_label("审查意见").fill("经审查，材料齐全，符合法定条件。")
    act(page, "opinion", "填写审查意见")
    decide = page.locator("#action-decide")
    decide.get_by_label("准予许可").check()
    decide.get_by_label("理由", exact=True).fill("申请材料齐全、符合法定形式，准予许可。")
    act(page, "decide", "作出决定")


def test_company_applies_once_and_gets_two_verifiable_licences(
    live_server: LiveServer,
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    settings: Settings,
    tmp_path: Path,
) -> None:
    settings.DATA_DIR = tmp_path  # uploads and the departments' signing keys
    seed_from_chinese_calendar()
    clear_calendar_cache()
    definition = do_load_definition(None, read_definition_file(LICENCE_DEFINITION_FILE))
    do_activate_definition(None, definition.key, definition.version)
    market = DepartmentFactory(code="scjg", name="广安区市场监督管理局")
    health = DepartmentFactory(code="wjj", name="广安区卫生健康局", division=market.division)
    publish_guide(FOOD_CODE, market)
    publish_guide(HYGIENE_CODE, health)
    bundle = Bundle.objects.create(code="restaurant", name="开办餐饮店一件事", audiences=["company"])
    for position, code in enumerate((FOOD_CODE, HYGIENE_CODE), start=1):
        BundleItem.objects.create(bundle=bundle, item_id=_item_pk(code), position=position)
    LicenceTypeFactory(name="食品经营许可证", number_prefix="JY2511602")
    LicenceTypeFactory(name="公共场所卫生许可证", number_prefix="WS2511602", validity_years=4)
    company = CompanyFactory(name="广安区味道餐饮有限公司", registered_address="广安区建设路18号")
    owner = CitizenFactory(real_name="李四", phone="13812345678", resident_id=company.legal_representative_id)
    CompanyAgent.objects.create(
        company=company, user=owner, role=AgentRole.LEGAL_REPRESENTATIVE, approved_at=timezone.now()
    )
    market_officer, market_device = staff_with_authenticator("wang.scjg", "王审批", market)
    health_officer, health_device = staff_with_authenticator("zhou.wjj", "周审批", health)
    base = live_server.url
    upload = tmp_path / "材料.pdf"
    upload.write_bytes(PDF)

    # The legal representative applies once, from the life-event page, for the company.
    log_in(page, base, owner.username)
    page.goto(base + reverse("catalog:bundle_detail", args=["restaurant"]))
    page.get_by_role("link", name="在线申请").click()
    page.get_by_label("我代为办理的企业").check()
    page.get_by_label("企业", exact=True).select_option(label="广安区味道餐饮有限公司")
    page.get_by_role("button", name="开始申请").click()
    expect(page.get_by_label("地址", exact=True)).to_have_value(
        "广安区建设路18号"
    )  # prefilled from the company
    expect(page.get_by_text("免提交").first).to_be_visible()  # the business licence is shared, not uploaded
    for material in (
        "食品经营许可申请书",
        "与食品经营相适应的主要设备设施、经营布局和操作流程文件",
        "食品安全规章制度目录清单",
        "公共场所卫生许可申请表",
        "公共场所地址方位示意图、平面图和卫生设施平面布局图",
        "公共场所卫生检测或者评价报告",
        "公共场所卫生管理制度",
    ):
        page.get_by_label(material, exact=True).set_input_files(upload)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("您的一次申请已分为2个办件")).to_be_visible()
    cases = page.get_by_role("table", name="各办件状态")
    expect(cases.get_by_role("row").filter(has_text="广安区市场监督管理局")).to_contain_text("已收件待受理")
    expect(cases.get_by_role("row").filter(has_text="广安区卫生健康局")).to_contain_text("已收件待受理")
    status_url = page.url

    # Both departments work at the same time: the market regulator asks for one correction, health accepts.
    market_page = browser.new_context(**browser_context_args).new_page()
    log_in(market_page, base, market_officer.username, market_device)
    open_case_in_office(market_page, base, "食品(含保健食品)经营许可核发")
    correction = market_page.locator("#action-request_correction")
    correction.get_by_label("食品安全规章制度目录清单", exact=True).check()
    correction.get_by_label("“食品安全规章制度目录清单”需补正的内容").fill("缺少从业人员健康管理制度")
    act(market_page, "request_correction", "一次性告知补正")

    health_page = browser.new_context(**browser_context_args).new_page()
    log_in(health_page, base, health_officer.username, health_device)
    open_case_in_office(health_page, base, "公共场所卫生许可")
    act(health_page, "accept", "受理")

    # The company sees the clock stopped, hands in the correction, and sees it run again.
    page.goto(status_url)
    food_row = page.get_by_role("row").filter(has_text="食品(含保健食品)经营许可核发")
    expect(food_row).to_contain_text("时限暂停：补正中")
    food_row.get_by_role("link").first.click()
    expect(page.get_by_role("status").filter(has_text="时限暂停：补正中")).to_be_visible()
    expect(page.get_by_text("缺少从业人员健康管理制度").first).to_be_visible()
    page.get_by_label("食品安全规章制度目录清单", exact=True).set_input_files(upload)
    page.get_by_role("button", name="提交补正").click()
    expect(page.get_by_text("补正材料已提交，办理时限恢复计时。")).to_be_visible()
    expect(page.get_by_text("时限暂停：补正中")).to_have_count(0)
    expect(page.get_by_role("table", name="计时区段")).to_contain_text("暂停：补正材料")
    expect(page.get_by_text("个工作日").first).to_be_visible()

    # Both review and grant; each grant issues a signed e-licence.
    market_page.reload()
    act(market_page, "accept", "受理")
    review_and_grant(market_page)
    review_and_grant(health_page)

    page.goto(status_url)
    expect(page.get_by_role("table", name="各办件状态").get_by_text("已决定")).to_have_count(2)
    licences = list(Licence.objects.order_by("number"))
    assert {licence.type_name for licence in licences} == {"食品经营许可证", "公共场所卫生许可证"}
    for licence in licences:
        assert licence.holder_name == "广安区味道餐饮有限公司"
        page.goto(base + reverse("licences:verify_result", args=[licence.number]))
        expect(page.get_by_role("status")).to_have_text("有效")

    # A copy with one altered field (the holder's name in the QR address) is not genuine.
    qr_address = urlsplit(verification_url(licences[0]))
    query = {name: values[0] for name, values in parse_qs(qr_address.query).items()}
    copy = json.loads(b64url_decode(query["p"]))
    copy["holder_name"] = "广安区冒名餐饮有限公司"
    tampered = {**query, "p": b64url_encode(json.dumps(copy, ensure_ascii=False).encode())}
    page.goto(f"{base}{qr_address.path}?{urlencode(tampered)}")
    expect(page.get_by_role("status")).to_have_text("非真实证照")


def _item_pk(code: str) -> int:
    from yiwang.catalog.models import ServiceItem

    return ServiceItem.objects.get(implementation_code=code).pk
