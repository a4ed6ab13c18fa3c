"""App configuration: 事项目录."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "yiwang.catalog"
    label = "catalog"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        from yiwang.catalog.search_sources import BundleSource, ItemSource
        from yiwang.search.documents import register_source

        register_source("item", ItemSource(), _("Service items"))
        register_source("bundle", BundleSource(), _("Life events"))
