"""Journey: a citizen browses to a guide by department, reads which materials need not be handed in, and prints it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.catalog.conftest import guide_for
from tests.factories import DepartmentFactory, ServiceItemFactory
from yiwang.catalog.actions import do_load_guide
from yiwang.catalog.guide import parse_guide

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_citizen_finds_a_guide_by_department_and_prints_it(live_server: LiveServer, page: Page) -> None:
    department = DepartmentFactory(name="广安市广安区市场监督管理局", division__code="511602000000")
    item = ServiceItemFactory(name="食品经营许可核发", department=department)
    do_load_guide(None, item, parse_guide(guide_for(item)), "测试")

    page.goto(live_server.url + "/services/")
    page.get_by_role("link", name="按部门浏览").click()
    page.get_by_role("link", name="广安市广安区市场监督管理局").click()
    page.get_by_role("link", name="食品经营许可核发").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("食品经营许可核发")
    expect(page.get_by_text("由部门通过共享数据（法人.登记信息）获取，无需提交。")).to_be_visible()

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("heading", name="申请材料")).to_be_visible()
    assert page.pdf()[:4] == b"%PDF"
