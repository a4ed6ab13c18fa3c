"""Every state change of a work order (工单): intake, routing, the handling loop, merging, rating.

Each ``do_*`` runs in one transaction: it checks (``check_*``), changes the order, appends a ``TicketEvent``,
writes one audit record (``hotline.<verb>``) and notifies the citizen and staff; nothing is half-written when it
raises ``PermissionDenied`` (403), ``ActionConflict`` (409: wrong status or stale ``expected_version``),
``ValidationError`` (422) or ``RateLimited`` (429, from :mod:`yiwang.core.ratelimit`). The allowed transitions are :mod:`yiwang.hotline.states`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from yiwang.accounts.models import User
from yiwang.cases.storage import JPEG, PDF, PNG, get_store, sniff_content_type
from yiwang.core import legaltime, ratelimit
from yiwang.core.audit import record_audit
from yiwang.core.errors import ActionConflict
from yiwang.core.models import Clock
from yiwang.core.text import clean_free_text
from yiwang.core.validators import (
    normalise_phone,
    normalise_resident_id,
    validate_phone,
    validate_resident_id,
)
from yiwang.hotline import queries
from yiwang.hotline.models import (
    CallbackResult,
    Channel,
    ExtensionStatus,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketExtension,
    TicketKind,
    TicketNumberSequence,
    TicketStatus,
    Urgency,
)
from yiwang.hotline.states import TRANSITIONS
from yiwang.notify.actions import do_notify_user, do_send_notification
from yiwang.notify.models import Channel as NotifyChannel
from yiwang.org.models import Department, Division
from yiwang.routing import router
from yiwang.routing.actions import do_record_correction

logger = logging.getLogger(__name__)

CLOCK_OWNER_TYPE = "hotline.ticket"
NUMBER_PREFIX = "GD"  # 工单
ATTACHMENT_TYPES = (PDF, JPEG, PNG)
PUBLIC_CHANNELS = (Channel.PORTAL, Channel.API, Channel.OPEN311, Channel.MAILBOX)


@dataclass(frozen=True)
class Attachment:
    """An uploaded file handed to intake."""

    name: str
    content: bytes


# --- who may act -------------------------------------------------------------------------------------------


def check_action(user: Any, ticket: Ticket, action: str, expected_version: int | None = None) -> str:
    """Raise unless ``user`` may take ``action`` on ``ticket`` now; returns the status it leads to."""
    transition = TRANSITIONS[action]
    if not queries.may_take(user, ticket, action):
        raise PermissionDenied(_("You may not take this action on this work order."))
    if expected_version is not None and expected_version != ticket.version:
        raise ActionConflict(_("This work order was changed by someone else; reload it and try again."))
    if ticket.status not in transition.sources:
        raise ActionConflict(
            _("This action is not possible while the work order is “%(status)s”.")
            % {"status": ticket.get_status_display()}
        )
    return transition.target or ticket.status


# --- routing (智能分拨) behind one small adapter -----------------------------------------------------------


@dataclass(frozen=True)
class RoutingAdvice:
    """The router's answer for a message: ranked proposals, its reason, and whether to dispatch at once."""

    proposals: list[dict[str, Any]]  # [{"department": code, "confidence": float}], best first, at most 3
    reason: str
    auto: bool

    def as_json(self) -> dict[str, Any]:
        return {"proposals": self.proposals, "reason": self.reason, "auto": self.auto}


def propose_routing(text: str) -> RoutingAdvice:
    """Ask the router (``yiwang.routing.router``) where ``text`` belongs; raises whatever the router raises."""
    proposal = router.propose(text)
    proposals = [
        {"department": code, "confidence": round(float(confidence), 4)}
        for code, confidence in list(zip(proposal.departments, proposal.confidences, strict=False))[:3]
    ]
    return RoutingAdvice(proposals, str(proposal.reason), bool(router.should_auto_dispatch(proposal)))


