"""The handling loop of a work order (国办发〔2020〕53号) as one table: which action moves which status where.

受理 (intake) → 派单 ``dispatch`` → 签收 ``sign`` → 办理 → 回复 ``reply`` → 督办 ``supervise`` → 回访 ``callback`` →
办结 ``close`` → 评价 ``rate``; 退单 ``send_back``, 改派 ``reassign``, 延期 ``request_extension`` /
``decide_extension``, 重办 ``redo``, 合并 ``merge``, and 直接答复 ``answer`` of a consultation by the centre.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yiwang.hotline.models import TicketStatus

T = TicketStatus


class Actor:
    """Who may take an action (操作人)."""

    DISPATCHER = "dispatcher"  # 派单员 of the platform operator (hotline centre)
    DEPARTMENT = "department"  # any staff role in the handling department
    SUPERVISOR = "supervisor"  # 督查 of the platform operator, or a dispatcher
    REPORTER = "reporter"  # the citizen who wrote


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the status stays
    actor: str
    label: Promise


TRANSITIONS: dict[str, Transition] = {
    "dispatch": Transition(frozenset({T.TRIAGE}), T.DISPATCHED, Actor.DISPATCHER, _("Dispatch")),
    "answer": Transition(frozenset({T.TRIAGE}), T.REPLIED, Actor.DISPATCHER, _("Answer directly")),
    "merge": Transition(frozenset({T.TRIAGE, T.DISPATCHED}), T.MERGED, Actor.DISPATCHER, _("Merge")),
    "sign": Transition(frozenset({T.DISPATCHED}), T.IN_PROGRESS, Actor.DEPARTMENT, _("Sign for")),
    "send_back": Transition(frozenset({T.DISPATCHED}), T.TRIAGE, Actor.DEPARTMENT, _("Send back")),
    "reassign": Transition(
        frozenset({T.DISPATCHED, T.IN_PROGRESS}), T.DISPATCHED, Actor.DISPATCHER, _("Reassign")
    ),
    "request_extension": Transition(
        frozenset({T.IN_PROGRESS}), None, Actor.DEPARTMENT, _("Request an extension")
    ),
    "decide_extension": Transition(
        frozenset({T.IN_PROGRESS}), None, Actor.SUPERVISOR, _("Decide on the extension")
    ),
    "supervise": Transition(frozenset({T.DISPATCHED, T.IN_PROGRESS}), None, Actor.SUPERVISOR, _("Supervise")),
    "reply": Transition(frozenset({T.IN_PROGRESS}), T.REPLIED, Actor.DEPARTMENT, _("Reply")),
    "callback": Transition(frozenset({T.REPLIED}), T.CALLED_BACK, Actor.DISPATCHER, _("Record the callback")),
    "redo": Transition(frozenset({T.CALLED_BACK}), T.IN_PROGRESS, Actor.DISPATCHER, _("Redo")),
    "close": Transition(frozenset({T.CALLED_BACK}), T.CLOSED, Actor.DISPATCHER, _("Close")),
    "rate": Transition(frozenset({T.CLOSED}), None, Actor.REPORTER, _("Rate")),
}


def allowed_actions(status: str) -> list[str]:
    """The actions the table allows in ``status`` (before permission and other checks)."""
    return [name for name, transition in TRANSITIONS.items() if status in transition.sources]


def target_status(action: str, status: str) -> str:
    """Where ``action`` takes a work order in ``status``; KeyError/ValueError when the table forbids it."""
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise ValueError(f"{action} is not allowed in {status}")
    return transition.target or status
