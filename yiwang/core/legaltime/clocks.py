"""Handling-time clocks (办理时限计时): start, stop, resume, extend, finish, and the deadlines they give.

These functions run inside the caller's action transaction and do not audit themselves: each change returns a
JSON-able ``changes`` dict for the caller's ``record_audit``. A clock is a list of segments, each covering the
working days after its start date up to and including its end date; only running segments count toward the
limit, so stopped working days (补正, 听证, 检验检测 … — 行政许可法 Art. 45) move the deadlines by exactly as many
working days. The acceptance date is day 0.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import ActionConflict
from yiwang.core.legaltime.workdays import ONE_DAY, WorkingCalendar, current_calendar
from yiwang.core.models import Clock, ClockExtension, ClockSegment, ClockState, StopReason


@dataclass(frozen=True)
class LimitRule:
    """A legal decision limit and the most it may be extended, in working days."""

    decision_days: int
    extension_days: int


#: 行政许可法 Art. 42: decide within 20 working days, +10 with the head's approval.
LICENCE = LimitRule(decision_days=20, extension_days=10)
#: Art. 42 para. 2: joint or parallel handling (统一办理、联合办理、集中办理) 45 working days, +15.
JOINT_LICENCE = LimitRule(decision_days=45, extension_days=15)
#: Art. 44: deliver the licence within 10 working days of the decision.
LICENCE_DELIVERY_DAYS = 10
#: A deadline this close (working days left, inclusive) is "due soon".
DUE_SOON_DAYS = 2
#: More than this many working days past the deadline is "seriously overdue".
SERIOUS_OVERDUE_DAYS = 5


class OverdueLevel(models.TextChoices):
    """How a clock stands against its deadline (超期等级), always computed, never stored."""

    ON_TIME = "on_time", _("on time")
    DUE_SOON = "due_soon", _("due soon")
    OVERDUE = "overdue", _("overdue")
    SERIOUSLY_OVERDUE = "seriously_overdue", _("seriously overdue")


OVERDUE_LEVEL_ORDER = [
    OverdueLevel.ON_TIME,
    OverdueLevel.DUE_SOON,
    OverdueLevel.OVERDUE,
    OverdueLevel.SERIOUSLY_OVERDUE,
]

Deadline = Literal["legal", "promised"]


@dataclass(frozen=True)
class Span:
    """A segment as plain data: running or not, working days after ``start`` up to ``end`` (None: open)."""

    running: bool
    start: datetime.date
    end: datetime.date | None


@dataclass(frozen=True)
class Deadlines:
    """A clock's deadlines and progress as of a day (None due dates while the clock is stopped)."""

    legal_due_on: datetime.date | None
    promised_due_on: datetime.date | None
    legal_days: int
    promised_days: int | None
    working_days_used: int
    working_days_left: int
    provisional: bool
    state: str


def _spans(clock: Clock, segments: Iterable[ClockSegment] | None = None) -> list[Span]:
    if segments is None:
        segments = ClockSegment.objects.filter(clock_id=clock.pk).order_by("started_on", "id")
    return [Span(segment.running, segment.started_on, segment.ended_on) for segment in segments]


def _spans_for_due_dates(clock: Clock, spans: list[Span]) -> list[Span]:
    """A finished clock's due dates are those it would have had: its last running segment counts as open."""
    if clock.state == ClockState.FINISHED and spans and spans[-1].running:
        return [*spans[:-1], Span(True, spans[-1].start, None)]
    return spans


def _due_on(calendar: WorkingCalendar, spans: list[Span], limit: int) -> datetime.date | None:
    """The day the running segments reach ``limit`` working days; None if a stop is still open before that."""
    remaining = limit
    for span in spans:
        if not span.running:
            continue
        if span.end is not None:
            available = calendar.count_between(span.start, span.end)
            if available < remaining:
                remaining -= available
                continue
        return calendar.add(span.start, remaining).date
    return None


def _used_by(calendar: WorkingCalendar, spans: list[Span], today: datetime.date) -> int:
    """Working days counted on the running segments up to and including ``today``."""
    used = 0
    for span in spans:
        if not span.running or today <= span.start:
            continue
        end = today if span.end is None else min(span.end, today)
        used += calendar.count_between(span.start, end)
    return used


