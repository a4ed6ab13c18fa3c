"""Audit records for logging in, logging out and lockouts (登录审计), fed by Django and django-axes signals."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from yiwang.accounts.actions import (
    do_record_address_throttled,
    do_record_lockout,
    do_record_login,
    do_record_logout,
)
from yiwang.accounts.backends import count_login_failure
from yiwang.accounts.models import User
from yiwang.core import ratelimit
from yiwang.core.errors import RateLimited

LOGIN_METHODS = {
    "yiwang.accounts.backends.PhoneCodeBackend": "sms_code",
    "django.contrib.auth.backends.ModelBackend": "password",
}


def login_method(user: User) -> str:
    method = LOGIN_METHODS.get(getattr(user, "backend", ""), "other")
    return f"{method}+totp" if getattr(user, "otp_device", None) is not None else method


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    do_record_login(user, login_method(user))


@receiver(user_logged_out, dispatch_uid="accounts.audit_logout")
def audit_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        do_record_logout(user)


@receiver(user_locked_out, dispatch_uid="accounts.audit_lockout")
def audit_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    do_record_lockout(username or "", ip_address)


@receiver(user_login_failed, dispatch_uid="accounts.count_failure_per_address")
def count_failure_per_address(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Count a failed login against its client address (password spraying across accounts); audit the failure
    that uses the rule up."""
    try:
        used_up = count_login_failure(request)
    except RateLimited:  # already over: the next attempt is refused before any password is checked
        return
    if used_up and request is not None:
        do_record_address_throttled(ratelimit.client_ip(request), "login-failure-per-address")