def _record_routing_label(actor: Any, text: str, department: Department, source: str) -> None:
    """Keep a dispatcher's decision as a training label for the router (never blocks the action)."""
    try:
        with transaction.atomic():  # a savepoint: a failure here must not break the caller's transaction
            do_record_correction(actor, text, department, source)
    except Exception:
        logger.exception("could not record a routing label (%s)", source)


def _safe_routing(text: str) -> RoutingAdvice | None:
    try:
        return propose_routing(text)
    except Exception:  # router down or not trained: the order is saved and a job routes it later
        logger.exception("routing failed; the work order waits for the retry job")
        return None


# --- helpers -----------------------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def _today() -> dt.date:
    return timezone.localdate()


def _next_number(day: dt.date) -> str:
    """``GD`` + yyyymmdd + 6 digits, from a per-day sequence row locked for the transaction."""
    TicketNumberSequence.objects.get_or_create(day=day)
    sequence = TicketNumberSequence.objects.select_for_update().get(day=day)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"{NUMBER_PREFIX}{day:%Y%m%d}{sequence.last_value:06d}"


def time_limit_days(kind: str, urgency: str) -> int:
    """The handling limit in working days for a type (urgent overrides; 0 = due the same day)."""
    limits: Mapping[str, int] = settings.HOTLINE_TIME_LIMITS
    return int(limits["urgent"] if urgency == Urgency.URGENT else limits[kind])


def _start_round_clock(ticket: Ticket, on: dt.date) -> None:
    days = time_limit_days(ticket.kind, ticket.urgency)
    ticket.clock = legaltime.start_clock(
        (CLOCK_OWNER_TYPE, f"{ticket.pk}/{ticket.round}"),
        days,
        None,
        on,
        extension_limit=settings.HOTLINE_MAX_EXTENSION_DAYS,
    )


def _clock_of(ticket: Ticket) -> Clock:
    if ticket.clock is None:
        raise ActionConflict(_("This work order has no running clock."))
    return ticket.clock


def _finish_clock(ticket: Ticket) -> None:
    if ticket.clock is not None and ticket.clock.state != "finished":
        legaltime.finish_clock(ticket.clock, max(_today(), ticket.clock.started_on))


def _due_text(ticket: Ticket) -> str:
    due = ticket.clock.legal_due_on if ticket.clock else None
    return date_format(due, "Y-m-d") if due else ""


def _lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",)).select_related("clock", "department").get(pk=ticket.pk)
    )


def _event(
    ticket: Ticket,
    action: str,
    actor: Any,
    before: str,
    *,
    public_text: str = "",
    internal_note: str = "",
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        department=ticket.department,
        status_before=before,
        status_after=ticket.status,
        public_text=public_text,
        internal_note=internal_note,
        at=_now(),
    )


def _save(ticket: Ticket, *fields: str) -> None:
    ticket.version = F("version") + 1
    ticket.save(update_fields=[*fields, "version", "updated_at"])
    ticket.refresh_from_db(fields=["version"])


def _notify_citizens(ticket: Ticket, template_key: str, extra: Mapping[str, Any] | None = None) -> None:
    """Tell the reporter of ``ticket`` and of every order merged into it (inbox + SMS, or SMS to the contact)."""
    values = {"number": ticket.number, "title": ticket.title, "due": _due_text(ticket), **(extra or {})}
    for order in [ticket, *ticket.merged_tickets.select_related("reporter")]:
        if order.reporter is not None:
            do_notify_user(order.reporter, template_key, {**values, "number": order.number})
        elif order.contact_phone:
            do_send_notification(
                template_key,
                NotifyChannel.SMS,
                to_address=order.contact_phone,
                personalisation={**values, "number": order.number},
            )


def _notify_department(ticket: Ticket, template_key: str, extra: Mapping[str, Any] | None = None) -> None:
    if ticket.department is None:
        return
    values = {"number": ticket.number, "title": ticket.title, "due": _due_text(ticket), **(extra or {})}
    for user in queries.department_staff(ticket.department):
        do_notify_user(user, template_key, values)


