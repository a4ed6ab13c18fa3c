"""What the catalogue gives the search index (搜索索引): service items with their published guides, and bundles."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Max, Prefetch
from django.urls import reverse

from yiwang.catalog.models import Bundle, GuideStatus, GuideVersion, ItemStatus, ServiceItem
from yiwang.search.documents import SearchDocument

_BATCH = 500


def _guide_body(guide: dict[str, Any]) -> str:
    parts = [*guide.get("conditions", []), *(material["name"] for material in guide.get("materials", []))]
    parts.append(guide.get("result", {}).get("name", ""))
    parts += [faq["question"] for faq in guide.get("faqs", [])]
    return "\n".join(part for part in parts if part)


def _audiences(item: ServiceItem) -> tuple[str, ...]:
    return tuple(
        name
        for name, serves in (("person", item.serves_persons), ("company", item.serves_companies))
        if serves
    )


class ItemSource:
    """Service items in force (政务服务事项); the guide's text and keywords when one is published."""

    def documents(self, codes: Iterable[str] | None = None) -> Iterator[SearchDocument]:
        items = ServiceItem.objects.filter(status=ItemStatus.ACTIVE).select_related("department")
        if codes is not None:
            items = items.filter(implementation_code__in=list(codes))
        items = items.prefetch_related(
            Prefetch(
                "guide_versions",
                queryset=GuideVersion.objects.filter(status=GuideStatus.PUBLISHED),
                to_attr="published_versions",
            )
        ).order_by("pk")
        top = ServiceItem.objects.aggregate(top=Max("popularity"))["top"] or 0
        for item in items.iterator(chunk_size=_BATCH):
            versions = getattr(item, "published_versions", [])
            guide = versions[0].content if versions else {}
            keywords = [*guide.get("keywords", [])]
            if item.main_item_name:
                keywords.append(item.main_item_name)
            yield SearchDocument(
                kind="item",
                code=item.implementation_code,
                title=item.name,
                body=_guide_body(guide),
                keywords=tuple(keywords),
                department_code=item.department.code,
                department_name=item.department.name,
                item_type=item.item_type,
                audiences=_audiences(item),
                popularity=item.popularity / top if top else 0.0,
                url=reverse("catalog:item_detail", args=[item.implementation_code]),
            )


class BundleSource:
    """Life-event bundles (一件事), with the names of their items."""

    def documents(self, codes: Iterable[str] | None = None) -> Iterator[SearchDocument]:
        bundles = Bundle.objects.prefetch_related("entries__item__department").order_by("code")
        if codes is not None:
            bundles = bundles.filter(code__in=list(codes))
        for bundle in bundles:
            items = [entry.item for entry in bundle.entries.all()]
            departments = list(dict.fromkeys(item.department.name for item in items))
            yield SearchDocument(
                kind="bundle",
                code=bundle.code,
                title=bundle.name,
                body="\n".join([bundle.description, *(item.name for item in items)]),
                keywords=tuple(bundle.keywords),
                department_name="、".join(departments),
                audiences=tuple(bundle.audiences),
                popularity=1.0,
                url=reverse("catalog:bundle_detail", args=[bundle.code]),
            )
