"""App configuration: 组织机构."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "yiwang.org"
    label = "org"
    verbose_name = _("Organisation")