def _notify_centre(ticket: Ticket, template_key: str, extra: Mapping[str, Any] | None = None) -> None:
    values = {"number": ticket.number, "title": ticket.title, **(extra or {})}
    for user in queries.hotline_centre_staff():
        do_notify_user(user, template_key, values)


# --- intake (受理) ------------------------------------------------------------------------------------------


def check_intake_rate(client_ip: str, phone: str) -> None:
    """Count one message against the limits per client address and per phone (rate-limit service rules
    ``hotline-intake-per-address`` and ``hotline-intake-per-phone``); RateLimited (429) when over."""
    ratelimit.hit("hotline-intake-per-address", client_ip)
    ratelimit.hit("hotline-intake-per-phone", phone)


def _clean_intake(
    *,
    channel: str,
    kind: str,
    urgency: str,
    title: str,
    text: str,
    latitude: Decimal | float | str | None,
    longitude: Decimal | float | str | None,
    contact_phone: str,
    attachments: Sequence[Attachment],
) -> tuple[str, str, Decimal | None, Decimal | None, str, list[tuple[Attachment, str]]]:
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [_("Choose a channel from the list.")]
    if kind not in TicketKind.values:
        errors["kind"] = [_("Choose the type of your message.")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Choose normal or urgent.")]
    text = clean_free_text(text)
    max_chars = settings.HOTLINE_MESSAGE_MAX_CHARS
    if len(text) < 5:
        errors["text"] = [_("Describe the matter in at least 5 characters.")]
    elif len(text) > max_chars:
        errors["text"] = [_("The message is longer than %(limit)d characters.") % {"limit": max_chars}]
    title = clean_free_text(title) or text[:30]
    if len(title) > 100:
        errors["title"] = [_("The title is longer than 100 characters.")]
    coordinates: list[Decimal | None] = []
    for name, value, bound in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value in (None, ""):
            coordinates.append(None)
            continue
        try:
            number = Decimal(str(value)).quantize(Decimal("0.000001"))
        except ArithmeticError:
            errors[name] = [_("Give the coordinate as a decimal number.")]
            coordinates.append(None)
            continue
        if not number.is_finite() or not -bound <= number <= bound:
            errors[name] = [_("The coordinate must be between -%(bound)d and %(bound)d.") % {"bound": bound}]
        coordinates.append(number)
    if (coordinates[0] is None) != (coordinates[1] is None) and not errors.keys() & {"latitude", "longitude"}:
        errors["longitude" if coordinates[1] is None else "latitude"] = [
            _("Give both latitude and longitude, or neither.")
        ]
    phone = normalise_phone(contact_phone or "")
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as error:
            errors["contact_phone"] = error.messages
    checked: list[tuple[Attachment, str]] = []
    if len(attachments) > settings.HOTLINE_ATTACHMENT_MAX_FILES:
        errors["attachments"] = [
            _("Attach at most %(count)d files.") % {"count": settings.HOTLINE_ATTACHMENT_MAX_FILES}
        ]
    for attachment in attachments:
        content_type = sniff_content_type(attachment.content)
        if not attachment.content:
            errors.setdefault("attachments", []).append(_("The file is empty."))
        elif len(attachment.content) > settings.HOTLINE_ATTACHMENT_MAX_BYTES:
            errors.setdefault("attachments", []).append(
                _("%(name)s is larger than %(limit)d MB.")
                % {"name": attachment.name, "limit": settings.HOTLINE_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            )
        elif content_type not in ATTACHMENT_TYPES:
            errors.setdefault("attachments", []).append(
                _("%(name)s is not a PDF, JPEG or PNG file.") % {"name": attachment.name}
            )
        else:
            checked.append((attachment, content_type))
    if errors:
        raise ValidationError(errors)
    return title, text, coordinates[0], coordinates[1], phone, checked


def _clean_subject_id(actor: User | None, value: str) -> str:
    """The resident ID number of the person a work order is about, as a dispatcher entered it ("" when none).
    Only dispatchers record it: it lets the handling department read that person's registry data."""
    value = normalise_resident_id(value or "")
    if not value:
        return ""
    if not queries.is_dispatcher(actor):
        raise PermissionDenied(
            _("Only hotline dispatchers record the resident ID number of the person a work order is about.")
        )
    try:
        validate_resident_id(value)
    except ValidationError as error:
        raise ValidationError({"subject_resident_id": error.messages}) from None
    return value


def do_submit_ticket(
    actor: User | None,
    *,
    channel: str,
    kind: str,
    text: str,
    title: str = "",
    urgency: str = Urgency.NORMAL,
    division: Division | None = None,
    address: str = "",
    latitude: Decimal | float | str | None = None,
    longitude: Decimal | float | str | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    consent_to_publish: bool = False,
    attachments: Sequence[Attachment] = (),
    client_ip: str = "",
    subject_resident_id: str = "",
) -> Ticket:
    """Accept a message (受理) from any channel as one work order and route it.

    Public channels (portal, API, Open311, mailbox) are rate-limited per ``client_ip`` and per phone; a phone call
    (``channel="phone"``) is entered by a dispatcher for the caller. A signed-in citizen becomes the reporter.
    The router is asked first; when it is sure the order is dispatched at once, otherwise it waits in triage
    with the top 3 proposals. When the router fails the order is saved anyway and a job routes it later.
    """
    if channel == Channel.PHONE and not queries.is_dispatcher(actor):
        raise PermissionDenied(_("Only hotline dispatchers enter phone calls."))
    subject_id = _clean_subject_id(actor, subject_resident_id)
    title, text, lat, long, phone, files = _clean_intake(
        channel=channel,
        kind=kind,
        urgency=urgency,
        title=title,
        text=text,
        latitude=latitude,
        longitude=longitude,
        contact_phone=contact_phone,
        attachments=attachments,
    )
    reporter = actor if actor is not None and getattr(actor, "is_citizen", False) else None
    if reporter is not None and not phone and reporter.phone:
        phone = reporter.phone
    if channel in PUBLIC_CHANNELS:
        check_intake_rate(client_ip, phone)
    advice = _safe_routing(f"{title}\n{text}")
    stored = [(get_store().save(attachment.content), attachment, kind_) for attachment, kind_ in files]
    now = _now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=_next_number(timezone.localdate(now)),
            channel=channel,
            kind=kind,
            urgency=urgency,
            title=title,
            text=text,
            division=division,
            address=clean_free_text(address),
            latitude=lat,
            longitude=long,
            contact_name=clean_free_text(contact_name),
            contact_phone=phone,
            reporter=reporter,
            consent_to_publish=consent_to_publish,
            subject_resident_id=subject_id,
            received_at=now,
            routing=advice.as_json() if advice else {},
            routed_at=now if advice else None,
        )
        ticket.duplicate_candidates = queries.duplicate_candidates(ticket)
        _start_round_clock(ticket, timezone.localdate(now))
        ticket.save(update_fields=["clock", "duplicate_candidates"])
        for stored_file, attachment, content_type in stored:
            TicketAttachment.objects.create(
                ticket=ticket,
                sha256=stored_file.sha256,
                size=stored_file.size,
                content_type=content_type,
                original_name=attachment.name[:200],
            )
        _event(ticket, "receive", actor, "", public_text=_("Your message was received and accepted."))
        record_audit(
            actor,
            "hotline.receive",
            ticket,
            {"number": ticket.number, "channel": channel, "kind": kind, "urgency": urgency},
        )
        _notify_citizens(ticket, "hotline-received")
        if advice is None:
            transaction.on_commit(partial(_enqueue_routing, ticket.pk))
        else:
            _apply_routing(ticket, advice)
    return ticket


def _enqueue_routing(ticket_id: int) -> None:
    from yiwang.hotline.tasks import route_ticket

    try:
        route_ticket.enqueue(ticket_id)
    except Exception:  # queue down: the periodic sweep picks the order up
        logger.exception("could not enqueue routing of work order %s", ticket_id)


def _apply_routing(ticket: Ticket, advice: RoutingAdvice) -> None:
    """Dispatch at once when the router is sure and its department exists; else leave the order in triage."""
    if not advice.auto or not advice.proposals:
        return
    department = Department.objects.filter(code=advice.proposals[0]["department"]).first()
    if department is not None and not ticket.duplicate_candidates:
        _dispatch(None, ticket, department, note=advice.reason, auto=True)


def do_route_ticket(ticket: Ticket) -> Ticket:
    """Ask the router again for an order the router could not route on intake (the retry job)."""
    advice = propose_routing(f"{ticket.title}\n{ticket.text}")
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.routed_at is not None or ticket.status != TicketStatus.TRIAGE:
            return ticket
        ticket.routing = advice.as_json()
        ticket.routed_at = _now()
        _save(ticket, "routing", "routed_at")
        record_audit(None, "hotline.route", ticket, {"number": ticket.number, "routing": ticket.routing})
        _apply_routing(ticket, advice)
    return ticket


# --- dispatch, sign, send back, reassign (派单 / 签收 / 退单 / 改派) -----------------------------------------------


def _dispatch(
    actor: Any, ticket: Ticket, department: Department, *, note: str = "", auto: bool = False
) -> None:
    before = ticket.status
    ticket.status = TicketStatus.DISPATCHED
    ticket.department = department
    ticket.dispatched_at = _now()
    ticket.signed_at = None
    _save(ticket, "status", "department", "dispatched_at", "signed_at")
    _event(
        ticket,
        "dispatch",
        actor,
        before,
        public_text=_("Passed to %(department)s for handling.") % {"department": department.name},
        internal_note=note,
    )
    record_audit(
        actor,
        "hotline.dispatch",
        ticket,
        {"number": ticket.number, "department": department.code, "auto": auto},
    )
    _notify_citizens(ticket, "hotline-dispatched", {"department": department.name})
    _notify_department(
        ticket, "hotline-assigned", {"sign_by": date_format(queries.sign_for_deadline(ticket), "Y-m-d")}
    )


def do_dispatch_ticket(
    actor: User,
    ticket: Ticket,
    department: Department,
    *,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """Dispatch (派单) an order in triage to ``department``; a choice other than the router's first is a label."""
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "dispatch", expected_version)
        proposals = ticket.routing.get("proposals") or []
        sent_back = TicketEvent.objects.filter(ticket=ticket, action="send_back").exists()
        if not proposals or proposals[0]["department"] != department.code or sent_back:
            _record_routing_label(actor, ticket.text, department, "send_back" if sent_back else "dispatch")
        _dispatch(actor, ticket, department, note=note)
    return ticket


def do_sign_ticket(actor: User, ticket: Ticket, *, expected_version: int | None = None) -> Ticket:
    """Sign for (签收) a dispatched order: the department takes it on."""
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "sign", expected_version)
        before = ticket.status
        ticket.status = TicketStatus.IN_PROGRESS
        ticket.signed_at = _now()
        _save(ticket, "status", "signed_at")
        _event(ticket, "sign", actor, before, public_text=_("The department signed for your message."))
        record_audit(actor, "hotline.sign", ticket, {"number": ticket.number})
    return ticket


