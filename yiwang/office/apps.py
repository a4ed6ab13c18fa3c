"""App configuration: 工作台."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "yiwang.office"
    label = "office"
    verbose_name = _("Back office")
