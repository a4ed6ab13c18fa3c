"""API endpoints of the catalogue: published guides, browsing, bundles and lists (public); the guide workflow (staff)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Query, Router, Schema

from yiwang.catalog import actions, queries
from yiwang.catalog.labels import label
from yiwang.catalog.models import Bundle, GuideVersion, ServiceItem
from yiwang.core import pagination
from yiwang.core.pagination import PageQuery
from yiwang.core.permissions import api_staff_user

router = Router(tags=["catalog"])


class ServiceSummaryOut(Schema):
    code: str
    name: str
    type: str
    type_label: str
    department: str
    department_name: str
    audiences: list[str]
    has_guide: bool
    url: str


class ServicePageOut(Schema):
    count: int
    results: list[ServiceSummaryOut]


class ServiceFilters(PageQuery):
    department: str = ""
    type: str = ""
    audience: str = ""
    q: str = ""


def _summary(item: ServiceItem, has_guide: bool) -> ServiceSummaryOut:
    audiences = [
        name
        for name, serves in (("person", item.serves_persons), ("company", item.serves_companies))
        if serves
    ]
    return ServiceSummaryOut(
        code=item.implementation_code,
        name=item.name,
        type=item.item_type,
        type_label=label("item_type", item.item_type),
        department=item.department.code,
        department_name=item.department.name,
        audiences=audiences,
        has_guide=has_guide,
        url=reverse("catalog:item_detail", args=[item.implementation_code]),
    )


@router.get("/services", response=ServicePageOut, auth=None, url_name="catalog_services")
def list_services(request: HttpRequest, filters: Query[ServiceFilters]) -> ServicePageOut:
    """Service items in force, filtered by department code, item type, audience (person/company) and name."""
    items = queries.public_items(filters.department, filters.type, filters.audience, filters.q)
    return ServicePageOut(
        count=items.count(),
        results=[_summary(item, item.has_guide) for item in pagination.cut(items, filters, default_limit=50)],
    )


@router.get("/services/{code}", auth=None, url_name="catalog_service")
def get_service(request: HttpRequest, code: str) -> dict[str, Any]:
    """The full published guide (办事指南) in the guide file format; 404 when none is published."""
    _item, version = queries.published_guide(code)
    return dict(version.content)


class BundleSummaryOut(Schema):
    code: str
    name: str
    description: str
    audiences: list[str]
    items: list[str]
    url: str


class BundleMaterialOut(Schema):
    name: str
    source: str | None
    data_service: str
    necessity: str | None
    count: int
    items: list[str]


class DepartmentRefOut(Schema):
    code: str
    name: str


class BundleOut(BundleSummaryOut):
    keywords: list[str]
    services: list[ServiceSummaryOut]
    departments: list[DepartmentRefOut]
    legal_limit_days: int | None
    promised_limit_days: int | None
    materials: list[BundleMaterialOut]


def _bundle_summary(bundle: Bundle) -> dict[str, Any]:
    file_form = bundle.as_file()
    return {**file_form, "url": reverse("catalog:bundle_detail", args=[bundle.code])}


@router.get("/bundles", response=list[BundleSummaryOut], auth=None, url_name="catalog_bundles")
def list_bundles(request: HttpRequest) -> list[dict[str, Any]]:
    """Life-event bundles (一件事)."""
    return [_bundle_summary(bundle) for bundle in queries.public_bundles()]


@router.get("/bundles/{code}", response=BundleOut, auth=None, url_name="catalog_bundle")
def get_bundle(request: HttpRequest, code: str) -> dict[str, Any]:
    """A bundle with its combined guide: materials merged, the longest limits, every department."""
    combined = queries.combined_guide(queries.bundle_by_code(code))
    return {
        **_bundle_summary(combined.bundle),
        "services": [_summary(item, item.implementation_code in combined.guides) for item in combined.items],
        "departments": [
            {"code": department.code, "name": department.name} for department in combined.departments
        ],
        "legal_limit_days": combined.legal_limit_days,
        "promised_limit_days": combined.promised_limit_days,
        "materials": [
            {
                "name": material["name"],
                "source": material.get("source"),
                "data_service": material.get("data_service", ""),
                "necessity": material.get("necessity"),
                "count": material.get("count", 1),
                "items": material["items"],
            }
            for material in combined.materials
        ],
    }


class ListEntryOut(Schema):
    code: str
    name: str
    type: str
    type_label: str
    department: str
    department_name: str
    legal_basis: list[dict[str, str]]


def _entries(entries: list[queries.ListEntry]) -> list[ListEntryOut]:
    return [
        ListEntryOut(
            code=entry.item.implementation_code,
            name=entry.item.name,
            type=entry.item.item_type,
            type_label=label("item_type", entry.item.item_type),
            department=entry.item.department.code,
            department_name=entry.item.department.name,
            legal_basis=entry.legal_basis,
        )
        for entry in entries
    ]


@router.get("/lists/power", response=list[ListEntryOut], auth=None, url_name="catalog_power_list")
def power_list(request: HttpRequest, department: str = "") -> list[ListEntryOut]:
    """The power list (权力清单)."""
    return _entries(queries.power_list(department))


class ResponsibilityOut(Schema):
    department: str
    department_name: str
    duties: str
    items: list[ListEntryOut]


@router.get(
    "/lists/responsibility/{department}",
    response=ResponsibilityOut,
    auth=None,
    url_name="catalog_responsibility_list",
)
def responsibility_list(request: HttpRequest, department: str) -> ResponsibilityOut:
    """A department's responsibility list (责任清单): duties and items."""
    found = queries.responsibility_list(department)
    return ResponsibilityOut(
        department=found.department.code,
        department_name=found.department.name,
        duties=found.department.duties,
        items=_entries(found.entries),
    )


