"""Hotline jobs (热线任务): route orders the router could not take on intake, remind and escalate by deadline.

The reminder scan is set-based like the workflow SLA scan: two UPDATE statements stamp ``reminded_at`` /
``escalated_at`` on newly due-soon / overdue orders, then one grouped query tells each department and the
hotline centre once, listing their orders.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.core import legaltime
from yiwang.core.audit import record_audit
from yiwang.hotline.models import HANDLING_STATUSES, Ticket, TicketStatus
from yiwang.hotline.queries import department_staff, hotline_centre_staff
from yiwang.notify.actions import do_notify_user
from yiwang.org.models import Department

logger = logging.getLogger(__name__)

TICKETS_LISTED = 10


@task()
def route_ticket(ticket_id: int) -> bool:
    """Route one order left unrouted on intake; False when the router still fails (the sweep retries)."""
    from yiwang.hotline.actions import do_route_ticket

    ticket = Ticket.objects.filter(pk=ticket_id, routed_at__isnull=True, status=TicketStatus.TRIAGE).first()
    if ticket is None:
        return True
    try:
        do_route_ticket(ticket)
    except Exception:
        logger.exception("routing work order %s failed again", ticket_id)
        return False
    return True


def route_pending_tickets(limit: int = 200) -> int:
    """Try the router again for every order in triage it has not answered for; returns how many succeeded."""
    pending = Ticket.objects.filter(routed_at__isnull=True, status=TicketStatus.TRIAGE).order_by("pk")
    return sum(bool(route_ticket.call(pk)) for pk in pending.values_list("pk", flat=True)[:limit])


@dataclass(frozen=True)
class ScanResult:
    reminded: int
    escalated: int
    messages: int


def _lines(tickets: list[Ticket]) -> str:
    shown = [
        f"· {ticket.number} {ticket.title}（{ticket.clock.legal_due_on if ticket.clock else ''}）"
        for ticket in tickets[:TICKETS_LISTED]
    ]
    if len(tickets) > TICKETS_LISTED:
        shown.append(f"… +{len(tickets) - TICKETS_LISTED}")
    return "\n".join(shown)


def scan_deadlines(today: dt.date | None = None) -> ScanResult:
    """Remind departments of orders due within 2 working days and escalate overdue ones to the hotline centre."""
    today = today or timezone.localdate()
    now = timezone.now()
    due_soon_by = legaltime.add_working_days(today, legaltime.DUE_SOON_DAYS)
    handling = Ticket.objects.filter(status__in=HANDLING_STATUSES)
    messages = 0
    with transaction.atomic():
        to_remind = handling.filter(reminded_at__isnull=True, clock__legal_due_on__lte=due_soon_by)
        reminded_ids = list(to_remind.values_list("pk", flat=True))
        reminded = Ticket.objects.filter(pk__in=reminded_ids).update(reminded_at=now)
        to_escalate = handling.filter(escalated_at__isnull=True, clock__legal_due_on__lt=today)
        escalated_ids = list(to_escalate.values_list("pk", flat=True))
        escalated = Ticket.objects.filter(pk__in=escalated_ids).update(escalated_at=now)
        by_department: dict[int, list[Ticket]] = defaultdict(list)
        for ticket in (
            Ticket.objects.filter(pk__in=reminded_ids)
            .select_related("clock")
            .order_by("clock__legal_due_on", "pk")
        ):
            if ticket.department_id is not None:
                by_department[ticket.department_id].append(ticket)
        for department in Department.objects.filter(pk__in=by_department):
            lines = _lines(by_department[department.pk])
            for user in department_staff(department):
                do_notify_user(
                    user, "hotline-due-soon", {"count": len(by_department[department.pk]), "tickets": lines}
                )
                messages += 1
        overdue = list(
            Ticket.objects.filter(pk__in=escalated_ids)
            .select_related("clock")
            .order_by("clock__legal_due_on", "pk")
        )
        if overdue:
            for user in hotline_centre_staff():
                do_notify_user(user, "hotline-overdue", {"count": len(overdue), "tickets": _lines(overdue)})
                messages += 1
        if reminded or escalated:
            record_audit(
                None,
                "hotline.scan_deadlines",
                ("hotline.ticket", "*"),
                {"reminded": reminded, "escalated": escalated, "on": today},
            )
    return ScanResult(reminded, escalated, messages)


@db_periodic_task(crontab(minute="*/5"))
def hotline_periodic() -> None:
    """Every 5 minutes: route what the router missed, then remind and escalate by deadline."""
    route_pending_tickets()
    scan_deadlines()