def do_send_back_ticket(
    actor: User, ticket: Ticket, *, reason: str, expected_version: int | None = None
) -> Ticket:
    """Send back (退单) an order that is not the department's business, within the sign-for window, with a reason.

    The order returns to triage; the reason is kept as a routing label.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "send_back", expected_version)
        if not reason:
            raise ValidationError({"reason": _("Say why this is not your department's business.")})
        deadline = queries.sign_for_deadline(ticket)
        if _today() > deadline:
            raise ActionConflict(
                _("The sign-for window ended on %(date)s; an order can no longer be sent back.")
                % {"date": date_format(deadline, "Y-m-d")}
            )
        department = ticket.department
        if department is None:
            raise ActionConflict(_("This work order has no handling department."))
        before = ticket.status
        ticket.status = TicketStatus.TRIAGE
        ticket.department = None
        ticket.dispatched_at = None
        _save(ticket, "status", "department", "dispatched_at")
        event = _event(ticket, "send_back", actor, before, internal_note=reason)
        event.department = department
        event.save(update_fields=["department"])
        record_audit(
            actor,
            "hotline.send_back",
            ticket,
            {"number": ticket.number, "department": department.code, "reason": reason},
        )
        _notify_centre(ticket, "hotline-sent-back", {"department": department.name, "reason": reason})
    return ticket


def do_reassign_ticket(
    actor: User, ticket: Ticket, department: Department, *, reason: str, expected_version: int | None = None
) -> Ticket:
    """Reassign (改派) an order to another department; the correction is kept as a routing label."""
    reason = (reason or "").strip()
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "reassign", expected_version)
        if not reason:
            raise ValidationError({"reason": _("Say why the order goes to another department.")})
        if department.pk == ticket.department_id:
            raise ValidationError({"department": _("Choose a different department.")})
        _record_routing_label(actor, ticket.text, department, "reassign")
        _dispatch(actor, ticket, department, note=reason)
    return ticket


# --- handling (办理 / 延期 / 督办 / 回复) -------------------------------------------------------------------------


def do_request_extension(
    actor: User, ticket: Ticket, *, days: int, reason: str, expected_version: int | None = None
) -> TicketExtension:
    """Ask the hotline centre for more working days (延期申请), before the deadline passes."""
    reason = (reason or "").strip()
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "request_extension", expected_version)
        errors: dict[str, str] = {}
        if not reason:
            errors["reason"] = _("Give the reason for the extension; the citizen is told it.")
        if days < 1 or days > settings.HOTLINE_MAX_EXTENSION_DAYS:
            errors["days"] = _("Ask for 1 to %(limit)d working days.") % {
                "limit": settings.HOTLINE_MAX_EXTENSION_DAYS
            }
        if errors:
            raise ValidationError(errors)
        clock = ticket.clock
        if clock is not None and clock.legal_due_on is not None and _today() > clock.legal_due_on:
            raise ActionConflict(_("The deadline has passed; an extension must be requested before it."))
        if ticket.extensions.filter(status=ExtensionStatus.PENDING).exists():
            raise ActionConflict(_("An extension request is already waiting for a decision."))
        extension = TicketExtension.objects.create(
            ticket=ticket,
            round=ticket.round,
            days=days,
            reason=reason,
            requested_by=actor,
            requested_at=_now(),
        )
        _save(ticket)
        _event(ticket, "request_extension", actor, ticket.status, internal_note=reason)
        record_audit(actor, "hotline.request_extension", ticket, {"number": ticket.number, "days": days})
        _notify_centre(ticket, "hotline-extension-requested", {"days": days, "reason": reason})
    return extension


def do_decide_extension(
    actor: User,
    extension: TicketExtension,
    *,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
) -> TicketExtension:
    """Approve or refuse (延期审批) a pending extension; on approval the citizen is told the new deadline."""
    with transaction.atomic():
        ticket = _lock(extension.ticket)
        check_action(actor, ticket, "decide_extension", expected_version)
        extension = TicketExtension.objects.select_for_update().get(pk=extension.pk)
        if extension.status != ExtensionStatus.PENDING:
            raise ActionConflict(_("This extension request has already been decided."))
        if not approve and not note.strip():
            raise ValidationError({"note": _("Say why the extension is refused.")})
        extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        extension.decided_by = actor
        extension.decided_at = _now()
        extension.decision_note = note.strip()
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        changes: dict[str, Any] = {"number": ticket.number, "approved": approve, "days": extension.days}
        if approve:
            changes["clock"] = legaltime.extend(_clock_of(ticket), extension.days, actor, extension.reason)
            ticket.reminded_at = None
            ticket.escalated_at = None
            _save(ticket, "reminded_at", "escalated_at")
            _event(
                ticket,
                "extend",
                actor,
                ticket.status,
                public_text=_(
                    "The handling time was extended by %(days)d working days to %(due)s: %(reason)s"
                )
                % {"days": extension.days, "due": _due_text(ticket), "reason": extension.reason},
            )
            _notify_citizens(ticket, "hotline-extended", {"days": extension.days, "reason": extension.reason})
        else:
            _save(ticket)
            _event(ticket, "refuse_extension", actor, ticket.status, internal_note=note.strip())
        record_audit(actor, "hotline.decide_extension", ticket, changes)
        _notify_department(
            ticket, "hotline-extension-decided", {"decision": _("approved") if approve else _("refused")}
        )
    return extension


def do_supervise_ticket(
    actor: User, ticket: Ticket, *, message: str, expected_version: int | None = None
) -> Ticket:
    """Supervise (督办 / 催办): press the handling department, with a message it receives."""
    message = (message or "").strip()
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "supervise", expected_version)
        if not message:
            raise ValidationError({"message": _("Write what the department must do.")})
        _save(ticket)
        _event(ticket, "supervise", actor, ticket.status, internal_note=message)
        record_audit(actor, "hotline.supervise", ticket, {"number": ticket.number})
        _notify_department(ticket, "hotline-supervised", {"message": message})
    return ticket


def _reply(actor: Any, ticket: Ticket, action: str, reply_text: str) -> None:
    reply_text = clean_free_text(reply_text)
    if len(reply_text) < 10:
        raise ValidationError(
            {"reply_text": _("Answer the citizen in substance, in at least 10 characters.")}
        )
    before = ticket.status
    ticket.status = TicketStatus.REPLIED
    ticket.reply_text = reply_text
    ticket.replied_at = _now()
    _finish_clock(ticket)
    _save(ticket, "status", "reply_text", "replied_at")
    _event(ticket, action, actor, before, public_text=reply_text)
    record_audit(actor, f"hotline.{action}", ticket, {"number": ticket.number, "round": ticket.round})
    _notify_citizens(ticket, "hotline-replied", {"reply": reply_text[:200]})


def do_reply_ticket(
    actor: User, ticket: Ticket, *, reply_text: str, expected_version: int | None = None
) -> Ticket:
    """Reply (回复) in substance to the citizen; the department's clock stops."""
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "reply", expected_version)
        _reply(actor, ticket, "reply", reply_text)
    return ticket


