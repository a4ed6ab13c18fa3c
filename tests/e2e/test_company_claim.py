"""Journey (issue 10, Must show): a company claimed by its registered representative, and applying.

An impostor — a verified citizen, but not the company's representative — is refused with a clear message and
learns nothing about the company. The representative (a verified demo citizen of a small population registry)
claims the company: the legal-entity registry is asked, through the exchange, whether their verified resident ID
number is the registered representative's, and the company's name and address come from the registry. They then
start an application for the company, with the address prefilled from the registry and the business licence
fetched instead of uploaded, and submit it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from tests.cases.conftest import guide_content, publish
from tests.e2e.pages import PASSWORD, log_in
from tests.factories import CitizenFactory, DepartmentFactory, DivisionFactory, ServiceItemFactory
from yiwang.accounts.models import AssuranceLevel, CompanyAgent, User
from yiwang.cases.models import Application
from yiwang.core.legaltime import clear_calendar_cache
from yiwang.core.legaltime.schedule import seed_from_chinese_calendar
from yiwang.core.models import AuditRecord
from yiwang.demo import identities
from yiwang.demo.loader import _COMPANY_NAMES
from yiwang.org.models import DivisionLevel
from yiwang.registries.actions import do_publish_demo_catalogue
from yiwang.registries.catalogue import DEMO_CONDITIONAL_CONSUMERS, SERVICES
from yiwang.registries.models import AccessLogEntry, Entity
from yiwang.registries.population import load_population
from yiwang.workflow.actions import do_activate_definition, do_load_definition, read_definition_file
from yiwang.workflow.definition import LICENCE_DEFINITION_FILE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

POPULATION = 300
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
COMPANY = _COMPANY_NAMES[0]  # 广安渠江商贸有限公司: its registered representative is demo citizen no. 1


def small_district() -> None:
    """广安区 with the departments of the data catalogue, the demo catalogue published, a small population."""
    county = DivisionFactory(code="511602000000", name="广安区")
    town = DivisionFactory(code="511602001000", name="浓洄街道", level=DivisionLevel.TOWN, parent=county)
    DivisionFactory(code="511602001001", name="南门社区", level=DivisionLevel.VILLAGE, parent=town)
    short_names = sorted({entry[4] for entry in SERVICES.values()} | set(DEMO_CONDITIONAL_CONSUMERS))
    departments = {
        name: DepartmentFactory(
            code=f"dept{index:02d}",
            name=f"广安区{name}",
            short_name=name,
            division=county,
            is_platform_operator=name == "区行政审批局",
        )
        for index, name in enumerate(short_names)
    }
    do_publish_demo_catalogue(departments)
    load_population(POPULATION)
    market = departments["区市监局"]
    item = ServiceItemFactory(department=market, name="户外广告设置许可")
    publish(item, guide_content(market, []))


def verified_citizen(phone: str, real_name: str, resident_id: str) -> User:
    user = CitizenFactory(
        phone=phone,
        real_name=real_name,
        resident_id=resident_id,
        assurance_level=AssuranceLevel.L2,
        assurance_verified_at=timezone.now(),
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def claim(page: Page, base: str, uscc: str) -> None:
    page.goto(base + reverse("accounts:companies"))
    page.get_by_role("link", name="认领企业").click()
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("该企业的法定代表人").check()
    page.get_by_role("button", name="提交认领").click()


def test_the_registered_representative_claims_the_company_and_applies_for_it(
    live_server: LiveServer,
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    settings: Settings,
    tmp_path: Path,
) -> None:
    settings.DATA_DIR = tmp_path  # uploads and the registry departments' signing keys
    seed_from_chinese_calendar()
    clear_calendar_cache()
    definition = do_load_definition(None, read_definition_file(LICENCE_DEFINITION_FILE))
    do_activate_definition(None, definition.key, definition.version)
    small_district()
    uscc = identities.uscc("91", COMPANY)
    entity = Entity.objects.select_related("registered_address").get(uscc=uscc)
    registered_address = entity.registered_address.full_text
    owner = verified_citizen(
        identities.citizen_phone(1), identities.citizen_name(1), identities.resident_id(1)
    )
    assert owner.resident_id == entity.legal_representative_id
    impostor = verified_citizen("13800000099", "冒名者", identities.resident_id(2))
    base = live_server.url
    upload = tmp_path / "材料.pdf"
    upload.write_bytes(PDF)

    # An impostor, verified as themself, claims the company: refused, told why, shown nothing of the company.
    impostor_page = browser.new_context(**browser_context_args).new_page()
    log_in(impostor_page, base, impostor.username)
    claim(impostor_page, base, uscc)
    expect(impostor_page.get_by_role("alert")).to_contain_text("法人库登记信息显示您不是该企业的法定代表人")
    refused_html = impostor_page.content()
    assert COMPANY not in refused_html and registered_address not in refused_html
    assert AuditRecord.objects.filter(action="accounts.company_claim_refused", actor_id=impostor.pk).exists()

    # The registered representative claims it and acts for it at once, with the registry's data.
    log_in(page, base, owner.username)
    claim(page, base, uscc)
    expect(page.get_by_text(f"您已作为法定代表人认领{COMPANY}。")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=COMPANY)
    expect(row).to_contain_text("法定代表人")
    expect(row).to_contain_text("已授权")
    expect(row).to_contain_text(uscc)
    assert CompanyAgent.objects.get(user=owner).is_active_at(timezone.now())
    assert set(
        AccessLogEntry.objects.filter(actor_label="system:accounts.company_claim").values_list(
            "service_name", flat=True
        )
    ) == {"法人.登记信息", "法人.法定代表人核验"}

    # Then applies for the company: details from the registry, the business licence fetched, not uploaded.
    page.goto(base + reverse("cases:start_item", args=[_item_code()]))
    page.get_by_label("我代为办理的企业").check()
    page.get_by_label("企业", exact=True).select_option(label=COMPANY)
    page.get_by_role("button", name="开始申请").click()
    expect(page.get_by_text(COMPANY).first).to_be_visible()
    expect(page.get_by_label("地址", exact=True)).to_have_value(registered_address)
    expect(page.get_by_text("免提交").first).to_be_visible()
    page.get_by_label("联系人", exact=True).fill(owner.real_name)
    page.get_by_label("申请书", exact=True).set_input_files(upload)
    page.get_by_label("场所平面图", exact=True).set_input_files(upload)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("已收件待受理").first).to_be_visible()
    application = Application.objects.get()
    assert application.company is not None and application.company.uscc == uscc
    assert application.applicant_id == owner.pk


def _item_code() -> str:
    from yiwang.catalog.models import ServiceItem

    return ServiceItem.objects.get(name="户外广告设置许可").implementation_code
