from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Applications and cases (办件)."""

    name = "yiwang.cases"
    label = "cases"
    verbose_name = _("Applications and cases")

    def ready(self) -> None:
        from yiwang.cases.queries import case_parties
        from yiwang.registries.access import register_matter_resolver

        register_matter_resolver("case", case_parties)
