"""State changes of the catalogue (事项目录): importing items, the guide workflow and bundles. Each ``do_*`` runs in
one transaction with an audit record; ``check_*`` guards raise PermissionDenied or ValidationError."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from yiwang.catalog.checks import GuideProblem, check_guide
from yiwang.catalog.guide import BundleFile, GuideContent, field_errors, guide_json, parse_guide
from yiwang.catalog.models import (
    Bundle,
    BundleItem,
    GuideStatus,
    GuideVersion,
    ItemStatus,
    ServiceItem,
)
from yiwang.core.audit import record_audit
from yiwang.core.errors import ActionConflict
from yiwang.core.permissions import check_role
from yiwang.org.models import Department, Division, DivisionLevel, Role
from yiwang.search.tasks import schedule_reindex


class GuideCheckFailed(ValidationError):
    """Publishing (or submitting) refused because the guide checks found problems."""

    def __init__(self, problems: list[GuideProblem]) -> None:
        self.problems = problems
        super().__init__({problem.element: [problem.message] for problem in problems})


def _reindex_item_and_bundles(items: Iterable[ServiceItem]) -> None:
    items = list(items)
    if not items:
        return
    schedule_reindex("item", [item.implementation_code for item in items])
    bundles = list(Bundle.objects.filter(entries__item__in=items).values_list("code", flat=True).distinct())
    if bundles:
        schedule_reindex("bundle", bundles)


# --- Importing the catalogue (事项目录导入) -----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRecord:
    """One validated catalogue row, ready to write."""

    implementation_code: str
    basic_code: str
    name: str
    item_type: str
    department_name: str
    department_code: str  # the row's own dept_code (may be a sub-unit's)
    canonical_department_code: str  # the code most rows of this department use
    main_item_name: str
    area_code: str
    source_url: str


_DIVISION_LEVEL_BY_ZERO_TAIL = [
    (10, DivisionLevel.PROVINCE),
    (8, DivisionLevel.CITY),
    (6, DivisionLevel.COUNTY),
    (3, DivisionLevel.TOWN),
]


def _division_for(area_code: str) -> Division:
    division = Division.objects.filter(code=area_code).first()
    if division is not None:
        return division
    level = next(
        (level for zeros, level in _DIVISION_LEVEL_BY_ZERO_TAIL if area_code.endswith("0" * zeros)),
        DivisionLevel.VILLAGE,
    )
    division = Division.objects.create(
        code=area_code, name=_("Division %(code)s") % {"code": area_code}, level=level
    )
    record_audit(None, "catalog.division_created", division, {"code": area_code, "level": level})
    return division


def _department_for(record: ItemRecord, division: Division) -> Department:
    """The implementing department: by the row's code, the department's usual code, or its short name — created
    minimally when none exists (so the importer also works on an empty database)."""
    for code in (record.department_code, record.canonical_department_code):
        department = Department.objects.filter(code=code).first()
        if department is not None:
            return department
    department = Department.objects.filter(division=division, short_name=record.department_name).first()
    if department is not None:
        return department
    department = Department(
        code=record.canonical_department_code,
        name=record.department_name,
        short_name=record.department_name[:40],
        division=division,
    )
    department.full_clean()
    department.save()
    record_audit(
        None, "catalog.department_created", department, {"code": department.code, "name": department.name}
    )
    return department


def do_import_item(actor: Any, record: ItemRecord) -> str:
    """Create or update one service item by its implementation code; returns "created", "updated" or
    "unchanged". Everything for the row is written in one transaction or not at all; the caller re-indexes
    search once for the whole import (see :func:`reindex_items`)."""
    with transaction.atomic():
        department = _department_for(record, _division_for(record.area_code))
        values = {
            "basic_code": record.basic_code,
            "name": record.name,
            "item_type": record.item_type,
            "department": department,
            "catalogue_department_code": record.department_code,
            "main_item_name": record.main_item_name,
            "area_code": record.area_code,
            "source_url": record.source_url,
            "status": ItemStatus.ACTIVE,
        }
        item = (
            ServiceItem.objects.select_for_update()
            .filter(implementation_code=record.implementation_code)
            .first()
        )
        if item is None:
            item = ServiceItem(implementation_code=record.implementation_code, **values)
            item.full_clean()
            item.save()
            changes = {**values, "department": department.code}
            record_audit(actor, "catalog.item_imported", item, changes)
            outcome = "created"
        else:
            changed = {name: value for name, value in values.items() if getattr(item, name) != value}
            if not changed:
                return "unchanged"
            for name, value in changed.items():
                setattr(item, name, value)
            item.full_clean()
            item.save()
            if "department" in changed:
                changed["department"] = department.code
            record_audit(actor, "catalog.item_updated", item, changed)
            outcome = "updated"
    return outcome


def reindex_items(codes: Iterable[str]) -> None:
    """Re-index imported items and the bundles that contain them."""
    _reindex_item_and_bundles(ServiceItem.objects.filter(implementation_code__in=list(codes)))


# --- Guide workflow (指南编辑、审核、发布) ----------------------------------------------------------------------------


def check_can_edit_guide(user: Any, item: ServiceItem) -> None:
    """Department admins (部门管理员) of the item's department, or a platform admin, edit its guide."""
    check_role(user, Role.DEPARTMENT_ADMIN, department=item.department)


