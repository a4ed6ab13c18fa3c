"""API of hotline work orders (工单接口), calling the same actions as the pages.

``POST /tickets`` takes messages from anyone (anonymous or signed in; a signed-in session counts only with its CSRF
token) with rate limits per address and phone; ``GET /tickets/{number}`` shows an order to its reporter, the
hotline centre and the handling department; ``POST /tickets/{number}/actions`` takes one step of the loop.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from decimal import Decimal
from typing import Any, Literal, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.utils import check_csrf

from yiwang.accounts.models import User
from yiwang.core import ratelimit
from yiwang.core.permissions import check_verified_staff
from yiwang.hotline import actions, queries
from yiwang.hotline.models import Channel, Ticket, TicketExtension
from yiwang.org.models import Department, Division

router = Router(tags=["hotline"])


class AttachmentIn(Schema):
    filename: str
    content_base64: str


class TicketIn(Schema):
    kind: str
    text: str
    title: str = ""
    urgency: str = "normal"
    division: str = ""  # division code
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    contact_name: str = ""
    contact_phone: str = ""
    consent_to_publish: bool = False
    attachments: list[AttachmentIn] = []
    subject_resident_id: str = Field(
        "", max_length=18, description="dispatchers only: the resident ID number of the person concerned"
    )


class EventOut(Schema):
    action: str
    department: str | None
    text: str
    at: dt.datetime


class ProposalOut(Schema):
    department: str
    confidence: float


class TicketOut(Schema):
    number: str
    status: str
    status_label: str
    kind: str
    urgency: str
    channel: str
    title: str
    text: str
    division: str | None
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    department: str | None
    department_name: str | None
    received_at: dt.datetime
    due_on: dt.date | None
    working_days_left: int | None
    overdue_level: str
    round: int
    reply_text: str
    callback_result: str
    rating: int | None
    merged_into: str | None
    version: int
    allowed_actions: list[str]
    timeline: list[EventOut]
    proposals: list[ProposalOut] | None = None
    routing_reason: str | None = None
    contact_phone: str | None = None


class ActionIn(Schema):
    action: Literal[
        "dispatch",
        "answer",
        "merge",
        "sign",
        "send_back",
        "reassign",
        "request_extension",
        "decide_extension",
        "supervise",
        "reply",
        "callback",
        "redo",
        "close",
        "rate",
    ]
    expected_version: int | None = None
    department: str = ""
    reason: str = ""
    reply_text: str = ""
    message: str = ""
    note: str = ""
    result: str = ""
    days: int = 0
    extension_id: int | None = None
    approve: bool = False
    into: str = ""
    rating: int = 0
    comment: str = ""


def ticket_out(ticket: Ticket, user: Any) -> TicketOut:
    staff = queries.is_hotline_centre(user) or queries.is_department_staff(user, ticket.department)
    countdown = queries.countdown(ticket)
    events = queries.full_timeline(ticket) if staff else queries.public_timeline(ticket)
    return TicketOut(
        number=ticket.number,
        status=ticket.status,
        status_label=str(ticket.get_status_display()),
        kind=ticket.kind,
        urgency=ticket.urgency,
        channel=ticket.channel,
        title=ticket.title,
        text=ticket.text,
        division=ticket.division.code if ticket.division else None,
        address=ticket.address,
        latitude=ticket.latitude,
        longitude=ticket.longitude,
        department=ticket.department.code if ticket.department else None,
        department_name=ticket.department.name if ticket.department else None,
        received_at=ticket.received_at,
        due_on=countdown.due_on,
        working_days_left=countdown.working_days_left,
        overdue_level=countdown.level,
        round=ticket.round,
        reply_text=ticket.reply_text,
        callback_result=ticket.callback_result,
        rating=ticket.rating,
        merged_into=ticket.merged_into.number if ticket.merged_into else None,
        version=ticket.version,
        allowed_actions=queries.actions_for(user, ticket),
        timeline=[
            EventOut(
                action=event.action,
                department=event.department.name if event.department else None,
                text=event.public_text or (event.internal_note if staff else ""),
                at=event.at,
            )
            for event in events
        ],
        proposals=[ProposalOut(**proposal) for proposal in ticket.routing.get("proposals", [])]
        if staff
        else None,
        routing_reason=ticket.routing.get("reason", "") if staff else None,
        contact_phone=ticket.masked_phone if staff else None,
    )


def _decode(attachment: AttachmentIn) -> actions.Attachment:
    try:
        content = base64.b64decode(attachment.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            {"attachments": _("%(name)s is not valid base64.") % {"name": attachment.filename}}
        ) from None
    return actions.Attachment(attachment.filename, content)


def _intake_actor(request: HttpRequest) -> Any:
    """The signed-in user when the request carries the session's CSRF token; else anonymous."""
    user = request.user
    if user.is_authenticated and check_csrf(request) is None:
        return user
    return None


