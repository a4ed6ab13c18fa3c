"""Pages of the cases app (办件): apply once, follow the case, and the staff back office. Thin: they parse input
with forms, call one action or query, and render. They work without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.accounts.models import User
from yiwang.accounts.verification import in_person_places
from yiwang.cases import actions, delegation, queries
from yiwang.cases.forms import (
    ACTION_FORMS,
    ApplicationForm,
    CaseActionForm,
    CorrectionForm,
    CorrectionUploadForm,
    DelegationCodeForm,
    InPersonDelegationForm,
    NewbornChoiceForm,
    ReturnForm,
    StartApplicationForm,
    WithdrawForm,
    material_field_name,
)
from yiwang.cases.models import ApplicantKind, Application, ApplicationStatus, Case, CaseState, MaterialFile
from yiwang.cases.states import OPEN_STATES
from yiwang.cases.storage import get_store
from yiwang.catalog import queries as catalog_queries
from yiwang.catalog.models import Bundle, ServiceItem
from yiwang.core.errors import ActionConflict
from yiwang.core.permissions import require_role, staff_required
from yiwang.core.ratelimit import client_ip
from yiwang.org.models import Role

PAGE_SIZE = 50


class _RollBack(Exception):
    """Raised inside a transaction to undo a partly valid submission (nothing half-written)."""


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def add_errors(form: Any, error: ValidationError) -> None:
    """Show an action's ValidationError on the form: next to the field it names, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- Applying (在线申请) -----------------------------------------------------------------------------------------


def _prefilled_form_data(user: User, form: StartApplicationForm) -> dict[str, str]:
    """The applicant details from the account (and the company or represented citizen), to start the form."""
    data = form.cleaned_data
    if data["applicant_kind"] == ApplicantKind.DELEGATED:
        return {"contact_name": data["citizen_name"]}
    prefilled = {"contact_name": user.real_name, "contact_phone": user.phone or ""}
    if data["applicant_kind"] == ApplicantKind.COMPANY and data["company"] is not None:
        prefilled["address"] = data["company"].registered_address
    return prefilled


