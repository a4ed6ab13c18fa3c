"""The buttons tell the truth: in any reachable state, every action ``case_actions_for`` offers a person succeeds for
them with ordinary input, and every action it does not offer them is refused without changing anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.cases.conftest import PDF, World
from tests.cases.test_state_machine import STEPS, run
from tests.factories import DepartmentFactory
from yiwang.accounts.models import User
from yiwang.cases import actions, states
from yiwang.cases.models import Application, Case, CaseEvent, CaseState, DeliveryMethod, NoticeKind
from yiwang.core.errors import ActionConflict
from yiwang.org.models import Department

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    """Raised to roll back an action tried inside a savepoint."""


def perform(action: str, user: User, case: Case) -> Any:
    """Take ``action`` as ``user`` with the input a person would give on the page."""
    other = Department.objects.exclude(code__in=case.review_departments).order_by("pk").first()
    if action == "resubmit":
        for material in case.application.materials.filter(status="needs_correction"):
            actions.do_add_material_file(user, material, content=PDF + b"corrected", filename="new.pdf")
        return actions.do_resubmit_case(user, case)
    if action == "withdraw":
        return actions.do_withdraw_case(user, case)
    arguments: dict[str, Any] = {
        "refuse": {"reason": "不属于本机关职权范围"},
        "request_correction": {"problems": {case.application.materials.get(name="申请书").pk: "缺少签名"}},
        "opinion": {"outcome": "approve", "opinion": "同意"},
        "return": {"reason": "请补充现场核查意见"},
        "transfer": {"department": other, "reason": "不属于本部门"},
        "add_department": {"department": other, "reason": "涉及消防"},
        "request_extension": {"days": 5, "reason": "需现场核查"},
        "approve_extension": {"approve": True},
        "start_procedure": {"kind": "expert_review", "reason": "专家评审"},
        "supervise": {"message": "请加快办理"},
        "decide": {"decision": "grant", "reasons": "符合法定条件"},
        "deliver": {"method": DeliveryMethod.POST},
    }.get(action, {})
    return actions.STAFF_ACTIONS[action](user, case, expected_version=case.version, **arguments)


def attempt(action: str, user: User, case: Case) -> Exception | None:
    """Try ``action`` and undo it; the refusal, or None when it succeeded."""
    try:
        with transaction.atomic():
            perform(action, user, Case.objects.get(pk=case.pk))
            raise _Undo
    except _Undo:
        return None
    except (ActionConflict, PermissionDenied, ValidationError) as refusal:
        return refusal


def people(world: World) -> dict[str, User]:
    return {
        "clerk": world.clerk,
        "reviewer": world.reviewer,
        "co_reviewer": world.co_reviewer,
        "approver": world.approver,
        "supervisor": world.supervisor,
        "citizen": world.citizen,
    }


HAPPY_PATH = ["accept", "opinion_main", "opinion_co", "decide", "deliver", "close"]
# A way along the happy path, then random steps: every state is reached, with detours (corrections, special
# procedures, extension requests, returns, withdrawals) on the way.
REACHABLE = st.builds(
    lambda length, detours: [*HAPPY_PATH[:length], *detours],
    st.integers(0, len(HAPPY_PATH)),
    st.lists(st.sampled_from([*STEPS, "request_extension"]), max_size=4),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=REACHABLE)
def test_offered_actions_succeed_and_the_others_are_refused(
    world: World, ready_application: Callable[..., Application], steps: list[str]
) -> None:
    DepartmentFactory(name="应急管理局")  # somewhere to transfer to or add
    (case,) = actions.do_submit_application(world.citizen, ready_application())
    for step in steps:
        case.refresh_from_db()
        try:
            if step == "request_extension":
                actions.do_request_extension(world.reviewer, case, days=5, reason="需现场核查")
            else:
                run(step, world, case)
        except (ActionConflict, PermissionDenied, ValidationError):
            pass
    case.refresh_from_db()
    event(case.state)
    for name, user in people(world).items():
        offered = actions.case_actions_for(user, case)
        for action in states.TRANSITIONS:
            refusal = attempt(action, user, case)
            if action in offered:
                assert refusal is None, f"{name} was offered {action} in {case.state} but: {refusal}"
            else:
                assert refusal is not None, f"{name} can {action} in {case.state} but was not offered it"


def test_approving_an_extension_is_offered_only_while_one_waits(
    world: World, ready_application: Callable[..., Application]
) -> None:
    (case,) = actions.do_submit_application(world.citizen, ready_application())
    actions.do_accept_case(world.clerk, case)
    case.refresh_from_db()
    assert "approve_extension" not in actions.case_actions_for(world.approver, case)
    assert "request_extension" in actions.case_actions_for(world.approver, case)
    actions.do_request_extension(world.reviewer, case, days=15, reason="需现场核查")
    case.refresh_from_db()
    assert "approve_extension" in actions.case_actions_for(world.approver, case)
    assert "request_extension" not in actions.case_actions_for(world.reviewer, case)
    actions.do_approve_extension(world.approver, case)
    case.refresh_from_db()
    # the joint limit's 15 extra days are used up: neither is offered any more
    offered = actions.case_actions_for(world.approver, case)
    assert "approve_extension" not in offered and "request_extension" not in offered


def decided(world: World, ready_application: Callable[..., Application]) -> Case:
    (case,) = actions.do_submit_application(world.citizen, ready_application())
    actions.do_accept_case(world.clerk, case)
    actions.do_record_opinion(world.reviewer, case, outcome="approve", opinion="同意")
    actions.do_record_opinion(world.co_reviewer, case, outcome="approve", opinion="同意")
    actions.do_decide_case(world.approver, case, decision="grant", reasons="符合法定条件")
    case.refresh_from_db()
    return case


def test_the_timeline_names_the_delivery_method(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = decided(world, ready_application)
    actions.do_deliver_case(world.clerk, case, method=DeliveryMethod.WINDOW)
    text = CaseEvent.objects.get(case=case, action="deliver").public_text
    assert "窗口领取" in text and "window" not in text


def test_notice_titles_are_shown_in_the_readers_language(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = decided(world, ready_application)
    receipt = case.notices.get(kind=NoticeKind.RECEIPT)
    client = Client()
    client.force_login(world.citizen)
    url = reverse("cases:notice", args=[case.number, receipt.number])
    assert "受理通知书" in client.get(url).content.decode()
    assert "Acceptance notice" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    api = client.get(f"/api/v1/cases/{case.number}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert {"kind": "receipt", "title": "Acceptance notice"}.items() <= api["notices"][0].items()
    assert case.state == CaseState.DECIDED