def do_answer_ticket(
    actor: User, ticket: Ticket, *, reply_text: str, expected_version: int | None = None
) -> Ticket:
    """Answer a consultation at once from the hotline centre (直接答复), without dispatching it."""
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "answer", expected_version)
        _reply(actor, ticket, "answer", reply_text)
    return ticket


# --- callback, redo, close, rate (回访 / 重办 / 办结 / 评价) --------------------------------------------------------


def do_record_callback(
    actor: User, ticket: Ticket, *, result: str, note: str = "", expected_version: int | None = None
) -> Ticket:
    """Record the callback (回访): whether the citizen is satisfied with the reply."""
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "callback", expected_version)
        if result not in CallbackResult.values:
            raise ValidationError({"result": _("Choose what the callback found.")})
        before = ticket.status
        ticket.status = TicketStatus.CALLED_BACK
        ticket.callback_result = result
        ticket.callback_note = note.strip()
        ticket.called_back_at = _now()
        _save(ticket, "status", "callback_result", "callback_note", "called_back_at")
        _event(
            ticket,
            "callback",
            actor,
            before,
            public_text=_("Callback: %(result)s") % {"result": ticket.get_callback_result_display()},
            internal_note=note.strip(),
        )
        record_audit(actor, "hotline.callback", ticket, {"number": ticket.number, "result": result})
    return ticket


