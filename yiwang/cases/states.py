"""The case state machine (办件状态机): which action is allowed in which state and where it leads — in one place.

Actions check :func:`check_transition` before changing anything; the clock follows the state: it runs while the
case is received or under review, is stopped exactly while the case awaits corrections (补正) or is in a special
procedure (特别程序, Art. 45), and is finished once the case is refused, withdrawn or decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from yiwang.cases.models import CaseState
from yiwang.core.errors import ActionConflict

S = CaseState


@dataclass(frozen=True)
class Transition:
    """An action allowed in ``sources``, leading to ``target`` (None: the state does not change) — or, for an
    action taking a step (退回), to ``by_step[step]``."""

    sources: frozenset[str]
    target: str | None
    by_step: Mapping[str, str] = field(default_factory=dict)


OPEN_STATES = frozenset({S.SUBMITTED, S.CORRECTION, S.REVIEW, S.SPECIAL_PROCEDURE})
BEFORE_ACCEPTANCE = frozenset({S.SUBMITTED, S.CORRECTION})
UNDER_REVIEW = frozenset({S.REVIEW, S.SPECIAL_PROCEDURE})
FINAL_STATES = frozenset({S.REFUSED, S.WITHDRAWN, S.CLOSED})

TRANSITIONS: dict[str, Transition] = {
    # applicant
    "resubmit": Transition(frozenset({S.CORRECTION}), S.SUBMITTED),
    "withdraw": Transition(OPEN_STATES, S.WITHDRAWN),
    # window clerk (受理)
    "accept": Transition(frozenset({S.SUBMITTED}), S.REVIEW),
    "refuse": Transition(BEFORE_ACCEPTANCE, S.REFUSED),
    "request_correction": Transition(frozenset({S.SUBMITTED}), S.CORRECTION),
    "transfer": Transition(frozenset({S.SUBMITTED}), None),
    "add_department": Transition(BEFORE_ACCEPTANCE | {S.REVIEW}, None),  # 加签, also while the review runs
    # reviewers and approvers (审查 / 决定)
    "opinion": Transition(frozenset({S.REVIEW}), None),
    # 退回: a reviewer to acceptance (the window checks the case again), the approver to review
    "return": Transition(frozenset({S.REVIEW}), None, by_step={"accept": S.SUBMITTED, "review": S.REVIEW}),
    "request_extension": Transition(UNDER_REVIEW, None),
    "approve_extension": Transition(UNDER_REVIEW, None),
    "start_procedure": Transition(frozenset({S.REVIEW}), S.SPECIAL_PROCEDURE),
    "end_procedure": Transition(frozenset({S.SPECIAL_PROCEDURE}), S.REVIEW),
    "decide": Transition(frozenset({S.REVIEW}), S.DECIDED),
    "deliver": Transition(frozenset({S.DECIDED}), S.DELIVERED),
    "close": Transition(frozenset({S.DELIVERED}), S.CLOSED),
    # supervisor (督办)
    "supervise": Transition(OPEN_STATES | {S.DECIDED}, None),
}

CLOCK_STOPPED_STATES = frozenset({S.CORRECTION, S.SPECIAL_PROCEDURE})
CLOCK_FINISHED_STATES = frozenset({S.REFUSED, S.WITHDRAWN, S.DECIDED, S.DELIVERED, S.CLOSED})


def allowed_actions(state: str) -> list[str]:
    """The actions the state machine allows in ``state`` (roles are checked separately)."""
    return [action for action, transition in TRANSITIONS.items() if state in transition.sources]


def target_state(action: str, state: str, step: str | None = None) -> str:
    """The state ``action`` (to ``step``, for an action taking one) leads to from ``state`` (which must allow it)."""
    transition = TRANSITIONS[action]
    target = transition.by_step[step] if step is not None and transition.by_step else transition.target
    return state if target is None else target


def check_transition(action: str, state: str, step: str | None = None) -> str:
    """The target state, or ActionConflict (409) naming the current state if ``action`` is not allowed in it."""
    if state not in TRANSITIONS[action].sources:
        raise ActionConflict(
            _("This cannot be done now: the case is %(state)s.") % {"state": CaseState(state).label}
        )
    return target_state(action, state, step)
