"""Hotline pages (热线页面): leave a message, my messages, a work order with its allowed steps, and the staff
queues (triage, department inbox, callbacks, entering a phone call). They call the same actions as the API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.core import ratelimit
from yiwang.core.errors import ActionConflict, RateLimited
from yiwang.core.permissions import check_verified_staff, departments_where, staff_required
from yiwang.hotline import actions, queries
from yiwang.hotline.forms import ActionForm, TicketForm
from yiwang.hotline.models import Channel, ExtensionStatus, Ticket, TicketExtension
from yiwang.hotline.states import TRANSITIONS
from yiwang.org.models import Department


def _apply_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _intake(request: HttpRequest, channel: str, template: str) -> HttpResponse:
    form = TicketForm(request.POST or None, request.FILES or None)
    if channel == Channel.PHONE:
        form.fields["contact_phone"].required = True
    elif request.user.is_authenticated and getattr(request.user, "phone", None):
        form.fields["contact_phone"].required = False
    status = 200
    retry_after = 0
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = actions.do_submit_ticket(
                request.user if request.user.is_authenticated else None,
                channel=channel,
                kind=data["kind"],
                urgency=data["urgency"],
                title=data["title"],
                text=data["text"],
                division=data["division"],
                address=data["address"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                consent_to_publish=data["consent_to_publish"],
                attachments=[actions.Attachment(file.name, file.read()) for file in data["attachments"]],
                client_ip=ratelimit.client_ip(request),
            )
        except ValidationError as error:
            _apply_errors(form, error)
            status = 422
        except RateLimited as error:
            form.add_error(None, error.message)
            status = 429
            retry_after = error.retry_after
        else:
            if queries.can_view(request.user, ticket):
                return redirect("hotline:ticket", number=ticket.number)
            return render(request, "hotline/received.html", {"ticket": ticket})
    elif request.method == "POST":
        status = 422
    response = render(request, template, {"form": form, "channel": channel}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def new_ticket(request: HttpRequest) -> HttpResponse:
    """我要留言: anyone may write, signed in or not."""
    return _intake(request, Channel.PORTAL, "hotline/new.html")


@staff_required
def enter_call(request: HttpRequest) -> HttpResponse:
    """A dispatcher enters a phone call (电话受理) for the caller."""
    if not queries.is_dispatcher(request.user):
        raise PermissionDenied(_("Only hotline dispatchers enter phone calls."))
    return _intake(request, Channel.PHONE, "hotline/call.html")


@login_required
def my_tickets(request: HttpRequest) -> HttpResponse:
    """我的诉求: the signed-in citizen's messages with status and countdown."""
    tickets = list(queries.tickets_of_reporter(request.user)[:100])  # type: ignore[arg-type]
    rows = [(ticket, queries.countdown(ticket)) for ticket in tickets]
    return render(request, "hotline/mine.html", {"rows": rows})


def _ticket_context(request: HttpRequest, ticket: Ticket, failed: ActionForm | None = None) -> dict[str, Any]:
    user = request.user
    staff = queries.is_hotline_centre(user) or queries.is_department_staff(user, ticket.department)
    allowed = queries.actions_for(user, ticket)
    forms = {}
    for action in allowed:
        if failed is not None and failed.data.get("action") == action:
            failed.auto_id = f"id_{action}_%s"
            forms[action] = failed
        else:
            forms[action] = ActionForm(
                initial={"action": action, "expected_version": ticket.version}, auto_id=f"id_{action}_%s"
            )
    return {
        "ticket": ticket,
        "staff": staff,
        "countdown": queries.countdown(ticket),
        "timeline": queries.full_timeline(ticket) if staff else queries.public_timeline(ticket),
        "forms": forms,
        "labels": {name: TRANSITIONS[name].label for name in allowed},
        "pending_extension": ticket.extensions.filter(status=ExtensionStatus.PENDING).first(),
        "sign_by": queries.sign_for_deadline(ticket) if ticket.dispatched_at else None,
    }


