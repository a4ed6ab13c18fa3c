"""Keep the in-process catalogue caches honest: any change to a data service, its allow-list, a department (whose
code and name the signed answers carry), a legal basis of its lists or a new signing key (a rotation) bumps
:class:`CatalogueVersion`; a published guide adds its legal bases to the lists."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from yiwang.catalog.models import GuideStatus, GuideVersion
from yiwang.licences.models import SigningKey
from yiwang.org.models import Department
from yiwang.registries.models import CatalogueVersion, DataService, LegalBasis


def bump_catalogue_version() -> None:
    """Tell every process its cached catalogue is stale: a new random version token."""
    CatalogueVersion.objects.update_or_create(singleton=1, defaults={"version": uuid.uuid4().hex})


@receiver(post_save, sender=DataService)
@receiver(post_delete, sender=DataService)
@receiver(post_save, sender=Department)
@receiver(post_delete, sender=Department)
@receiver(m2m_changed, sender=DataService.allowed_consumers.through)
@receiver(post_save, sender=LegalBasis)
@receiver(post_delete, sender=LegalBasis)
@receiver(m2m_changed, sender=LegalBasis.departments.through)
@receiver(post_save, sender=SigningKey)
def _catalogue_changed(**kwargs: Any) -> None:
    bump_catalogue_version()


@receiver(post_save, sender=GuideVersion)
def _guide_published(instance: GuideVersion, **kwargs: Any) -> None:
    """A published guide's legal bases become entries of the legal-basis lists of its shared materials' data
    services, declared for the item's department (依据清单), so the department's system can name them."""
    if instance.status == GuideStatus.PUBLISHED:
        from yiwang.registries.actions import do_sync_guide_legal_bases

        do_sync_guide_legal_bases([(instance.item.department, instance.content)])
