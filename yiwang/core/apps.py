"""App configuration: 核心."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from yiwang.core import checks  # noqa: F401  (registers the platform's system checks)