def _start(
    request: HttpRequest, *, item: ServiceItem | None = None, bundle: Bundle | None = None
) -> HttpResponse:
    user = _user(request)
    companies = queries.companies_acted_for(user)
    form = StartApplicationForm(
        request.POST or None,
        companies=companies,
        initial={"applicant_kind": ApplicantKind.COMPANY if companies else ApplicantKind.PERSON},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = actions.do_create_application(
                user,
                item=item,
                bundle=bundle,
                applicant_kind=data["applicant_kind"],
                company=data["company"],
                citizen_name=data["citizen_name"],
                citizen_resident_id=data["citizen_resident_id"],
                form_data=_prefilled_form_data(user, form),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("Your draft application was created. Fill it in and hand in the materials.")
            )
            return redirect("cases:application", pk=application.pk)
    guide = catalog_queries.combined_guide(bundle) if bundle else None
    return render(
        request,
        "cases/start.html",
        {"form": form, "item": item, "bundle": bundle, "guide": guide},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def start_item(request: HttpRequest, code: str) -> HttpResponse:
    """Start applying for one service item (在线申请)."""
    return _start(request, item=catalog_queries.item_by_code(code))


@login_required
@require_http_methods(["GET", "POST"])
def start_bundle(request: HttpRequest, code: str) -> HttpResponse:
    """Start applying for a life-event bundle (一件事一次办): one form for all its items."""
    return _start(request, bundle=catalog_queries.bundle_by_code(code))


def _render_draft(
    request: HttpRequest,
    application: Application,
    form: ApplicationForm,
    code_form: DelegationCodeForm | None = None,
    status: int = 200,
    newborn_form: NewbornChoiceForm | None = None,
) -> HttpResponse:
    materials = queries.application_materials(application)
    newborn, children = queries.newborn_of(application)
    rows = [
        (
            material,
            queries.current_files(material),
            form[material_field_name(material)] if queries.needs_upload(material) else None,
        )
        for material in materials
    ]
    return render(
        request,
        "cases/application_form.html",
        {
            "application": application,
            "form": form,
            "rows": rows,
            "code_form": code_form or DelegationCodeForm(),
            "needs_delegation": application.applicant_kind == ApplicantKind.DELEGATED,
            "household": queries.registry_household(application),
            "newborn": newborn,
            "newborn_form": (
                newborn_form
                or NewbornChoiceForm(
                    choices=children,
                    initial={"certificate_number": newborn.certificate_number if newborn else None},
                )
            )
            if len(children) > 1
            else None,
        },
        status=status,
    )


@login_required
@require_POST
def choose_newborn(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose which of the applicant's recent children a newborn draft is for (选择新生儿)."""
    user = _user(request)
    application = queries.application_for(user, pk)
    _newborn, children = queries.newborn_of(application)
    return _submit_side_form(
        request,
        application,
        "newborn_form",
        NewbornChoiceForm(request.POST, choices=children),
        lambda data: actions.do_choose_newborn(
            user, application, certificate_number=data["certificate_number"]
        ),
        _("The application is now for the child you chose."),
    )


def _submit_side_form(
    request: HttpRequest,
    application: Application,
    context_name: str,
    side_form: Any,
    act: Callable[[dict[str, Any]], object],
    success: str,
) -> HttpResponse:
    """A small form on the draft page (the newborn choice, the citizen's code): back to the draft with a message
    when ``act`` succeeds, else the draft again (400) showing the form's errors."""
    if side_form.is_valid():
        try:
            act(side_form.cleaned_data)
        except ValidationError as error:
            add_errors(side_form, error)
        else:
            messages.success(request, success)
            return redirect("cases:application", pk=application.pk)
    application.refresh_from_db()
    form = ApplicationForm(
        initial=application.form_data, materials=queries.application_materials(application)
    )
    return _render_draft(request, application, form, status=400, **{context_name: side_form})


def _attach_uploads(user: User, form: ApplicationForm | CorrectionUploadForm) -> None:
    """Attach every file of ``form`` to its material; a refused file's reason goes next to its field and the
    whole submission is rolled back (the caller's transaction), so nothing is half-written."""
    for material, upload in form.uploads():
        try:
            actions.do_add_material_file(user, material, content=upload.read(), filename=upload.name or "")
        except ValidationError as error:
            form.add_error(material_field_name(material), error.messages)
    if form.errors:
        raise _RollBack


def _save_draft(request: HttpRequest, application: Application, form: ApplicationForm) -> bool:
    """Save the details and every uploaded file together, or nothing (errors go next to their fields)."""
    user = _user(request)
    try:
        with transaction.atomic():
            actions.do_save_draft(user, application, form_data=form.form_data())
            _attach_uploads(user, form)
    except _RollBack:
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def application(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft: the application form with its material checklist (save, resume, submit once). Submitted: the
    combined status of its cases (one per item)."""
    user = _user(request)
    application = queries.application_for(user, pk)
    if application.status != ApplicationStatus.DRAFT:
        if request.method == "POST":
            messages.error(request, _("This application has already been submitted."))
        return _render_status(request, application, status=409 if request.method == "POST" else 200)
    actions.check_is_applicant(user, application)
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        materials=queries.application_materials(application),
        initial=application.form_data,
    )
    if request.method == "GET":
        return _render_draft(request, application, form)
    if not form.is_valid() or not _save_draft(request, application, form):
        return _render_draft(request, application, form, status=400)
    if request.POST.get("intent") != "submit":
        messages.success(request, _("Your draft was saved. You can come back and finish it later."))
        return redirect("cases:application", pk=application.pk)
    try:
        cases = actions.do_submit_application(user, application)
    except ValidationError as error:
        add_errors(form, error)
        messages.info(request, _("Your draft was saved, but it cannot be submitted yet."))
        return _render_draft(request, application, form, status=400)
    messages.success(
        request,
        _("Your application was submitted: %(numbers)s.")
        % {"numbers": "、".join(case.number for case in cases)},
    )
    return redirect("cases:application", pk=application.pk)


def _render_status(request: HttpRequest, application: Application, status: int = 200) -> HttpResponse:
    cases = queries.application_cases(application)
    return render(
        request,
        "cases/application_status.html",
        {
            "application": application,
            "rows": [(case, queries.case_status(case)) for case in cases],
            "can_withdraw": any(case.state in OPEN_STATES for case in cases)
            and application.applicant_id == request.user.pk,
            "withdraw_form": WithdrawForm(),
        },
        status=status,
    )


@login_required
@require_POST
def remove_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    """Remove an uploaded file from a draft's material."""
    application = queries.application_for(_user(request), pk)
    material_file = get_object_or_404(MaterialFile, pk=file_id, material__application=application)
    actions.do_remove_material_file(_user(request), material_file)
    messages.success(request, _("The file “%(name)s” was removed.") % {"name": material_file.original_name})
    return redirect("cases:application", pk=application.pk)


@login_required
@require_POST
def send_delegation_code(request: HttpRequest, pk: int) -> HttpResponse:
    """Text the represented citizen a confirmation code (代办确认码)."""
    application = queries.application_for(_user(request), pk)
    try:
        sent = delegation.do_send_delegation_code(_user(request), application, client_ip=client_ip(request))
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        if sent.throttled:
            messages.error(
                request,
                _("A code was sent a moment ago; wait %(seconds)d seconds before asking again.")
                % {"seconds": sent.retry_after_seconds},
            )
        else:
            messages.success(
                request, _("A code was sent to the mobile number of the citizen's own verified account.")
            )
    return redirect("cases:application", pk=application.pk)


@login_required
@require_POST
def confirm_delegation(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the citizen's confirmation with the code they received."""
    user = _user(request)
    application = queries.application_for(user, pk)
    return _submit_side_form(
        request,
        application,
        "code_form",
        DelegationCodeForm(request.POST),
        lambda data: delegation.do_confirm_delegation(user, application, code=data["code"]),
        _("The citizen confirmed that you act for them."),
    )


def _withdraw_reason(request: HttpRequest) -> str:
    """The optional reason the applicant gave for withdrawing (撤回理由)."""
    form = WithdrawForm(request.POST)
    return form.cleaned_data.get("reason", "") if form.is_valid() else ""


@login_required
@require_POST
def withdraw_application(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw every open case of an application (撤回)."""
    user = _user(request)
    application = queries.application_for(user, pk)
    actions.do_withdraw_application(user, application, reason=_withdraw_reason(request))
    messages.success(request, _("Your application was withdrawn."))
    return redirect("cases:application", pk=application.pk)


# --- The applicant's cases (我的办件) ------------------------------------------------------------------------------


@login_required
@require_GET
def my_applications(request: HttpRequest) -> HttpResponse:
    """My applications (我的办件): drafts to finish and submitted applications with each case's status."""
    applications = queries.applications_of(_user(request))
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/my_applications.html", {"page": page})


def _render_case(
    request: HttpRequest, case: Case, correction_form: CorrectionUploadForm | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    correcting = case.state == CaseState.CORRECTION and case.application.applicant_id == user.pk
    if correcting and correction_form is None:
        correction_form = CorrectionUploadForm(materials=queries.correction_materials(case))
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "status": queries.case_status(case),
            "timeline": queries.timeline(case),
            "notices": queries.case_notices(case),
            "materials": [(m, queries.current_files(m)) for m in queries.case_materials(case)],
            "licences": queries.case_licences(case),
            "correction_form": correction_form if correcting else None,
            "can_withdraw": "withdraw" in actions.case_actions_for(user, case),
            "withdraw_form": WithdrawForm(),
        },
        status=status,
    )


@login_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The applicant's case page: where it stands, who holds it, the countdown, every step and the notices."""
    return _render_case(request, queries.case_for_applicant(_user(request), number))


@login_required
@require_POST
def resubmit(request: HttpRequest, number: str) -> HttpResponse:
    """Hand in corrected materials after a correction notice (补正): the files and the resubmission together."""
    user = _user(request)
    case = queries.case_for_applicant(user, number)
    form = CorrectionUploadForm(request.POST, request.FILES, materials=queries.correction_materials(case))
    if form.is_valid():
        try:
            with transaction.atomic():
                _attach_uploads(user, form)
                actions.do_resubmit_case(user, case, note=form.cleaned_data["note"])
        except _RollBack:
            pass
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your corrected materials were handed in; the clock runs again."))
            return redirect("cases:case", number=case.number)
    return _render_case(request, case, correction_form=form, status=400)


@login_required
@require_POST
def withdraw_case(request: HttpRequest, number: str) -> HttpResponse:
    """Withdraw one case before its decision (撤回)."""
    user = _user(request)
    case = queries.case_for_applicant(user, number)
    actions.do_withdraw_case(user, case, reason=_withdraw_reason(request))
    messages.success(request, _("The case was withdrawn."))
    return redirect("cases:case", number=case.number)


@login_required
@require_GET
def notice_detail(request: HttpRequest, number: str, notice_number: str) -> HttpResponse:
    """A written notice (文书) as a printable page: receipt, correction notice, refusal, decision."""
    case = queries.case_for(_user(request), number)
    notice = queries.notice_of(case, notice_number)
    return render(request, "cases/notice.html", {"case": case, "notice": notice, "body": notice.body})


@login_required
@require_GET
def download_file(request: HttpRequest, file_id: int) -> HttpResponse:
    """A material file, for the applicant side and staff of the departments working on one of its cases."""
    material_file = queries.material_file_for(_user(request), file_id)
    response = HttpResponse(get_store().open(material_file.sha256), content_type=material_file.content_type)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(material_file.original_name, safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Back office (办件办理) ----------------------------------------------------------------------------------------


@staff_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The case inbox of my departments (办件箱), filtered by state, item and overdue level, by deadline."""
    user = _user(request)
    departments = list(queries.staff_departments(user))
    filters = {
        key: request.GET.get(key, "").strip() for key in ("department", "state", "item", "overdue", "q")
    }
    cases = queries.department_cases(
        user,
        department=next((d for d in departments if d.code == filters["department"]), None),
        state=filters["state"],
        item=filters["item"],
        deadline=filters["overdue"],
        search=filters["q"],
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/office_inbox.html",
        {
            "page": page,
            "rows": [(case, queries.case_status(case)) for case in page.object_list],
            "filters": filters,
            "query": query.urlencode(),
            "departments": departments,
            "states": CaseState.choices,
            "overdue_levels": queries.DeadlineFilter.choices,
            "items": queries.inbox_services(departments),
        },
    )


@require_role(Role.SUPERVISOR, Role.DEPARTMENT_ADMIN)
@require_GET
def supervisor(request: HttpRequest) -> HttpResponse:
    """The supervisor view (督查): each department's queues, cases due soon and overdue."""
    return render(
        request, "cases/office_supervisor.html", {"queues": queries.supervisor_overview(_user(request))}
    )


def _action_forms(
    user: User, case: Case, allowed: list[str], bound: CaseActionForm | None = None
) -> list[CaseActionForm]:
    forms = []
    for action in allowed:
        if bound is not None and bound.action == action:
            forms.append(bound)
        else:
            forms.append(_new_action_form(user, action, case))
    return forms


def _new_action_form(user: User, action: str, case: Case, data: Any = None) -> CaseActionForm:
    form_class = ACTION_FORMS[action]
    if form_class is CorrectionForm:
        return CorrectionForm(data, case=case, materials=queries.case_materials(case))
    if form_class is ReturnForm:
        return ReturnForm(data, case=case, steps=actions.return_steps(user, case))
    return form_class(data, case=case)


def _render_office_case(
    request: HttpRequest, case: Case, bound: CaseActionForm | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    allowed = [action for action in actions.case_actions_for(user, case) if action in ACTION_FORMS]
    return render(
        request,
        "cases/office_case.html",
        {
            "case": case,
            "application": case.application,
            "status": queries.case_status(case),
            "timeline": queries.timeline(case, staff=True),
            "materials": [
                (m, queries.current_files(m), queries.verified_lookups(m))
                for m in queries.case_materials(case)
            ],
            "opinions": queries.department_opinions(case),
            "notices": queries.case_notices(case),
            "licences": queries.case_licences(case),
            "action_forms": _action_forms(user, case, allowed, bound),
        },
        status=status,
    )


@staff_required
@require_GET
def office_case(request: HttpRequest, number: str) -> HttpResponse:
    """The staff case page: applicant, materials, opinions, clock and the actions allowed to me now."""
    return _render_office_case(request, queries.case_for_staff(_user(request), number))


@staff_required
@require_POST
def office_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one action on a case; a stale page or a colleague acting first gives a clear conflict (409)."""
    user = _user(request)
    case = queries.case_for_staff(user, number)
    if action not in ACTION_FORMS:
        raise Http404(_("There is no such action."))
    form = _new_action_form(user, action, case, request.POST)
    if not form.is_valid():
        return _render_office_case(request, case, form, status=400)
    try:
        actions.STAFF_ACTIONS[action](
            user, case, expected_version=form.cleaned_data["version"], **form.arguments()
        )
    except ValidationError as error:
        add_errors(form, error)
        return _render_office_case(request, case, form, status=400)
    except ActionConflict as conflict:  # the case page as it is now, with the reason, beats a bare 409 page
        messages.error(request, conflict.message)
        case.refresh_from_db()
        return _render_office_case(request, case, status=409)
    messages.success(request, _("Done: %(action)s.") % {"action": form.title})
    return redirect("cases:office_case", number=case.number)


# --- Acting for another citizen (代办): the citizen's list, ending, and confirmation in person ------------------


@login_required
def my_delegations(request: HttpRequest) -> HttpResponse:
    """The applications others made for me (我被代办的事项), each of which I can end while it is a draft."""
    user = _user(request)
    return render(
        request,
        "cases/my_delegations.html",
        {"applications": delegation.delegations_of(user), "verified": user.is_verified_citizen},
    )


@login_required
@require_POST
def end_delegation(request: HttpRequest, pk: int) -> HttpResponse:
    """End a delegation (终止代办); only the citizen represented may."""
    user = _user(request)
    application = next((entry for entry in delegation.delegations_of(user) if entry.pk == pk), None)
    if application is None:
        raise Http404
    delegation.do_end_delegation(user, application)
    messages.success(request, _("The delegation has ended; no more data is fetched for it."))
    return redirect("cases:my_delegations")


@staff_required
def confirm_delegation_in_person(request: HttpRequest) -> HttpResponse:
    """A window or service-station clerk confirms a delegation with the citizen's document in hand."""
    places = in_person_places(request.user)
    if not places:
        raise PermissionDenied(
            _(
                "Only window clerks and service-station clerks verify identities in person, at their own place."
            )
        )
    form = InPersonDelegationForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        application = delegation.delegation_for_station(form.cleaned_data["reference"])
        if application is None:
            form.add_error("reference", _("No application awaiting confirmation has this reference."))
        else:
            try:
                delegation.do_confirm_delegation_in_person(
                    _user(request),
                    application,
                    place=form.cleaned_data["place"],
                    document=form.cleaned_data["document"],
                    resident_id=form.cleaned_data["resident_id"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The delegation is confirmed: %(agent)s may now act for %(name)s on this application.")
                    % {"agent": application.applicant, "name": application.citizen_name},
                )
                return redirect("cases:confirm_delegation_in_person")
    return render(request, "cases/confirm_delegation_in_person.html", {"form": form})
