"""Journeys: a citizen logs in with a text message code; a staff member logs in with password + authenticator."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.factories import CitizenFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def test_citizen_logs_in_with_a_code_read_from_the_demo_outbox(live_server: LiveServer, page: Page) -> None:
    citizen = CitizenFactory(real_name="刘晓红", phone="13812345678")

    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_role("link", name="使用手机验证码登录").click()
    page.get_by_label("手机号码").fill(citizen.phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("如该号码已注册，验证码已发送")).to_be_visible()

    outbox = page.context.new_page()
    outbox.goto(live_server.url + reverse("notify:outbox"))
    row = outbox.get_by_role("row").filter(has_text="13812345678").first
    match = re.search(r"验证码是(\d{6})", row.inner_text())
    assert match, row.inner_text()
    outbox.close()

    page.get_by_label("验证码").fill(match.group(1))
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(live_server.url + reverse("portal:home"))
    expect(page.get_by_role("banner")).to_contain_text("刘晓红")


def test_staff_member_logs_in_with_password_and_authenticator(live_server: LiveServer, page: Page) -> None:
    staff = StaffFactory(username="zhao.window", real_name="赵窗口")
    staff.set_password(PASSWORD)
    staff.save()
    device = TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)

    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("手机号码、公民身份号码或工作人员用户名").fill("zhao.window")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", name="动态口令")).to_be_visible()
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.get_by_label("动态口令").fill(f"{code:06d}")
    page.get_by_role("button", name="验证并登录").click()

    expect(page).to_have_url(live_server.url + reverse("office:home"))
    expect(page.get_by_role("banner")).to_contain_text("赵窗口")
    expect(page.get_by_role("link", name="工作台")).to_be_visible()