# --- Guide workflow (staff) ------------------------------------------------------------------------------------------


class DraftIn(Schema):
    content: dict[str, Any]
    change_note: str = ""


class RejectIn(Schema):
    reason: str


class GuideVersionOut(Schema):
    id: int
    item: str
    number: int
    status: str
    change_note: str
    rejection_reason: str
    content: dict[str, Any]


def _version_out(version: GuideVersion) -> GuideVersionOut:
    return GuideVersionOut(
        id=version.pk,
        item=version.item.implementation_code,
        number=version.number,
        status=version.status,
        change_note=version.change_note,
        rejection_reason=version.rejection_reason,
        content=version.content,
    )


@router.post("/services/{code}/draft", response=GuideVersionOut, url_name="catalog_save_draft")
def save_draft(request: HttpRequest, code: str, payload: DraftIn) -> GuideVersionOut:
    """Save the item's draft guide (department admins of its department)."""
    user = api_staff_user(request)
    return _version_out(
        actions.do_save_draft(user, queries.item_by_code(code), payload.content, payload.change_note)
    )


def _version(version_id: int) -> GuideVersion:
    return get_object_or_404(GuideVersion.objects.select_related("item__department"), pk=version_id)


@router.post("/guide-versions/{version_id}/submit", response=GuideVersionOut, url_name="catalog_submit_guide")
def submit_guide(request: HttpRequest, version_id: int) -> GuideVersionOut:
    """Send a draft for review; 422 with the problem list when the checks fail."""
    return _version_out(actions.do_submit_guide(api_staff_user(request), _version(version_id)))


@router.post(
    "/guide-versions/{version_id}/publish", response=GuideVersionOut, url_name="catalog_publish_guide"
)
def publish_guide(request: HttpRequest, version_id: int) -> GuideVersionOut:
    """Publish a guide in review; 422 with the problem list when the checks fail."""
    return _version_out(actions.do_publish_guide(api_staff_user(request), _version(version_id)))


@router.post("/guide-versions/{version_id}/reject", response=GuideVersionOut, url_name="catalog_reject_guide")
def reject_guide(request: HttpRequest, version_id: int, payload: RejectIn) -> GuideVersionOut:
    """Reject a guide in review with a reason."""
    return _version_out(
        actions.do_reject_guide(api_staff_user(request), _version(version_id), payload.reason)
    )
