"""App configuration: 账户."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yiwang.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    default = True

    def ready(self) -> None:
        from yiwang.accounts import signals  # noqa: F401  (connects the audit receivers)


class OtpAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin whose site requires an authenticator code (installed instead of the plain admin)."""

    default = False
    default_site = "yiwang.accounts.admin_site.OtpAdminSite"
