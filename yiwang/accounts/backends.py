"""Authentication backends (认证后端)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from yiwang.accounts.actions import do_use_login_code
from yiwang.accounts.models import User
from yiwang.core import ratelimit
from yiwang.core.errors import RateLimited

logger = logging.getLogger(__name__)

LOGIN_FAILURE_RULE = "login-failure-per-address"


class DemoAccountGuard:
    """First in ``AUTHENTICATION_BACKENDS``: outside demo mode no demo account logs in (演示账号仅限演示环境).

    Demo accounts share a published password; if demo data ever reaches a real installation, anyone could use them.
    A demo account is one whose stored password hash is the demo password's (fixed salt). It never logs anyone in.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, **credentials: Any
    ) -> None:
        if settings.DEMO_MODE or not username:
            return None
        from yiwang.demo.loader import demo_password_hash  # the demo depends on accounts, not the reverse

        if User.objects.filter(username=username, password=demo_password_hash()).exists():
            logger.warning("login refused: demo account %s outside demo mode", username)
            raise PermissionDenied
        return None


class AddressThrottleBackend:
    """First in ``AUTHENTICATION_BACKENDS``: refuse every login attempt from an address that failed too often.

    django-axes locks one account after repeated failures; password spraying tries one or two passwords on many
    accounts and never trips it. Failed logins are therefore also counted per client address across all accounts
    (rule ``login-failure-per-address``, counted by :func:`count_login_failure` on ``user_login_failed``); past
    the rule, this backend raises :class:`~yiwang.core.errors.RateLimited` (a 429 page with ``Retry-After``)
    before any password is checked. It never logs anyone in itself.
    """

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        if request is None:
            return None
        address = ratelimit.client_ip(request)
        try:
            ratelimit.check(LOGIN_FAILURE_RULE, address)
        except RateLimited:
            logger.warning("login refused: too many failed logins from %s", address)
            raise
        return None

    # No get_user(): this backend never logs anyone in, so no session names it (and the test client's
    # force_login, which takes the first backend that has get_user, keeps using the model backend).


def count_login_failure(request: HttpRequest | None) -> bool:
    """Count one failed login from the request's address; True when this failure used up the rule."""
    if request is None:
        return False
    address = ratelimit.client_ip(request)
    ratelimit.hit(LOGIN_FAILURE_RULE, address)
    return ratelimit.remaining(LOGIN_FAILURE_RULE, address) == 0


def axes_client_ip(request: HttpRequest) -> str:
    """The client address django-axes counts by: the same as the rate limits' (trusted proxies only)."""
    return ratelimit.client_ip(request)


class PhoneCodeBackend(ModelBackend):
    """Log a citizen in with a one-time code sent to the phone (短信验证码登录).

    Called as ``authenticate(request, username=phone, code=code)`` so that django-axes counts wrong codes per
    phone number and client address like wrong passwords. Each call spends one attempt on the newest code.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        code: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not code:
            return None
        user = do_use_login_code(username, code)
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