@router.post("/tickets", response={201: TicketOut}, auth=None)
def submit_ticket(request: HttpRequest, payload: TicketIn) -> tuple[int, TicketOut]:
    """Leave a message (留言) for the 12345 hotline; 429 when one address or phone sends too many."""
    division = None
    if payload.division:
        division = Division.objects.filter(code=payload.division).first()
        if division is None:
            raise ValidationError({"division": _("There is no division with this code.")})
    actor = _intake_actor(request)
    ticket = actions.do_submit_ticket(
        actor,
        channel=Channel.API,
        kind=payload.kind,
        text=payload.text,
        title=payload.title,
        urgency=payload.urgency,
        division=division,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        consent_to_publish=payload.consent_to_publish,
        attachments=[_decode(attachment) for attachment in payload.attachments],
        client_ip=ratelimit.client_ip(request),
        subject_resident_id=payload.subject_resident_id,
    )
    return 201, ticket_out(ticket, actor)


@router.get("/tickets/{number}", response=TicketOut)
def get_ticket(request: HttpRequest, number: str) -> TicketOut:
    """One work order with its timeline and countdown (the reporter, the hotline centre, the department)."""
    return ticket_out(queries.get_ticket_for(request.user, number), request.user)


def _department(code: str) -> Department:
    if not code:
        raise ValidationError({"department": _("Choose a department.")})
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise ValidationError({"department": _("There is no department with this code.")})
    return department


@router.post("/tickets/{number}/actions", response=TicketOut)
def take_action(request: HttpRequest, number: str, payload: ActionIn) -> TicketOut:
    """Take one step of the handling loop; the step names are those of ``allowed_actions``."""
    user = cast(User, request.user)
    ticket = queries.get_ticket_for(user, number)
    if payload.action != "rate":
        check_verified_staff(user)
    version = payload.expected_version
    match payload.action:
        case "dispatch":
            actions.do_dispatch_ticket(
                user, ticket, _department(payload.department), note=payload.note, expected_version=version
            )
        case "reassign":
            actions.do_reassign_ticket(
                user, ticket, _department(payload.department), reason=payload.reason, expected_version=version
            )
        case "answer":
            actions.do_answer_ticket(user, ticket, reply_text=payload.reply_text, expected_version=version)
        case "merge":
            into = get_object_or_404(Ticket, number=payload.into)
            actions.do_merge_ticket(user, ticket, into, expected_version=version)
        case "sign":
            actions.do_sign_ticket(user, ticket, expected_version=version)
        case "send_back":
            actions.do_send_back_ticket(user, ticket, reason=payload.reason, expected_version=version)
        case "request_extension":
            actions.do_request_extension(
                user, ticket, days=payload.days, reason=payload.reason, expected_version=version
            )
        case "decide_extension":
            extension = get_object_or_404(TicketExtension, pk=payload.extension_id, ticket=ticket)
            actions.do_decide_extension(
                user, extension, approve=payload.approve, note=payload.note, expected_version=version
            )
        case "supervise":
            actions.do_supervise_ticket(user, ticket, message=payload.message, expected_version=version)
        case "reply":
            actions.do_reply_ticket(user, ticket, reply_text=payload.reply_text, expected_version=version)
        case "callback":
            actions.do_record_callback(
                user, ticket, result=payload.result, note=payload.note, expected_version=version
            )
        case "redo":
            actions.do_redo_ticket(user, ticket, reason=payload.reason, expected_version=version)
        case "close":
            actions.do_close_ticket(user, ticket, note=payload.note, expected_version=version)
        case "rate":
            actions.do_rate_ticket(user, ticket, rating=payload.rating, comment=payload.comment)
    return ticket_out(queries.get_ticket(number), user)
