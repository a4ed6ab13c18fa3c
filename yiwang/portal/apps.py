"""App configuration: 公众门户."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizenportalConfig(AppConfig):
    name = "yiwang.portal"
    label = "portal"
    verbose_name = _("Citizen portal")
