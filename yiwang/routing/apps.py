"""App configuration: 智能分拨 (message routing)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "yiwang.routing"
    label = "routing"
    verbose_name = _("Message routing")
