"""Read helpers of the catalogue (事项目录): published guides, browsing, lists and combined bundle guides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from yiwang.catalog.checks import GuideProblem, check_guide_data
from yiwang.catalog.models import (
    POWER_TYPES,
    Bundle,
    GuideStatus,
    GuideVersion,
    ItemStatus,
    NegativeListEntry,
    ServiceItem,
)
from yiwang.core.permissions import departments_where, is_platform_admin
from yiwang.org.models import Department, Role


def item_or_none(code: str) -> ServiceItem | None:
    return ServiceItem.objects.select_related("department").filter(implementation_code=code).first()


def item_by_code(code: str) -> ServiceItem:
    return get_object_or_404(ServiceItem.objects.select_related("department"), implementation_code=code)


def published_version(item: ServiceItem) -> GuideVersion | None:
    """The published guide (现行指南): the item's latest published version."""
    return item.guide_versions.filter(status=GuideStatus.PUBLISHED).first()


def published_guide(code: str) -> tuple[ServiceItem, GuideVersion]:
    """The item and its published guide, or Http404 when either is missing."""
    item = item_by_code(code)
    version = published_version(item)
    if version is None:
        raise Http404(_("No guide has been published for this service item yet."))
    return item, version


def latest_version(item: ServiceItem) -> GuideVersion | None:
    return item.guide_versions.order_by("-number").first()


def guide_problems(item_code: str | None = None) -> tuple[int, list[GuideProblem]]:
    """(guides checked, problems): every published guide, or one item's latest version (draft included)."""
    if item_code:
        item = item_by_code(item_code)
        versions = [version] if (version := latest_version(item)) else []
    else:
        versions = list(
            GuideVersion.objects.filter(status=GuideStatus.PUBLISHED)
            .select_related("item__department")
            .order_by("item__implementation_code")
        )
    problems = [
        problem for version in versions for problem in check_guide_data(version.content, version.item)
    ]
    return len(versions), problems


def public_items(
    department: str = "", item_type: str = "", audience: str = "", search: str = ""
) -> QuerySet[ServiceItem]:
    """Items in force, filtered by department code, item type, audience (person/company) and name."""
    items = ServiceItem.objects.filter(status=ItemStatus.ACTIVE).select_related("department")
    if department:
        items = items.filter(department__code=department)
    if item_type:
        items = items.filter(item_type=item_type)
    if audience == "person":
        items = items.filter(serves_persons=True)
    elif audience == "company":
        items = items.filter(serves_companies=True)
    if search:
        items = items.filter(Q(name__icontains=search) | Q(main_item_name__icontains=search))
    published = GuideVersion.objects.filter(item=OuterRef("pk"), status=GuideStatus.PUBLISHED)
    return items.annotate(has_guide=Exists(published)).order_by("-has_guide", "-popularity", "name")


def departments_with_items() -> QuerySet[Department]:
    """Departments that implement items in force, with their item counts (按部门浏览)."""
    return (
        Department.objects.annotate(
            item_count=Count("service_items", filter=Q(service_items__status=ItemStatus.ACTIVE))
        )
        .filter(item_count__gt=0)
        .order_by("code")
    )


def _with_published_guide(items: QuerySet[ServiceItem]) -> QuerySet[ServiceItem]:
    return items.prefetch_related(
        Prefetch(
            "guide_versions",
            queryset=GuideVersion.objects.filter(status=GuideStatus.PUBLISHED),
            to_attr="published_versions",
        )
    )


@dataclass(frozen=True)
class ListEntry:
    """One line of the power or responsibility list."""

    item: ServiceItem
    legal_basis: list[dict[str, str]]

    @property
    def has_guide(self) -> bool:
        return bool(self.legal_basis) or bool(getattr(self.item, "published_versions", []))


def _entries(items: QuerySet[ServiceItem]) -> list[ListEntry]:
    entries = []
    for item in _with_published_guide(items):
        versions = getattr(item, "published_versions", [])
        entries.append(ListEntry(item, versions[0].content.get("legal_basis", []) if versions else []))
    return entries


def power_list(department: str = "") -> list[ListEntry]:
    """The power list (权力清单): items in force whose type is an administrative power, with their legal basis."""
    items = ServiceItem.objects.filter(status=ItemStatus.ACTIVE, item_type__in=POWER_TYPES).select_related(
        "department"
    )
    if department:
        items = items.filter(department__code=department)
    return _entries(items.order_by("department__code", "item_type", "name"))