def check_can_review_guide(user: Any, item: ServiceItem) -> None:
    """Reviewers (审查) or department admins of the item's department, or a platform admin, publish or reject."""
    check_role(user, Role.REVIEWER, Role.DEPARTMENT_ADMIN, department=item.department)


def can_edit_guide(user: Any, item: ServiceItem) -> bool:
    try:
        check_can_edit_guide(user, item)
    except PermissionDenied:
        return False
    return True


def can_review_guide(user: Any, item: ServiceItem) -> bool:
    try:
        check_can_review_guide(user, item)
    except PermissionDenied:
        return False
    return True


def parse_guide_or_raise(data: Any) -> GuideContent:
    """The guide content, or a Django ValidationError keyed by element path (e.g. ``materials.0.source``)."""
    try:
        return parse_guide(data)
    except PydanticValidationError as error:
        messages: dict[str, list[str]] = {}
        for element, message in field_errors(error):
            messages.setdefault(element, []).append(message)
        raise ValidationError(messages) from error


def _raise_on_problems(content: GuideContent, item: ServiceItem) -> None:
    problems = check_guide(content, item)
    if problems:
        raise GuideCheckFailed(problems)


def _next_number(item: ServiceItem) -> int:
    return (item.guide_versions.aggregate(last=Max("number"))["last"] or 0) + 1


def _locked_version(version: GuideVersion, *expected: str) -> GuideVersion:
    locked = GuideVersion.objects.select_for_update().select_related("item__department").get(pk=version.pk)
    if locked.status not in expected:
        raise ActionConflict(
            _("This guide version is now “%(status)s”; reload the page.")
            % {"status": locked.get_status_display()}
        )
    return locked


def do_save_draft(actor: Any, item: ServiceItem, data: Any, change_note: str = "") -> GuideVersion:
    """Save the guide as the item's draft (草稿), creating a new version when no draft is open."""
    check_can_edit_guide(actor, item)
    content = parse_guide_or_raise(data)
    with transaction.atomic():
        ServiceItem.objects.select_for_update().get(pk=item.pk)
        draft = item.guide_versions.filter(status__in=[GuideStatus.DRAFT, GuideStatus.IN_REVIEW]).first()
        if draft is not None and draft.status == GuideStatus.IN_REVIEW:
            raise ActionConflict(_("The guide is in review; wait for the decision before editing it."))
        if draft is None:
            draft = GuideVersion(item=item, number=_next_number(item), author=actor)
        draft.content = guide_json(content)
        draft.change_note = change_note
        draft.author = actor
        draft.save()
        record_audit(actor, "catalog.guide_draft_saved", draft, {"number": draft.number, "note": change_note})
    return draft


def do_submit_guide(actor: Any, version: GuideVersion) -> GuideVersion:
    """Send a draft for review (提交审核); refused with the problem list when the checks fail."""
    check_can_edit_guide(actor, version.item)
    with transaction.atomic():
        version = _locked_version(version, GuideStatus.DRAFT)
        _raise_on_problems(parse_guide_or_raise(version.content), version.item)
        version.status = GuideStatus.IN_REVIEW
        version.submitted_at = timezone.now()
        version.save(update_fields=["status", "submitted_at", "updated_at"])
        record_audit(actor, "catalog.guide_submitted", version, {"number": version.number})
    return version


