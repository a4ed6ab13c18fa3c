"""Journey (12345): a citizen's message is dispatched automatically, signed for, answered, called back
unsatisfied, redone, closed and rated — each person clicking through their own pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.pages import log_in
from tests.factories import CitizenFactory, DepartmentFactory, DivisionFactory, StaffFactory, StaffRoleFactory
from tests.hotline.conftest import STREETLIGHT, FakeRouter
from yiwang.hotline import actions
from yiwang.org.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in_new_page(
    browser: Browser, live_server: LiveServer, username: str, device: TOTPDevice | None = None
) -> Page:
    """A fresh browser page (another person's device) logged in as ``username``."""
    page = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    log_in(page, live_server.url, username, device)
    return page


def staff_member(username: str, department, role: str) -> TOTPDevice:
    user = StaffFactory(username=username)
    StaffRoleFactory(user=user, department=department, role=role)
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def test_message_to_rating(
    live_server: LiveServer, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    division = DivisionFactory(name="广安区")
    centre = DepartmentFactory(code="hotline-centre", name="12345热线中心", is_platform_operator=True)
    roads = DepartmentFactory(code="roads", name="城市管理局", division=division)
    router = FakeRouter(department="roads", confidence=0.97)
    monkeypatch.setattr(actions, "propose_routing", router.propose)
    monkeypatch.setattr(actions, "_record_routing_label", router.record)
    citizen = CitizenFactory(real_name="王小明")
    clerk_device = staff_member("li.roads", roads, Role.WINDOW_CLERK)
    dispatcher_device = staff_member("zhou.dispatch", centre, Role.DISPATCHER)

    # The citizen writes; the router is sure, so the message goes straight to the roads department.
    citizen_page = log_in_new_page(browser, live_server, citizen.phone)
    citizen_page.goto(live_server.url + reverse("hotline:new"))
    citizen_page.get_by_label("求助").check()
    citizen_page.get_by_label("诉求内容").fill(STREETLIGHT)
    citizen_page.get_by_label("所在区县或乡镇街道").select_option(label="广安区")
    citizen_page.get_by_label("地址").fill("幸福小区东门")
    citizen_page.get_by_role("button", name="提交留言").click()
    expect(citizen_page.locator(".status")).to_have_text("待签收")
    expect(citizen_page.get_by_text("已转交城市管理局办理。")).to_be_visible()
    number = citizen_page.url.rstrip("/").split("/")[-1]

    # The department signs for it from its inbox and replies.
    clerk = log_in_new_page(browser, live_server, "li.roads", clerk_device)
    clerk.goto(live_server.url + reverse("hotline:inbox"))
    clerk.get_by_role("link", name=number).click()
    clerk.get_by_role("button", name="签收").click()
    expect(clerk.locator(".status")).to_have_text("办理中")
    clerk.get_by_role("textbox", name="答复").fill("已安排维修人员更换灯泡，今晚恢复照明。")
    clerk.get_by_role("button", name="答复").click()
    expect(clerk.locator(".status")).to_have_text("已答复待回访")

    # The hotline centre calls back: the citizen is unsatisfied, so the order is redone.
    dispatcher = log_in_new_page(browser, live_server, "zhou.dispatch", dispatcher_device)
    dispatcher.goto(live_server.url + reverse("hotline:triage"))
    dispatcher.get_by_role("link", name=f"{number} ").click()
    dispatcher.get_by_label("不满意").check()
    dispatcher.get_by_role("button", name="记录回访").click()
    dispatcher.get_by_role("textbox", name="理由").fill("市民反映灯仍不亮")
    dispatcher.get_by_role("button", name="重办").click()
    expect(dispatcher.locator(".status")).to_have_text("办理中")

    # The department answers again; the callback is satisfied and the order is closed.
    clerk.reload()
    clerk.get_by_role("textbox", name="答复").fill("已更换线路和灯具，经现场确认已恢复照明。")
    clerk.get_by_role("button", name="答复").click()
    dispatcher.reload()
    dispatcher.get_by_label("满意", exact=True).check()
    dispatcher.get_by_role("button", name="记录回访").click()
    dispatcher.get_by_role("button", name="办结").click()
    expect(dispatcher.locator(".status")).to_have_text("已办结")

    # The citizen sees the whole story and rates the answer.
    citizen_page.goto(live_server.url + reverse("hotline:mine"))
    citizen_page.get_by_role("link", name=number).click()
    expect(citizen_page.get_by_text("您的诉求正在重新办理。")).to_be_visible()
    expect(citizen_page.locator(".reply-text")).to_contain_text("已更换线路和灯具")
    citizen_page.get_by_label("非常满意").check()
    citizen_page.get_by_label("评价意见").fill("修得很快，谢谢！")
    citizen_page.get_by_role("button", name="评价").click()
    expect(citizen_page.get_by_text("5分（满分5分）", exact=True)).to_be_visible()