@dataclass(frozen=True)
class ResponsibilityList:
    """A department's responsibility list (责任清单): its duties and the items it answers for."""

    department: Department
    entries: list[ListEntry]


def responsibility_list(department_code: str) -> ResponsibilityList:
    department = get_object_or_404(Department, code=department_code)
    items = ServiceItem.objects.filter(department=department, status=ItemStatus.ACTIVE).select_related(
        "department"
    )
    return ResponsibilityList(department, _entries(items.order_by("item_type", "name")))


def negative_list() -> QuerySet[NegativeListEntry]:
    """The market-access negative list (市场准入负面清单) with the items that implement each entry."""
    return NegativeListEntry.objects.prefetch_related("items")


def public_bundles() -> QuerySet[Bundle]:
    return Bundle.objects.prefetch_related("entries__item__department")


def bundle_by_code(code: str) -> Bundle:
    return get_object_or_404(Bundle, code=code)


@dataclass
class CombinedGuide:
    """The computed guide of a bundle (一件事合并指南)."""

    bundle: Bundle
    items: list[ServiceItem]
    guides: dict[str, dict[str, Any]]  # implementation code → published guide content
    materials: list[dict[str, Any]] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    legal_limit_days: int | None = None
    promised_limit_days: int | None = None
    audiences: list[str] = field(default_factory=list)

    @property
    def items_without_guide(self) -> list[ServiceItem]:
        return [item for item in self.items if item.implementation_code not in self.guides]


def combined_guide(bundle: Bundle) -> CombinedGuide:
    """Materials merged and de-duplicated by name and source (each lists the items needing it), the longest
    limits, and every department (implementing and co-departments) named."""
    items = bundle.ordered_items()
    versions = GuideVersion.objects.filter(item__in=items, status=GuideStatus.PUBLISHED).select_related(
        "item"
    )
    guides = {version.item.implementation_code: version.content for version in versions}
    combined = CombinedGuide(bundle=bundle, items=items, guides=guides, audiences=list(bundle.audiences))
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    department_codes: list[str] = []
    for item in items:
        department_codes.append(item.department.code)
        guide = guides.get(item.implementation_code)
        if guide is None:
            continue
        department_codes += guide.get("co_departments", [])
        for material in guide.get("materials", []):
            key = (material["name"], material.get("source") or "")
            entry = merged.setdefault(key, {**material, "items": []})
            entry["items"].append(item.name)
            entry["count"] = max(entry.get("count", 1), material.get("count", 1))
            if material.get("necessity") == "required":
                entry["necessity"] = "required"
        for limit in ("legal_limit_days", "promised_limit_days"):
            value = guide.get(limit)
            if value is not None and (getattr(combined, limit) is None or value > getattr(combined, limit)):
                setattr(combined, limit, value)
    combined.materials = list(merged.values())
    combined.departments = departments_in_order(department_codes)
    return combined


def departments_in_order(codes: list[str]) -> list[Department]:
    """The departments with these codes, first mention first, each once; unknown codes are left out."""
    unique = list(dict.fromkeys(codes))
    by_code = Department.objects.in_bulk(unique, field_name="code")
    return [by_code[code] for code in unique if code in by_code]


def editable_items(user: Any, search: str = "") -> QuerySet[ServiceItem]:
    """The items whose guides the user may edit or review: their departments' items, or all for a platform admin."""
    items = ServiceItem.objects.select_related("department")
    if not is_platform_admin(user):
        items = items.filter(department__in=departments_where(user, Role.DEPARTMENT_ADMIN, Role.REVIEWER))
    if search:
        items = items.filter(Q(name__icontains=search) | Q(implementation_code__icontains=search))
    latest = GuideVersion.objects.filter(item=OuterRef("pk")).order_by("-number")
    return items.annotate(latest_status=Subquery(latest.values("status")[:1])).order_by(
        "department__code", "name"
    )


def review_queue(user: Any) -> QuerySet[GuideVersion]:
    """Guide versions waiting for the user's review (待审核)."""
    versions = GuideVersion.objects.filter(status=GuideStatus.IN_REVIEW).select_related(
        "item__department", "author"
    )
    if not is_platform_admin(user):
        versions = versions.filter(
            item__department__in=departments_where(user, Role.REVIEWER, Role.DEPARTMENT_ADMIN)
        )
    return versions.order_by("submitted_at")