def _publish(actor: Any, version: GuideVersion, content: GuideContent) -> None:
    item = version.item
    now = timezone.now()
    item.guide_versions.filter(status=GuideStatus.PUBLISHED).update(
        status=GuideStatus.ARCHIVED, updated_at=now
    )
    version.status = GuideStatus.PUBLISHED
    version.published_at = version.reviewed_at = now
    version.reviewer = actor
    version.save()
    item.serves_persons = "person" in content.audiences
    item.serves_companies = "company" in content.audiences
    item.save(update_fields=["serves_persons", "serves_companies", "updated_at"])
    record_audit(actor, "catalog.guide_published", version, {"number": version.number})
    _reindex_item_and_bundles([item])


def do_publish_guide(actor: Any, version: GuideVersion) -> GuideVersion:
    """Publish a guide in review (发布): the checks run first; the previous published version is archived."""
    check_can_review_guide(actor, version.item)
    with transaction.atomic():
        version = _locked_version(version, GuideStatus.IN_REVIEW)
        content = parse_guide_or_raise(version.content)
        _raise_on_problems(content, version.item)
        _publish(actor, version, content)
    return version


def do_reject_guide(actor: Any, version: GuideVersion, reason: str) -> GuideVersion:
    """Send a guide in review back to its editors with a reason (退回)."""
    check_can_review_guide(actor, version.item)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for rejecting the guide.")]})
    with transaction.atomic():
        version = _locked_version(version, GuideStatus.IN_REVIEW)
        version.status = GuideStatus.REJECTED
        version.rejection_reason = reason
        version.reviewer = actor
        version.reviewed_at = timezone.now()
        version.save()
        record_audit(actor, "catalog.guide_rejected", version, {"number": version.number, "reason": reason})
    return version


def do_load_guide(
    actor: Any, item: ServiceItem, content: GuideContent, change_note: str
) -> GuideVersion | None:
    """Publish a guide from a guide file (指南文件) after the checks; None when it is already the published one."""
    _raise_on_problems(content, item)
    data = guide_json(content)
    with transaction.atomic():
        ServiceItem.objects.select_for_update().get(pk=item.pk)
        published = item.guide_versions.filter(status=GuideStatus.PUBLISHED).first()
        if published is not None and published.content == data:
            return None
        version = GuideVersion.objects.create(
            item=item,
            number=_next_number(item),
            status=GuideStatus.IN_REVIEW,
            content=data,
            change_note=change_note,
            author=actor,
            submitted_at=timezone.now(),
        )
        _publish(actor, version, content)
    return version


# --- Bundles (一件事) ------------------------------------------------------------------------------------------------


def do_save_bundle(actor: Any, bundle_file: BundleFile) -> Bundle | None:
    """Create or update a life-event bundle from its file form; None when nothing changed."""
    items = {
        item.implementation_code: item
        for item in ServiceItem.objects.filter(implementation_code__in=bundle_file.items)
    }
    missing = [code for code in bundle_file.items if code not in items]
    if missing:
        raise ValidationError(
            {"items": [_("Unknown service item: %(code)s") % {"code": code} for code in missing]}
        )
    if len(set(bundle_file.items)) != len(bundle_file.items):
        raise ValidationError({"items": [_("A service item is listed twice.")]})
    with transaction.atomic():
        bundle = Bundle.objects.select_for_update().filter(code=bundle_file.code).first()
        wanted = bundle_file.model_dump()
        if bundle is not None and bundle.as_file() == wanted:
            return None
        action = "catalog.bundle_updated" if bundle is not None else "catalog.bundle_created"
        if bundle is None:
            bundle = Bundle(code=bundle_file.code)
        bundle.name = bundle_file.name
        bundle.description = bundle_file.description
        bundle.audiences = list(bundle_file.audiences)
        bundle.keywords = list(bundle_file.keywords)
        bundle.beneficiary = bundle_file.beneficiary
        bundle.full_clean()
        bundle.save()
        bundle.entries.all().delete()
        BundleItem.objects.bulk_create(
            BundleItem(bundle=bundle, item=items[code], position=position)
            for position, code in enumerate(bundle_file.items, start=1)
        )
        record_audit(actor, action, bundle, wanted)
        schedule_reindex("bundle", [bundle.code])
    return bundle
