"""Guards for staff pages (工作人员页面): a staff account whose session passed the authenticator code."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def _staff_otp_guard(request: HttpRequest) -> HttpResponse | None:
    """None when the request may proceed; else the redirect to log in (or PermissionDenied for citizens)."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not getattr(user, "is_government_staff", False):
        raise PermissionDenied
    if not user.is_verified():  # type: ignore[attr-defined]  # set by django_otp's OTPMiddleware
        return redirect_to_login(request.get_full_path())
    return None


def staff_otp_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only staff whose session is verified with an authenticator code (django_otp.login) may open ``view``."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = _staff_otp_guard(request)
        return refusal if refusal is not None else view(request, *args, **kwargs)

    return guarded


class StaffOtpRequiredMixin:
    """Class-based view version of :func:`staff_otp_required`."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = _staff_otp_guard(request)
        if refusal is not None:
            return refusal
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def staff_session_refusal(request: HttpRequest) -> HttpResponse | None:
    """For pages open to everyone logged in: staff must still have passed the authenticator code."""
    if getattr(request.user, "is_government_staff", False):
        return _staff_otp_guard(request)
    return None
