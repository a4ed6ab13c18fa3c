"""Template helpers of the case pages: labels of stored codes and the working days left to a date."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.cases.models import CaseState, Decision
from yiwang.core.legaltime import OverdueLevel
from yiwang.core.legaltime.workdays import working_days_between
from yiwang.core.models import StopReason

register = template.Library()


@register.filter
def stop_reason_label(code: str) -> str:
    """The label of a clock stop reason (停止计时原因), e.g. ``correction`` → 补正材料."""
    return str(StopReason(code).label) if code in StopReason.values else code


@register.filter
def overdue_label(code: str | None) -> str:
    return str(OverdueLevel(code).label) if code in OverdueLevel.values else ""


@register.filter
def case_state_label(code: str) -> str:
    return str(CaseState(code).label) if code in CaseState.values else code


OUTCOME_LABELS = {
    "approve": _("Agree"),
    "object": _("Object"),
    "accepted": _("Accepted"),
    "refused": _("Not accepted"),
    Decision.GRANT: Decision.GRANT.label,
    Decision.DENY: Decision.DENY.label,
}


@register.filter
def outcome_label(code: str) -> str:
    """The label of a work item's outcome (审查结论), e.g. ``approve`` → 同意."""
    return str(OUTCOME_LABELS.get(code, code))


@register.filter
def working_days_until(day: dt.date | None) -> int | None:
    """Working days from today up to and including ``day`` (negative once it has passed)."""
    if day is None:
        return None
    return working_days_between(timezone.localdate(), day)


@register.simple_tag
def paused_segment(segments: list[dict[str, object]]) -> dict[str, object] | None:
    """The open stopped segment of a clock (the reason it is paused now), if any."""
    for segment in reversed(segments):
        if not segment["running"] and segment["ended_on"] is None:
            return segment
    return None