@login_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One work order: facts, countdown, timeline and the forms of the steps the user may take."""
    ticket = queries.get_ticket_for(request.user, number)
    return render(request, "hotline/ticket.html", _ticket_context(request, ticket))


def _run(user: Any, ticket: Ticket, data: dict[str, Any]) -> None:
    action = data["action"]
    version = data.get("expected_version")
    if action == "dispatch":
        if data["department"] is None:
            raise ValidationError({"department": _("Choose a department.")})
        actions.do_dispatch_ticket(
            user, ticket, data["department"], note=data["note"], expected_version=version
        )
    elif action == "reassign":
        if data["department"] is None:
            raise ValidationError({"department": _("Choose a department.")})
        actions.do_reassign_ticket(
            user, ticket, data["department"], reason=data["reason"], expected_version=version
        )
    elif action == "answer":
        actions.do_answer_ticket(user, ticket, reply_text=data["reply_text"], expected_version=version)
    elif action == "merge":
        into = Ticket.objects.filter(number=data["into"].strip()).first()
        if into is None:
            raise ValidationError({"into": _("There is no work order with this number.")})
        actions.do_merge_ticket(user, ticket, into, expected_version=version)
    elif action == "sign":
        actions.do_sign_ticket(user, ticket, expected_version=version)
    elif action == "send_back":
        actions.do_send_back_ticket(user, ticket, reason=data["reason"], expected_version=version)
    elif action == "request_extension":
        if not data["days"]:
            raise ValidationError({"days": _("Say how many working days you need.")})
        actions.do_request_extension(
            user, ticket, days=data["days"], reason=data["reason"], expected_version=version
        )
    elif action == "decide_extension":
        extension = get_object_or_404(TicketExtension, pk=data["extension_id"], ticket=ticket)
        if data["approve"] in (None, ""):
            raise ValidationError({"approve": _("Approve or refuse the extension.")})
        actions.do_decide_extension(
            user, extension, approve=data["approve"], note=data["note"], expected_version=version
        )
    elif action == "supervise":
        actions.do_supervise_ticket(user, ticket, message=data["message"], expected_version=version)
    elif action == "reply":
        actions.do_reply_ticket(user, ticket, reply_text=data["reply_text"], expected_version=version)
    elif action == "callback":
        if not data["result"]:
            raise ValidationError({"result": _("Choose what the callback found.")})
        actions.do_record_callback(
            user, ticket, result=data["result"], note=data["note"], expected_version=version
        )
    elif action == "redo":
        actions.do_redo_ticket(user, ticket, reason=data["reason"], expected_version=version)
    elif action == "close":
        actions.do_close_ticket(user, ticket, note=data["note"], expected_version=version)
    elif action == "rate":
        if not data["rating"]:
            raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
        actions.do_rate_ticket(user, ticket, rating=data["rating"], comment=data["comment"])
    else:
        raise ValidationError({"action": _("Unknown action.")})


@login_required
@require_POST
def ticket_action(request: HttpRequest, number: str) -> HttpResponse:
    """Take one step; errors are shown next to the fields of that step's form."""
    ticket = queries.get_ticket_for(request.user, number)
    form = ActionForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["action"] != "rate":
            check_verified_staff(request.user)
        try:
            _run(request.user, ticket, form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        except ActionConflict as error:
            form.add_error(None, error.message)
        else:
            return redirect(request.POST.get("next") or reverse("hotline:ticket", args=[number]))
    ticket = queries.get_ticket(number)
    return render(request, "hotline/ticket.html", _ticket_context(request, ticket, form), status=422)


@staff_required
def triage(request: HttpRequest) -> HttpResponse:
    """The dispatcher's triage queue (待派单): each order with the router's top 3 and one-click dispatch."""
    if not queries.is_dispatcher(request.user):
        raise PermissionDenied(_("Only hotline dispatchers see the triage queue."))
    tickets = list(queries.triage_queue()[:200])
    codes = {p["department"] for ticket in tickets for p in ticket.routing.get("proposals", [])}
    names = dict(Department.objects.filter(code__in=codes).values_list("code", "name"))
    rows = [
        (
            ticket,
            [
                {
                    **proposal,
                    "name": names[proposal["department"]],
                    "percent": round(proposal["confidence"] * 100),
                }
                for proposal in ticket.routing.get("proposals", [])
                if proposal["department"] in names
            ],
        )
        for ticket in tickets
    ]
    return render(request, "hotline/triage.html", {"rows": rows, "callbacks": queries.callback_queue()[:200]})


@staff_required
def department_inbox(request: HttpRequest) -> HttpResponse:
    """The department's work orders, nearest deadline first (部门工单)."""
    sections = []
    for department in departments_where(request.user):
        tickets = list(queries.department_inbox(department, include_replied=True)[:200])
        sections.append((department, [(ticket, queries.countdown(ticket)) for ticket in tickets]))
    return render(request, "hotline/inbox.html", {"sections": sections})