def do_redo_ticket(
    actor: User, ticket: Ticket, *, reason: str, expected_version: int | None = None
) -> Ticket:
    """Redo (重办) after an unsatisfied callback: a new round with a new clock at the same department."""
    reason = (reason or "").strip()
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "redo", expected_version)
        if ticket.callback_result != CallbackResult.UNSATISFIED:
            raise ActionConflict(_("Only an order whose citizen was unsatisfied at the callback is redone."))
        if not reason:
            raise ValidationError({"reason": _("Say what the citizen is still unsatisfied with.")})
        if ticket.department is None:
            raise ActionConflict(_("An order answered by the hotline centre is dispatched, not redone."))
        before = ticket.status
        ticket.round += 1
        ticket.status = TicketStatus.IN_PROGRESS
        ticket.callback_result = ""
        ticket.reminded_at = None
        ticket.escalated_at = None
        _start_round_clock(ticket, _today())
        _save(ticket, "round", "status", "callback_result", "clock", "reminded_at", "escalated_at")
        _event(
            ticket,
            "redo",
            actor,
            before,
            public_text=_("Your message is being handled again."),
            internal_note=reason,
        )
        record_audit(actor, "hotline.redo", ticket, {"number": ticket.number, "round": ticket.round})
        _notify_department(ticket, "hotline-redo-department", {"reason": reason})
        _notify_citizens(ticket, "hotline-redo")
    return ticket


