"""API authentication (接口认证): a personal token (``Authorization: Bearer yw_…``) or a browser session with CSRF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

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


class CsrfRefused(Exception):
    """A logged-in browser session sent an unsafe request without a valid CSRF token: 403 problem+json."""

    def __init__(self) -> None:
        self.message = _("The CSRF token is missing or wrong. Reload the page and try again.")
        super().__init__(self.message)


def carries_bearer_token(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer")


class SessionCsrfAuth(SessionAuth):
    """The browser session, with Django's CSRF check on unsafe methods.

    A request carrying ``Authorization: Bearer`` is judged by its token alone (:class:`ApiTokenAuth`): a missing,
    wrong or expired token answers 401, never a CSRF 403. A request without a logged-in session is not
    authenticated by this class (401 too); only a logged-in session without its CSRF token answers 403.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if carries_bearer_token(request) or not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise CsrfRefused()
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if key is not None else None
