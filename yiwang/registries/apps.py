"""App configuration: 基础库与数据共享交换."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistriesConfig(AppConfig):
    name = "yiwang.registries"
    label = "registries"
    verbose_name = _("Base registries and data exchange")

    def ready(self) -> None:
        from yiwang.registries import signals  # noqa: F401 - connects the catalogue-version receivers