def do_close_ticket(
    actor: User, ticket: Ticket, *, note: str = "", expected_version: int | None = None
) -> Ticket:
    """Close (办结) a called-back order; the citizen is invited to rate it."""
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "close", expected_version)
        before = ticket.status
        ticket.status = TicketStatus.CLOSED
        ticket.closed_at = _now()
        _save(ticket, "status", "closed_at")
        _event(ticket, "close", actor, before, public_text=_("Your message is closed."), internal_note=note)
        record_audit(actor, "hotline.close", ticket, {"number": ticket.number})
        _notify_citizens(ticket, "hotline-closed")
    return ticket


def do_rate_ticket(actor: User, ticket: Ticket, *, rating: int, comment: str = "") -> Ticket:
    """Rate (评价, 好差评) a closed order, once, by its reporter: 1 (very bad) to 5 (very good)."""
    with transaction.atomic():
        ticket = _lock(ticket)
        check_action(actor, ticket, "rate")
        if ticket.rating is not None:
            raise ActionConflict(_("You have already rated this work order."))
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
        ticket.rating = rating
        ticket.rating_comment = comment.strip()[:1000]
        ticket.rated_at = _now()
        _save(ticket, "rating", "rating_comment", "rated_at")
        _event(
            ticket, "rate", actor, ticket.status, public_text=_("Rated %(rating)d of 5.") % {"rating": rating}
        )
        record_audit(actor, "hotline.rate", ticket, {"number": ticket.number, "rating": rating})
    return ticket


