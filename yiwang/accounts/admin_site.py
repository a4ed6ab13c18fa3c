"""The Django admin behind a second factor (管理后台双因素): only OTP-verified staff get in."""

from __future__ import annotations

from django_otp.admin import OTPAdminSite


class OtpAdminSite(OTPAdminSite):
    """django-otp's admin site under the usual ``admin`` name, so ``admin:`` URLs keep working."""

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
