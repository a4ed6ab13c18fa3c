"""Property: random action sequences keep the case valid — the clock is stopped exactly in correction or a special
procedure, finished once decided, refused or withdrawn; every applied action adds one event and one version;
a refused action changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cases.conftest import PDF, World
from tests.factories import DepartmentFactory
from yiwang.cases import actions, states
from yiwang.cases.models import Application, Case, CaseState
from yiwang.core.errors import ActionConflict
from yiwang.core.models import ClockState
from yiwang.org.models import Department

pytestmark = pytest.mark.django_db

STEPS = [
    "accept",
    "refuse",
    "request_correction",
    "resubmit",
    "withdraw",
    "opinion_main",
    "opinion_co",
    "decide",
    "deliver",
    "close",
    "start_procedure",
    "end_procedure",
    "return",
    "return_to_window",
    "add_department",
]


def run(step: str, world: World, case: Case) -> Any:
    if step == "accept":
        return actions.do_accept_case(world.clerk, case)
    if step == "refuse":
        return actions.do_refuse_case(world.clerk, case, reason="不符合受理条件")
    if step == "request_correction":
        material = case.application.materials.get(name="申请书")
        return actions.do_request_correction(world.clerk, case, problems={material.pk: "缺少签名"})
    if step == "resubmit":
        material = case.application.materials.get(name="申请书")
        if case.state == CaseState.CORRECTION:
            actions.do_add_material_file(
                world.citizen, material, content=PDF + str(case.version).encode(), filename="x.pdf"
            )
        return actions.do_resubmit_case(world.citizen, case)
    if step == "withdraw":
        return actions.do_withdraw_case(world.citizen, case)
    if step == "opinion_main":
        return actions.do_record_opinion(world.reviewer, case, outcome="approve", opinion="同意")
    if step == "opinion_co":
        return actions.do_record_opinion(world.co_reviewer, case, outcome="approve", opinion="同意")
    if step == "decide":
        return actions.do_decide_case(world.approver, case, decision="deny", reasons="不符合条件")
    if step == "deliver":
        return actions.do_deliver_case(world.clerk, case)
    if step == "close":
        return actions.do_close_case(world.clerk, case)
    if step == "start_procedure":
        return actions.do_start_special_procedure(
            world.reviewer, case, kind="expert_review", reason="专家评审"
        )
    if step == "end_procedure":
        return actions.do_end_special_procedure(world.reviewer, case)
    if step == "return_to_window":
        return actions.do_return_case(world.co_reviewer, case, reason="请窗口重新核对", step="accept")
    if step == "add_department":
        other = Department.objects.exclude(code__in=case.review_departments).order_by("pk").first()
        if other is None:
            other = DepartmentFactory(name="应急管理局")
        return actions.do_add_department(world.clerk, case, department=other, reason="涉及消防")
    return actions.do_return_case(world.approver, case, reason="重新审查")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), min_size=1, max_size=12))
def test_random_sequences_keep_the_case_valid(
    world: World, ready_application: Callable[..., Application], steps: list[str]
) -> None:
    (case,) = actions.do_submit_application(world.citizen, ready_application())
    for step in steps:
        case.refresh_from_db()
        before = (case.state, case.version, case.events.count())
        try:
            run(step, world, case)
        except (ActionConflict, PermissionDenied, ValidationError):
            case.refresh_from_db()
            assert (case.state, case.version, case.events.count()) == before
            continue
        case.refresh_from_db()
        assert case.version == before[1] + 1 and case.events.count() == before[2] + 1
        assert case.state in CaseState.values
        clock = case.clock
        assert (clock.state == ClockState.STOPPED) == (case.state in states.CLOCK_STOPPED_STATES)
        assert (clock.state == ClockState.FINISHED) == (case.state in states.CLOCK_FINISHED_STATES)
