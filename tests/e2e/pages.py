"""Steps every browser journey shares."""

from __future__ import annotations

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page

PASSWORD = "correct horse battery"  # the password of every account the factories make


def log_in(page: Page, base: str, username: str, device: TOTPDevice | None = None) -> None:
    """Log in on the login page with the factories' password; staff then type their authenticator's code."""
    page.goto(base + reverse("accounts:login"))
    page.get_by_label("手机号码、公民身份号码或工作人员用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    if device is not None:
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        page.get_by_label("动态口令").fill(f"{code:06d}")
        page.get_by_role("button", name="验证并登录").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)
