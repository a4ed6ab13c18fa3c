"""Pages of the catalogue: public browsing, guides, bundles and lists; the back office for guide editing and review.
Thin: they call queries and actions."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.catalog import actions, queries
from yiwang.catalog.checks import GuideProblem, check_guide_data
from yiwang.catalog.forms import GuideDraftForm, RejectGuideForm
from yiwang.catalog.models import Audience, GuideStatus, GuideVersion, ItemType
from yiwang.core.errors import ActionConflict
from yiwang.core.permissions import staff_required

PAGE_SIZE = 50


@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    """Browse service items (办事服务) by department, type, audience (个人/法人) or name."""
    filters = {key: request.GET.get(key, "").strip() for key in ("department", "type", "audience", "q")}
    items = queries.public_items(filters["department"], filters["type"], filters["audience"], filters["q"])
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/item_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "departments": queries.departments_with_items(),
            "item_types": ItemType.choices,
            "audiences": Audience.choices,
            "bundles": queries.public_bundles()[:6],
        },
    )


@require_GET
def department_list(request: HttpRequest) -> HttpResponse:
    """Browse by department (按部门浏览)."""
    return render(request, "catalog/department_list.html", {"departments": queries.departments_with_items()})


@require_GET
def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The guide page (办事指南): every element, printable."""
    item = queries.item_by_code(code)
    version = queries.published_version(item)
    guide = version.content if version else None
    co_departments = queries.departments_in_order(guide.get("co_departments", [])) if guide else []
    return render(
        request,
        "catalog/item_detail.html",
        {"item": item, "version": version, "guide": guide, "co_departments": co_departments},
    )


@require_GET
def bundle_list(request: HttpRequest) -> HttpResponse:
    """Browse by life event (一件事一次办)."""
    return render(request, "catalog/bundle_list.html", {"bundles": queries.public_bundles()})


@require_GET
def bundle_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A bundle with its combined guide (合并指南)."""
    return render(
        request,
        "catalog/bundle_detail.html",
        {"combined": queries.combined_guide(queries.bundle_by_code(code))},
    )


@require_GET
def power_list(request: HttpRequest) -> HttpResponse:
    """The power list (权力清单)."""
    department = request.GET.get("department", "").strip()
    return render(
        request,
        "catalog/power_list.html",
        {
            "entries": queries.power_list(department),
            "department": department,
            "departments": queries.departments_with_items(),
        },
    )


@require_GET
def responsibility_list(request: HttpRequest, department: str) -> HttpResponse:
    """A department's responsibility list (责任清单)."""
    return render(
        request,
        "catalog/responsibility_list.html",
        {"responsibility": queries.responsibility_list(department)},
    )


@require_GET
def negative_list(request: HttpRequest) -> HttpResponse:
    """The market-access negative list (市场准入负面清单)."""
    return render(request, "catalog/negative_list.html", {"entries": queries.negative_list()})


# --- Back office (指南管理) ------------------------------------------------------------------------------------------


@staff_required
@require_GET
def office_items(request: HttpRequest) -> HttpResponse:
    """The items whose guides the staff member edits or reviews, and the review queue."""
    search = request.GET.get("q", "").strip()
    page = Paginator(queries.editable_items(request.user, search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "catalog/office_items.html",
        {"page": page, "search": search, "review_queue": queries.review_queue(request.user)},
    )


def _initial_content(item_code: str) -> str:
    item = queries.item_by_code(item_code)
    version = queries.latest_version(item)
    content = (
        version.content
        if version
        else {
            "implementation_code": item.implementation_code,
            "basic_code": item.basic_code,
            "name": item.name,
            "item_type": item.item_type,
            "department": item.department.code,
        }
    )
    return json.dumps(content, ensure_ascii=False, indent=2)


@staff_required
@require_http_methods(["GET", "POST"])
def office_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit the item's draft guide (编辑指南草稿)."""
    item = queries.item_by_code(code)
    actions.check_can_edit_guide(request.user, item)
    latest = queries.latest_version(item)
    form = GuideDraftForm(
        request.POST or None, initial={"content": _initial_content(code), "change_note": ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            draft = actions.do_save_draft(
                request.user, item, form.cleaned_data["content"], form.cleaned_data["change_note"]
            )
        except ActionConflict as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("catalog:office_version", version_id=draft.pk)
    return render(
        request,
        "catalog/office_edit.html",
        {"item": item, "form": form, "latest": latest},
        status=400 if request.method == "POST" else 200,
    )


def _version(version_id: int) -> GuideVersion:
    return get_object_or_404(GuideVersion.objects.select_related("item__department", "author"), pk=version_id)


def _render_version(
    request: HttpRequest, version: GuideVersion, reject_form: RejectGuideForm | None = None, status: int = 200
) -> HttpResponse:
    problems: list[GuideProblem] = check_guide_data(version.content, version.item)
    return render(
        request,
        "catalog/office_version.html",
        {
            "version": version,
            "item": version.item,
            "guide": version.content,
            "problems": problems,
            "can_edit": actions.can_edit_guide(request.user, version.item),
            "can_review": actions.can_review_guide(request.user, version.item),
            "reject_form": reject_form or RejectGuideForm(),
            "GuideStatus": GuideStatus,
        },
        status=status,
    )


@staff_required
@require_GET
def office_version(request: HttpRequest, version_id: int) -> HttpResponse:
    """One guide version with its check results and the workflow buttons."""
    version = _version(version_id)
    if not actions.can_edit_guide(request.user, version.item):
        actions.check_can_review_guide(request.user, version.item)
    return _render_version(request, version)


def _workflow_step(request: HttpRequest, version_id: int, step: str) -> HttpResponse:
    version = _version(version_id)
    try:
        if step == "submit":
            actions.do_submit_guide(request.user, version)
            messages.success(request, _("The guide was sent for review."))
        elif step == "publish":
            actions.do_publish_guide(request.user, version)
            messages.success(request, _("The guide is published."))
        else:
            form = RejectGuideForm(request.POST)
            if not form.is_valid():
                return _render_version(request, version, form, status=400)
            actions.do_reject_guide(request.user, version, form.cleaned_data["reason"])
            messages.success(request, _("The guide was sent back to its editors."))
    except actions.GuideCheckFailed as error:
        messages.error(
            request,
            _("The guide has %(count)s problems; fix them first.") % {"count": len(error.problems)},
        )
        return _render_version(request, version, status=400)
    except ActionConflict as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    return redirect("catalog:office_version", version_id=version.pk)


@staff_required
@require_POST
def office_submit(request: HttpRequest, version_id: int) -> HttpResponse:
    """Send a draft for review (提交审核)."""
    return _workflow_step(request, version_id, "submit")


@staff_required
@require_POST
def office_publish(request: HttpRequest, version_id: int) -> HttpResponse:
    """Publish a guide in review (发布)."""
    return _workflow_step(request, version_id, "publish")


@staff_required
@require_POST
def office_reject(request: HttpRequest, version_id: int) -> HttpResponse:
    """Reject a guide in review with a reason (退回)."""
    return _workflow_step(request, version_id, "reject")
