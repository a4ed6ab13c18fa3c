"""Authentication backends (认证后端)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from yiwang.accounts.actions import do_use_login_code
from yiwang.accounts.models import User


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
