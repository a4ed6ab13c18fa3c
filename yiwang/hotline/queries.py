"""Read side of the hotline (查询): queues, inboxes, a citizen's orders, duplicates, deadlines.

Pages, the API, Open311 and the dashboard read through these helpers. Overdue is computed from the order's clock
(``legal_due_on`` in SQL, :func:`overdue_level` in Python), never stored.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import User, UserKind
from yiwang.core import legaltime
from yiwang.core.legaltime import OverdueLevel
from yiwang.core.permissions import is_platform_admin, roles_of
from yiwang.hotline.models import (
    HANDLING_STATUSES,
    OPEN_STATUSES,
    CallbackResult,
    ExtensionStatus,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from yiwang.hotline.states import TRANSITIONS, Actor, allowed_actions
from yiwang.org.models import Department, Role

DUPLICATE_WINDOW_DAYS = 30
DUPLICATE_CANDIDATE_LIMIT = 300
NEARBY_METRES = 300.0


def department_staff(department: Department) -> QuerySet[User]:
    """Active staff holding any role in ``department``."""
    return (
        User.objects.filter(roles__department=department, is_active=True, kind=UserKind.STAFF)
        .distinct()
        .order_by("pk")
    )


def hotline_centre_staff() -> QuerySet[User]:
    """Active dispatchers and supervisors of the platform operator (12345 热线中心)."""
    return (
        User.objects.filter(
            roles__department__is_platform_operator=True,
            roles__role__in=[Role.DISPATCHER, Role.SUPERVISOR],
            is_active=True,
            kind=UserKind.STAFF,
        )
        .distinct()
        .order_by("pk")
    )


def is_hotline_centre(user: Any) -> bool:
    """Dispatchers and supervisors of the platform operator, and platform admins, see every order."""
    return roles_of(user).filter(
        role__in=[Role.DISPATCHER, Role.SUPERVISOR], department__is_platform_operator=True
    ).exists() or is_platform_admin(user)


def is_dispatcher(user: Any) -> bool:
    """A hotline dispatcher (派单员) of the platform operator, or a platform admin."""
    return roles_of(user).filter(
        role=Role.DISPATCHER, department__is_platform_operator=True
    ).exists() or is_platform_admin(user)


def is_supervisor(user: Any) -> bool:
    """A supervisor (督查) of the platform operator, or a dispatcher (the hotline centre)."""
    return roles_of(user).filter(role=Role.SUPERVISOR, department__is_platform_operator=True).exists() or (
        is_dispatcher(user)
    )


def is_department_staff(user: Any, department: Department | None) -> bool:
    """Staff holding any role in ``department``."""
    return department is not None and roles_of(user).filter(department=department).exists()


def may_take(user: Any, ticket: Ticket, action: str) -> bool:
    """Whether ``user`` holds the role the table asks for ``action`` on ``ticket`` (state not considered)."""
    actor = TRANSITIONS[action].actor
    if actor == Actor.DISPATCHER:
        return is_dispatcher(user)
    if actor == Actor.SUPERVISOR:
        return is_supervisor(user)
    if actor == Actor.DEPARTMENT:
        return is_department_staff(user, ticket.department)
    return user is not None and ticket.reporter_id is not None and ticket.reporter_id == user.pk


def actions_for(user: Any, ticket: Ticket, today: dt.date | None = None) -> list[str]:
    """The actions ``user`` may take on ``ticket`` now: the state table, the role, and each action's own rule."""
    today = today or timezone.localdate()
    allowed = []
    for action in allowed_actions(ticket.status):
        if not may_take(user, ticket, action):
            continue
        if action == "send_back" and today > sign_for_deadline(ticket):
            continue
        if action == "redo" and (
            ticket.callback_result != CallbackResult.UNSATISFIED or ticket.department is None
        ):
            continue
        if action == "rate" and ticket.rating is not None:
            continue
        pending = (
            ticket.extensions.filter(status=ExtensionStatus.PENDING).exists()
            if "extension" in action
            else False
        )
        if action == "request_extension" and pending:
            continue
        if action == "decide_extension" and not pending:
            continue
        allowed.append(action)
    return allowed


def sign_for_deadline(ticket: Ticket) -> dt.date:
    """The last day the department may send the order back (签收时限): working days after dispatch."""
    dispatched_on = timezone.localdate(ticket.dispatched_at) if ticket.dispatched_at else timezone.localdate()
    return legaltime.add_working_days(dispatched_on, settings.HOTLINE_SIGN_FOR_WORKING_DAYS)


def _base() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("department", "division", "clock")


def triage_queue() -> QuerySet[Ticket]:
    """Orders waiting for a dispatcher (待派单), oldest first."""
    return _base().filter(status=TicketStatus.TRIAGE).order_by("received_at", "pk")


def department_inbox(department: Department, *, include_replied: bool = False) -> QuerySet[Ticket]:
    """A department's orders to sign for and handle, nearest deadline first (部门工单箱)."""
    statuses = [*HANDLING_STATUSES, TicketStatus.REPLIED] if include_replied else list(HANDLING_STATUSES)
    return (
        _base()
        .filter(department=department, status__in=statuses)
        .order_by("clock__legal_due_on", "received_at", "pk")
    )


def callback_queue() -> QuerySet[Ticket]:
    """Replied orders waiting for the callback, and called-back orders waiting to be closed or redone."""
    return (
        _base()
        .filter(status__in=[TicketStatus.REPLIED, TicketStatus.CALLED_BACK])
        .order_by("replied_at", "pk")
    )


def tickets_of_reporter(user: User) -> QuerySet[Ticket]:
    """The orders a citizen wrote (我的诉求), newest first."""
    return _base().filter(reporter=user).order_by("-received_at", "-pk")


