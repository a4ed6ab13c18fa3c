"""Journey (the registries issue's Must show): a demo father of a 2025 newborn applies to 新生儿出生一件事 without
uploading any document a registry holds — the form says 免提交 and who supplied each — submits, and then finds
every lookup of his data with its purpose and case number in 我的数据使用记录; another citizen's record shows
none of them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.cases.newborn import OWN_DOCUMENTS, PDF, newborn_bundle, parent_of_newborn
from tests.e2e.pages import log_in
from tests.factories import CitizenFactory
from tests.registries.conftest import District, _private_key_directory, district  # noqa: F401
from yiwang.cases.models import Application, SharedLookup
from yiwang.core.legaltime import clear_calendar_cache
from yiwang.core.legaltime.schedule import seed_from_chinese_calendar
from yiwang.demo import identities

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REGISTRY_MATERIALS = (
    "出生医学证明",
    "新生儿父母双方居民身份证",
    "拟落户方居民户口簿",
    "新生儿母亲居民身份证",
)


def material_item(page: Page, name: str) -> Locator:
    """The checklist entry of one material (its heading is the name, then its necessity)."""
    heading = page.get_by_role("heading", name=re.compile(rf"^{re.escape(name)}\s"))
    return page.locator("li.material").filter(has=heading)


def test_newborn_parent_uploads_nothing_a_registry_holds_and_sees_every_lookup(
    live_server: LiveServer,
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    district: District,  # noqa: F811
    tmp_path: Path,
) -> None:
    seed_from_chinese_calendar()
    clear_calendar_cache()
    newborn_bundle()
    father = parent_of_newborn()
    base = live_server.url
    upload = tmp_path / "登记表.pdf"
    upload.write_bytes(PDF)

    log_in(page, base, father.username)
    page.goto(base + reverse("cases:start_bundle", args=["newborn"]))
    page.get_by_role("button", name="开始申请").click()
    # The registries answered before the form was shown: no upload field for what they hold, each says who.
    for name in REGISTRY_MATERIALS:
        material = material_item(page, name)
        expect(material).to_contain_text("免提交")
        expect(material).to_contain_text("共享获取")
        expect(material).to_contain_text("可信等级 A")
        expect(material.locator("input[type=file]")).to_have_count(0)
    household = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="拟落户方居民户口簿")
    )
    expect(household).to_contain_text("由广安区区公安分局于")
    application = Application.objects.get(applicant=father)
    household_answer = SharedLookup.objects.get(
        application=application, data_service="人口.户籍信息", subject=father.resident_id
    )
    expect(page.get_by_label("地址", exact=True)).to_have_value(household_answer.fields["address"])
    registry = page.locator(".registry-record")
    expect(registry).to_contain_text("来自人口库")
    expect(registry).to_contain_text(household_answer.fields["household_number"])
    expect(registry).to_contain_text(father.resident_id)
    for name in OWN_DOCUMENTS:  # only what the citizen signs, and the hospital's delivery record
        page.get_by_label(name, exact=True).set_input_files(upload)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("您的一次申请已分为4个办件")).to_be_visible()

    # 我的数据使用记录: every answered lookup of his data, with its purpose and the case it served.
    page.goto(base + reverse("registries:my_data_access"))
    expect(page.get_by_role("heading", name="我的数据使用记录")).to_be_visible()
    own = SharedLookup.objects.filter(application=application, subject=father.resident_id, outcome="ok")
    assert own.count() >= 3  # birth certificates, identity, household, marriage
    numbers = set(application.cases.values_list("number", flat=True))
    for lookup in own:
        assert lookup.case_reference in numbers
        row = page.locator(f"#access-{lookup.request_id}")
        expect(row).to_contain_text(lookup.data_service)
        expect(row).to_contain_text("办件审查")
        expect(row).to_contain_text(lookup.case_reference)
        expect(row).to_contain_text("system:cases.application")

    # Another citizen's record shows none of these lookups.
    neighbour = CitizenFactory(real_name=identities.citizen_name(2), resident_id=identities.resident_id(2))
    other_page = browser.new_context(**browser_context_args).new_page()
    log_in(other_page, base, neighbour.username)
    other_page.goto(base + reverse("registries:my_data_access"))
    expect(other_page.get_by_role("heading", name="我的数据使用记录")).to_be_visible()
    for number in numbers:
        expect(other_page.get_by_text(number)).to_have_count(0)