def _computed_fields(clock: Clock, calendar: WorkingCalendar, spans: list[Span]) -> dict[str, Any]:
    due_spans = _spans_for_due_dates(clock, spans)
    legal_due = _due_on(calendar, due_spans, clock.legal_days + clock.extension_days)
    promised_due = (
        _due_on(calendar, due_spans, clock.promised_days) if clock.promised_days is not None else None
    )
    last_known = max(
        [clock.started_on, *(day for day in (legal_due, promised_due) if day is not None)]
        + [span.end or span.start for span in spans]
    )
    provisional = calendar.is_provisional_between(clock.started_on + ONE_DAY, last_known)
    return {"legal_due_on": legal_due, "promised_due_on": promised_due, "provisional": provisional}


def _refresh(
    clock: Clock, calendar: WorkingCalendar | None = None, spans: list[Span] | None = None
) -> dict[str, list[Any]]:
    """Recompute the stored fields; returns ``{field: [old, new]}`` for those that changed (not saved)."""
    fields = _computed_fields(clock, calendar or current_calendar(), spans or _spans(clock))
    changed = {}
    for name, value in fields.items():
        old = getattr(clock, name)
        if old != value:
            changed[name] = [old, value]
            setattr(clock, name, value)
    return changed


def _lock(clock: Clock) -> None:
    """Lock the clock's row for the caller's transaction and read it afresh."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("clock changes must run inside the caller's transaction")
    list(Clock.objects.select_for_update().filter(pk=clock.pk).values_list("pk", flat=True))
    clock.refresh_from_db()


def _owner_key(owner: models.Model | tuple[str, str]) -> tuple[str, str]:
    if isinstance(owner, tuple):
        return owner
    return owner._meta.label_lower, str(owner.pk)


def _open_segment(clock: Clock) -> ClockSegment:
    segment = clock.segments.filter(ended_on__isnull=True).order_by("-started_on", "-id").first()
    if segment is None:
        raise ActionConflict(str(_("The clock has already finished.")))
    return segment


def _save(clock: Clock, changes: dict[str, Any]) -> dict[str, Any]:
    changes.update(_refresh(clock))
    clock.save()
    return changes


def clock_for(owner: models.Model | tuple[str, str]) -> Clock | None:
    """The clock of ``owner`` (a model instance or an ``(owner_type, owner_id)`` pair), if it has one."""
    owner_type, owner_id = _owner_key(owner)
    return Clock.objects.filter(owner_type=owner_type, owner_id=owner_id).first()


def start_clock(
    owner: models.Model | tuple[str, str],
    legal_days: int,
    promised_days: int | None,
    started_on: datetime.date,
    *,
    extension_limit: int = 0,
) -> Clock:
    """Start the clock of ``owner`` on its acceptance date (day 0). The promised limit never exceeds the legal one."""
    if legal_days < 0:
        raise ValidationError({"legal_days": _("The legal limit cannot be negative.")})
    if promised_days is not None and not 0 <= promised_days <= legal_days:
        raise ValidationError(
            {
                "promised_days": _("The promised limit must be between 0 and the legal limit (%(limit)d).")
                % {"limit": legal_days}
            }
        )
    if extension_limit < 0:
        raise ValidationError({"extension_limit": _("The extension limit cannot be negative.")})
    owner_type, owner_id = _owner_key(owner)
    if Clock.objects.filter(owner_type=owner_type, owner_id=owner_id).exists():
        raise ActionConflict(str(_("This case already has a clock.")))
    with transaction.atomic():
        clock = Clock.objects.create(
            owner_type=owner_type,
            owner_id=owner_id,
            legal_days=legal_days,
            promised_days=promised_days,
            extension_limit=extension_limit,
            started_on=started_on,
        )
        ClockSegment.objects.create(clock=clock, running=True, started_on=started_on)
        _refresh(clock)
        clock.save()
    return clock


def stop_clock(clock: Clock, reason: str, on: datetime.date, note: str = "") -> dict[str, Any]:
    """Stop the clock from the day after ``on`` (``on`` still counts) for a reason that does not count (Art. 45)."""
    if reason not in StopReason.values:
        raise ValidationError({"reason": _("Choose a reason the law allows for stopping the clock.")})
    _lock(clock)
    if clock.state != ClockState.RUNNING:
        raise ActionConflict(str(_("The clock is not running.")))
    segment = _open_segment(clock)
    if on < segment.started_on:
        raise ValidationError(
            {"on": _("The clock cannot stop before %(date)s.") % {"date": segment.started_on.isoformat()}}
        )
    segment.ended_on = on
    segment.save(update_fields=["ended_on"])
    ClockSegment.objects.create(clock=clock, running=False, reason=reason, note=note, started_on=on)
    clock.state = ClockState.STOPPED
    return _save(clock, {"event": "stop", "reason": reason, "on": on, "state": ["running", "stopped"]})


def resume_clock(clock: Clock, on: datetime.date) -> dict[str, Any]:
    """Resume a stopped clock: the working days after ``on`` count again."""
    _lock(clock)
    if clock.state != ClockState.STOPPED:
        raise ActionConflict(str(_("The clock is not stopped.")))
    segment = _open_segment(clock)
    if on < segment.started_on:
        raise ValidationError(
            {"on": _("The clock cannot resume before %(date)s.") % {"date": segment.started_on.isoformat()}}
        )
    segment.ended_on = on
    segment.save(update_fields=["ended_on"])
    ClockSegment.objects.create(clock=clock, running=True, started_on=on)
    clock.state = ClockState.RUNNING
    stopped_days = current_calendar().count_between(segment.started_on, on)
    return _save(
        clock,
        {"event": "resume", "on": on, "stopped_working_days": stopped_days, "state": ["stopped", "running"]},
    )


def extend(
    clock: Clock,
    days: int,
    approved_by: Any,
    reason: str,
    on: datetime.date | None = None,
) -> dict[str, Any]:
    """Extend the legal limit (延期) by ``days`` with an approval record, before the deadline passes."""
    on = on or timezone.localdate()
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the extension; the applicant is told it.")})
    if days < 1:
        raise ValidationError({"days": _("An extension is at least one working day.")})
    _lock(clock)
    if clock.state == ClockState.FINISHED:
        raise ActionConflict(str(_("The clock has already finished.")))
    allowed = clock.extension_limit - clock.extension_days
    if days > allowed:
        raise ValidationError(
            {
                "days": _("At most %(allowed)d more working days of extension are allowed (limit %(limit)d).")
                % {"allowed": allowed, "limit": clock.extension_limit}
            }
        )
    if clock.legal_due_on is not None and on > clock.legal_due_on:
        raise ActionConflict(
            str(_("The legal deadline %(date)s has passed; an extension must be decided before it."))
            % {"date": clock.legal_due_on.isoformat()}
        )
    ClockExtension.objects.create(
        clock=clock,
        days=days,
        granted_on=on,
        approved_by=approved_by if getattr(approved_by, "pk", None) else None,
        reason=reason.strip(),
    )
    old_days = clock.extension_days
    clock.extension_days = old_days + days
    return _save(
        clock,
        {
            "event": "extend",
            "days": days,
            "reason": reason.strip(),
            "extension_days": [old_days, clock.extension_days],
        },
    )


def change_limit(clock: Clock, rule: LimitRule, on: datetime.date) -> dict[str, Any]:
    """Apply another limit rule, e.g. joint handling (45 + 15) once a second department joins (Art. 42 para. 2).

    Counted days stay counted (the clock does not restart). Refused once the clock has finished, once its legal
    deadline has passed (a new rule must not turn an overdue case into one on time), or if the rule's extension
    allowance is below the extension already granted.
    """
    _lock(clock)
    if clock.state == ClockState.FINISHED:
        raise ActionConflict(str(_("The clock has already finished.")))
    if deadlines(clock, on).working_days_left < 0:
        raise ActionConflict(str(_("The legal deadline has passed; the time limit can no longer change.")))
    if rule.extension_days < clock.extension_days:
        raise ValidationError(
            {
                "rule": _("%(days)d working days of extension were already granted.")
                % {"days": clock.extension_days}
            }
        )
    before = [clock.legal_days, clock.extension_limit]
    clock.legal_days, clock.extension_limit = rule.decision_days, rule.extension_days
    return _save(
        clock,
        {"event": "change_limit", "on": on, "limit": [before, [rule.decision_days, rule.extension_days]]},
    )


def finish_clock(clock: Clock, on: datetime.date) -> dict[str, Any]:
    """Stop counting for good (办结): the decision was made, the case withdrawn or closed on ``on``."""
    _lock(clock)
    if clock.state == ClockState.FINISHED:
        raise ActionConflict(str(_("The clock has already finished.")))
    segment = _open_segment(clock)
    if on < segment.started_on:
        raise ValidationError(
            {"on": _("The clock cannot finish before %(date)s.") % {"date": segment.started_on.isoformat()}}
        )
    segment.ended_on = on
    segment.save(update_fields=["ended_on"])
    old_state = clock.state
    clock.state = ClockState.FINISHED
    clock.finished_on = on
    return _save(clock, {"event": "finish", "on": on, "state": [old_state, "finished"]})


def _as_of(clock: Clock, today: datetime.date | None) -> datetime.date:
    today = today or timezone.localdate()
    if clock.finished_on is not None:
        return min(today, clock.finished_on)
    return today


def deadlines(clock: Clock, today: datetime.date | None = None) -> Deadlines:
    """Legal and promised due dates, working days used and left as of ``today``, and whether provisional."""
    calendar = current_calendar()
    spans = _spans(clock)
    limit = clock.legal_days + clock.extension_days
    used = _used_by(calendar, spans, _as_of(clock, today))
    fields = _computed_fields(clock, calendar, spans)
    return Deadlines(
        legal_due_on=fields["legal_due_on"],
        promised_due_on=fields["promised_due_on"],
        legal_days=limit,
        promised_days=clock.promised_days,
        working_days_used=used,
        working_days_left=limit - used,
        provisional=fields["provisional"],
        state=clock.state,
    )


def overdue_level(
    clock: Clock, today: datetime.date | None = None, deadline: Deadline = "legal"
) -> OverdueLevel:
    """Where the clock stands on ``today`` against its legal (default) or promised deadline.

    DUE_SOON: at most ``DUE_SOON_DAYS`` working days left; OVERDUE: the deadline day has passed (a weekend after
    a Friday deadline already counts); SERIOUSLY_OVERDUE: more than ``SERIOUS_OVERDUE_DAYS`` counted working days
    past it. Stopped days do not count, so a stopped clock keeps its level; a finished clock keeps the level it
    had on the day it finished.
    """
    calendar = current_calendar()
    spans = _spans(clock)
    if deadline == "promised" and clock.promised_days is not None:
        limit = clock.promised_days
    else:
        limit = clock.legal_days + clock.extension_days
    as_of = _as_of(clock, today)
    left = limit - _used_by(calendar, spans, as_of)
    if -left > SERIOUS_OVERDUE_DAYS:
        return OverdueLevel.SERIOUSLY_OVERDUE
    due = _due_on(calendar, _spans_for_due_dates(clock, spans), limit)
    if left < 0 or (due is not None and due < as_of):
        return OverdueLevel.OVERDUE
    if left <= DUE_SOON_DAYS:
        return OverdueLevel.DUE_SOON
    return OverdueLevel.ON_TIME


def recompute_open_clocks(batch_size: int = 500) -> int:
    """Recompute the stored deadlines of every unfinished clock (after a calendar year is loaded)."""
    calendar = current_calendar()
    updated = 0
    pending: list[Clock] = []
    open_clocks = Clock.objects.exclude(state=ClockState.FINISHED).prefetch_related("segments").order_by("pk")
    for clock in open_clocks.iterator(chunk_size=batch_size):
        if _refresh(clock, calendar, _spans(clock, clock.segments.all())):
            pending.append(clock)
        if len(pending) >= batch_size:
            updated += Clock.objects.bulk_update(pending, ["legal_due_on", "promised_due_on", "provisional"])
            pending = []
    if pending:
        updated += Clock.objects.bulk_update(pending, ["legal_due_on", "promised_due_on", "provisional"])
    return updated