# --- duplicates (重复件合并) --------------------------------------------------------------------------------------


def do_merge_ticket(
    actor: User, duplicate: Ticket, into: Ticket, *, expected_version: int | None = None
) -> Ticket:
    """Merge (合并) a duplicate into an open order; the reporters of both are told."""
    with transaction.atomic():
        # Both rows locked in key order, so two merges of the same pair never deadlock.
        list(
            Ticket.objects.select_for_update()
            .filter(pk__in=[duplicate.pk, into.pk])
            .order_by("pk")
            .values("pk")
        )
        duplicate, into = _lock(duplicate), _lock(into)
        check_action(actor, duplicate, "merge", expected_version)
        if duplicate.pk == into.pk:
            raise ValidationError({"into": _("An order cannot be merged into itself.")})
        if not into.is_open or into.merged_into_id is not None:
            raise ActionConflict(_("Merge into an open order only."))
        before = duplicate.status
        duplicate.status = TicketStatus.MERGED
        duplicate.merged_into = into
        _finish_clock(duplicate)
        _save(duplicate, "status", "merged_into")
        Ticket.objects.filter(merged_into=duplicate).update(merged_into=into)
        _event(
            duplicate,
            "merge",
            actor,
            before,
            public_text=_("Merged with work order %(number)s, which reports the same matter.")
            % {"number": into.number},
        )
        record_audit(actor, "hotline.merge", duplicate, {"number": duplicate.number, "into": into.number})
        _notify_citizens(into, "hotline-merged", {"target": into.number})
    return duplicate