def overdue_tickets(today: dt.date | None = None) -> QuerySet[Ticket]:
    """Orders in handling whose deadline day has passed (已超期), computed from the clock."""
    today = today or timezone.localdate()
    return _base().filter(status__in=HANDLING_STATUSES, clock__legal_due_on__lt=today)


def get_ticket(number: str) -> Ticket:
    """The order with ``number``; Http404 otherwise."""
    ticket = _base().filter(number=number).first()
    if ticket is None:
        raise Http404(_("There is no work order with this number."))
    return ticket


def can_view(user: Any, ticket: Ticket) -> bool:
    """The reporter, the hotline centre, and staff of the handling department (or one it was with before)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if ticket.reporter_id == user.pk:
        return True
    if is_hotline_centre(user):
        return True
    department_ids = set(roles_of(user).values_list("department_id", flat=True))
    if ticket.department_id in department_ids:
        return True
    return TicketEvent.objects.filter(ticket=ticket, department_id__in=department_ids).exists()


def get_ticket_for(user: Any, number: str) -> Ticket:
    """The order with ``number`` if ``user`` may see it: 404 when it does not exist or is not theirs to see."""
    ticket = get_ticket(number)
    if not can_view(user, ticket):
        raise Http404  # exactly like a number that does not exist
    return ticket


def public_timeline(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The steps a citizen sees (with public text), oldest first."""
    return ticket.events.exclude(public_text="").select_related("department").order_by("at", "pk")


def full_timeline(ticket: Ticket) -> QuerySet[TicketEvent]:
    """Every step with internal notes, for staff."""
    return ticket.events.select_related("department", "actor").order_by("at", "pk")


@dataclass(frozen=True)
class Countdown:
    """Where an order stands against its deadline (倒计时)."""

    due_on: dt.date | None
    working_days_left: int | None
    level: str


def countdown(ticket: Ticket, today: dt.date | None = None) -> Countdown:
    """The current round's deadline, working days left and overdue level (computed, never stored)."""
    if ticket.clock is None:
        return Countdown(None, None, OverdueLevel.ON_TIME)
    deadlines = legaltime.deadlines(ticket.clock, today)
    return Countdown(
        deadlines.legal_due_on,
        deadlines.working_days_left,
        str(legaltime.overdue_level(ticket.clock, today)),
    )


# --- duplicates (重复件) ---------------------------------------------------------------------------------------


def trigrams(text: str) -> set[str]:
    """Character 3-grams of ``text`` without spaces and punctuation (Chinese needs no word segmentation here)."""
    cleaned = "".join(char for char in text.lower() if char.isalnum())
    if len(cleaned) < 3:
        return {cleaned} if cleaned else set()
    return {cleaned[index : index + 3] for index in range(len(cleaned) - 2)}


def jaccard(left: set[str], right: set[str]) -> float:
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def duplicate_candidates(ticket: Ticket, limit: int = 3) -> list[dict[str, Any]]:
    """Open orders of the last 30 days that likely report the same matter (疑似重复件), best first.

    Text similarity is the Jaccard index of character 3-grams; the same division or coordinates within 300 m
    add 0.15. Only scores at or above ``HOTLINE_DUPLICATE_THRESHOLD`` are suggested.
    """
    since = ticket.received_at - dt.timedelta(days=DUPLICATE_WINDOW_DAYS)
    place = Q()
    if ticket.division_id is not None:
        place |= Q(division_id=ticket.division_id)
    if ticket.latitude is not None and ticket.longitude is not None:
        place |= Q(latitude__isnull=False)
    candidates = (
        Ticket.objects.filter(status__in=OPEN_STATUSES, received_at__gte=since, merged_into__isnull=True)
        .exclude(pk=ticket.pk)
        .filter(place if place else Q(division__isnull=True))
        .order_by("-received_at")
        .only("pk", "number", "title", "text", "division_id", "latitude", "longitude")[
            :DUPLICATE_CANDIDATE_LIMIT
        ]
    )
    grams = trigrams(f"{ticket.title}{ticket.text}")
    found: list[tuple[float, Ticket]] = []
    for other in candidates:
        score = jaccard(grams, trigrams(f"{other.title}{other.text}"))
        near = ticket.division_id is not None and other.division_id == ticket.division_id
        if (
            ticket.latitude is not None
            and ticket.longitude is not None
            and other.latitude is not None
            and other.longitude is not None
        ):
            near = near or (
                distance_metres(
                    float(ticket.latitude),
                    float(ticket.longitude),
                    float(other.latitude),
                    float(other.longitude),
                )
                <= NEARBY_METRES
            )
        if near:
            score += 0.15
        if score >= settings.HOTLINE_DUPLICATE_THRESHOLD:
            found.append((min(score, 1.0), other))
    found.sort(key=lambda pair: -pair[0])
    return [
        {"number": other.number, "title": other.title, "score": round(score, 3)}
        for score, other in found[:limit]
    ]


def ticket_parties(number: str, department: Department) -> frozenset[str] | None:
    """The resident ID numbers of the people an open work order of ``department`` is about: the person whose ID
    the dispatcher recorded and a verified citizen who wrote it. None when the department handles no such open
    order (registered with the exchange as the resolver of matters of kind ``ticket``)."""
    if not number.isascii() or len(number) > 20:
        return None
    ticket = (
        Ticket.objects.select_related("reporter")
        .filter(number=number, department=department, status__in=OPEN_STATUSES)
        .first()
    )
    if ticket is None:
        return None
    parties = {ticket.subject_resident_id}
    reporter = ticket.reporter
    if reporter is not None and reporter.is_verified_citizen and reporter.resident_id:
        parties.add(reporter.resident_id)
    return frozenset(party for party in parties if party)
