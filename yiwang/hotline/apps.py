from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    """Hotline work orders (工单)."""

    name = "yiwang.hotline"
    label = "hotline"
    verbose_name = _("12345 hotline")

    def ready(self) -> None:
        from yiwang.hotline.queries import ticket_parties
        from yiwang.registries.access import register_matter_resolver

        register_matter_resolver("ticket", ticket_parties)
