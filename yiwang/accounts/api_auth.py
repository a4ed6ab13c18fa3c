"""API authentication by personal token (接口令牌): ``Authorization: Bearer yw_…``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from yiwang.accounts.actions import API_TOKEN_PREFIX, api_token_digest, do_note_api_token_use
from yiwang.accounts.models import ApiToken


class ApiTokenAuth(HttpBearer):
    """Authenticate the request as the token's owner.

    Tokens are created only in a logged-in session (for staff, one verified with the authenticator code), so a
    staff token counts as verified: ``request.user.is_verified()`` is true for it, as it is in that session.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token.startswith(API_TOKEN_PREFIX):
            return None
        found = (
            ApiToken.objects.select_related("user")
            .filter(
                token_hash=api_token_digest(token), revoked_at__isnull=True, expires_at__gt=timezone.now()
            )
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        user = found.user
        user.is_verified = lambda: True  # type: ignore[attr-defined]  # see the class docstring
        request.user = user
        do_note_api_token_use(found)
        return user
