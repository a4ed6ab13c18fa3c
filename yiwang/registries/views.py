"""Pages of the registries app: the data-service catalogue for staff (共享数据目录), the supervisors' reports of
suspicious accesses (可疑访问督查), my data access record (我的数据使用记录) and my consents (我的授权)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.accounts.decorators import staff_otp_required
from yiwang.core.errors import ActionConflict
from yiwang.core.permissions import departments_where, require_role
from yiwang.org.models import Role
from yiwang.registries import queries
from yiwang.registries.actions import (
    do_close_supervision_item,
    do_flag_access,
    do_grant_consent,
    do_withdraw_consent,
)
from yiwang.registries.forms import ConsentForm, FlagForm, SupervisionCloseForm
from yiwang.registries.models import SupervisionStatus


@staff_otp_required
@require_GET
def service_catalogue(request: HttpRequest) -> HttpResponse:
    """The data-service catalogue, marked with what the staff member's department may use."""
    departments = list(departments_where(request.user))
    department = departments[0] if len(departments) == 1 else None
    wanted = request.GET.get("department", "")
    department = next((item for item in departments if item.code == wanted), department)
    return render(
        request,
        "registries/services.html",
        {"views": queries.catalogue_for(department), "department": department, "departments": departments},
    )


def _supervision_page(
    request: HttpRequest, close_form: SupervisionCloseForm | None = None, closing_id: int | None = None
) -> HttpResponse:
    rows = [
        (item, queries.masked_citizen(item.citizen))
        for item in queries.supervision_items_for(request.user)[:500]  # type: ignore[arg-type]
    ]
    return render(
        request,
        "registries/office_supervision.html",
        {
            "open_rows": [row for row in rows if row[0].status == SupervisionStatus.OPEN],
            "closed_rows": [row for row in rows if row[0].status == SupervisionStatus.CLOSED],
            "close_form": close_form or SupervisionCloseForm(),
            "closing_id": closing_id,
            "deferred": queries.deferred_reads_for(request.user)[:200],  # type: ignore[arg-type]
        },
    )


@require_role(Role.SUPERVISOR, Role.DEPARTMENT_ADMIN)
@require_GET
def office_supervision(request: HttpRequest) -> HttpResponse:
    """Reports of suspicious accesses for the supervisors of the departments that read the data."""
    return _supervision_page(request)


@require_role(Role.SUPERVISOR, Role.DEPARTMENT_ADMIN)
@require_POST
def close_supervision_item(request: HttpRequest, item_id: int) -> HttpResponse:
    """Close a report with the finding; the page comes back with the error when the finding is missing."""
    item = queries.supervision_item_for(request.user, item_id)  # type: ignore[arg-type]
    form = SupervisionCloseForm(request.POST)
    if not form.is_valid():
        return _supervision_page(request, form, item.pk)
    try:
        do_close_supervision_item(request.user, item, form.cleaned_data["finding"])  # type: ignore[arg-type]
    except ActionConflict as conflict:
        messages.warning(request, conflict.message)
    else:
        messages.success(request, _("Report closed. The citizen has been told the finding."))
    return redirect("registries:office_supervision")


def _data_access_page(
    request: HttpRequest, flag_form: FlagForm | None = None, flagged: str = ""
) -> HttpResponse:
    return render(
        request,
        "registries/my_data_access.html",
        {
            "entries": queries.accesses_of_citizen(request.user)[:200],  # type: ignore[arg-type]
            "flag_form": flag_form or FlagForm(),
            "flag_request_id": flagged,
        },
    )


@login_required
@require_GET
def my_data_access(request: HttpRequest) -> HttpResponse:
    """My data access record: every answered read of my data, newest first."""
    return _data_access_page(request)


@login_required
@require_POST
def flag_access(request: HttpRequest, request_id: str) -> HttpResponse:
    """Report an access as suspicious; the form comes back with its error when the reason is missing."""
    form = FlagForm(request.POST)
    if form.is_valid():
        try:
            do_flag_access(request.user, request_id, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        except ActionConflict as conflict:
            messages.warning(request, conflict.message)
        else:
            messages.success(request, _("Reported. The department's supervisors will look into it."))
            return redirect("registries:my_data_access")
    return _data_access_page(request, form, request_id)


@login_required
@require_http_methods(["GET", "POST"])
def my_consents(request: HttpRequest) -> HttpResponse:
    """My consents: grant one for a purpose or a case, withdraw one."""
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_grant_consent(
                request.user,  # type: ignore[arg-type]
                purpose=form.cleaned_data["purpose"],
                case_reference=form.cleaned_data["case_reference"],
                department=form.cleaned_data["department"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Consent granted."))
            return redirect("registries:my_consents")
    return render(
        request,
        "registries/my_consents.html",
        {"consents": queries.consents_of(request.user), "form": form},  # type: ignore[arg-type]
    )


@login_required
@require_POST
def withdraw_consent(request: HttpRequest, consent_id: int) -> HttpResponse:
    try:
        do_withdraw_consent(request.user, consent_id)  # type: ignore[arg-type]
    except ActionConflict as conflict:
        messages.warning(request, conflict.message)
    else:
        messages.success(request, _("Consent withdrawn. Reads relying on it are refused from now on."))
    return redirect("registries:my_consents")
