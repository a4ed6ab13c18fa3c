"""Keep the in-process catalogue caches honest: any change to a data service, its allow-list or a department
(whose code and name the signed answers carry) bumps :class:`CatalogueVersion`."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from yiwang.org.models import Department
from yiwang.registries.models import CatalogueVersion, DataService


def bump_catalogue_version() -> None:
    """Tell every process its cached catalogue is stale (one UPDATE; the row is made on first use)."""
    if not CatalogueVersion.objects.filter(singleton=1).update(version=F("version") + 1):
        CatalogueVersion.objects.get_or_create(singleton=1, defaults={"version": 1})


@receiver(post_save, sender=DataService)
@receiver(post_delete, sender=DataService)
@receiver(post_save, sender=Department)
@receiver(post_delete, sender=Department)
@receiver(m2m_changed, sender=DataService.allowed_consumers.through)
def _catalogue_changed(**kwargs: Any) -> None:
    bump_catalogue_version()
