"""退回 to the previous or a chosen step, and 加签 while the review runs: the case stays consistent, the clock
keeps running, and pages and API offer exactly the steps that can be chosen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tests.cases.conftest import World, guide_content, publish, staff
from tests.factories import DepartmentFactory, ServiceItemFactory
from yiwang.accounts.models import User
from yiwang.cases import actions
from yiwang.cases.models import Application, Case, CaseEvent, CaseState, NoticeKind
from yiwang.core.errors import ActionConflict
from yiwang.core.models import ClockSegment, ClockState
from yiwang.notify.models import Notification
from yiwang.org.models import Department, Role
from yiwang.workflow.models import InstanceState, WorkItem

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Client]


def open_steps(case: Case) -> set[tuple[str, str]]:
    return {(item.node_id, item.branch) for item in actions._pending_items(case)}


def in_review(world: World, ready_application: Callable[..., Application], **kwargs: object) -> Case:
    (case,) = actions.do_submit_application(world.citizen, ready_application(**kwargs))
    actions.do_accept_case(world.clerk, case)
    case.refresh_from_db()
    return case


def at_decision(world: World, ready_application: Callable[..., Application]) -> Case:
    case = in_review(world, ready_application)
    actions.do_record_opinion(world.reviewer, case, outcome="approve", opinion="同意")
    actions.do_record_opinion(world.co_reviewer, case, outcome="object", opinion="卫生条件不足")
    case.refresh_from_db()
    return case


# --- 退回 ---------------------------------------------------------------------------------------------------


def test_a_reviewer_returns_the_case_to_the_window_and_the_clock_keeps_running(
    world: World, ready_application: Callable[..., Application]
) -> None:
    DepartmentFactory(name="应急管理局")  # somewhere to transfer to or add
    case = in_review(world, ready_application)
    legal_due, accepted_on = case.clock.legal_due_on, case.accepted_on
    assert actions.return_steps(world.co_reviewer, case) == [("accept", "窗口受理")]

    actions.do_return_case(
        world.co_reviewer, case, reason="经营场所不在本辖区", expected_version=case.version
    )
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert open_steps(case) == {("accept", "")}, "the other department's open review is cancelled"
    assert case.clock.state == ClockState.RUNNING and case.clock.legal_due_on == legal_due
    assert ClockSegment.objects.filter(clock=case.clock).count() == 1, "the legal time does not restart"
    event = CaseEvent.objects.filter(case=case).latest("pk")
    assert (event.action, event.internal_note) == ("return", "经营场所不在本辖区")
    assert "退回窗口重新审核" in event.public_text
    assert Notification.objects.filter(recipient=world.citizen, body__contains="退回窗口重新审核").exists()

    clerk_offered = actions.case_actions_for(world.clerk, case)
    assert {"accept", "refuse", "request_correction", "transfer"} <= set(clerk_offered)
    assert actions.case_actions_for(world.reviewer, case) == ["add_department"]

    actions.do_accept_case(world.clerk, case, expected_version=case.version)
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW and case.accepted_on == accepted_on
    assert open_steps(case) == {("review_task", world.main.code), ("review_task", world.co.code)}
    assert case.notices.filter(kind=NoticeKind.RECEIPT).count() == 1, "the first receipt stands"
    assert case.clock.legal_due_on == legal_due


def test_refusing_or_transferring_a_returned_case_ends_its_process(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = in_review(world, ready_application)
    actions.do_return_case(world.reviewer, case, reason="不属于本部门")
    case.refresh_from_db()
    process = case.process
    other = DepartmentFactory(name="应急管理局")
    staff(other, Role.WINDOW_CLERK, Role.REVIEWER)
    actions.do_transfer_case(world.clerk, case, department=other, reason="不属于本部门")
    process.refresh_from_db()
    assert process.state == InstanceState.CANCELLED

    case.refresh_from_db()
    new_clerk = staff(other, Role.WINDOW_CLERK)
    actions.do_accept_case(new_clerk, case)
    case.refresh_from_db()
    assert case.process != process and {dept for _node, dept in open_steps(case)} == {
        other.code,
        world.co.code,
    }

    second = in_review(world, ready_application)
    actions.do_return_case(world.reviewer, second, reason="需重新核对")
    second.refresh_from_db()
    actions.do_refuse_case(world.clerk, second, reason="不符合受理条件")
    second.refresh_from_db()
    assert second.process.state == InstanceState.CANCELLED and open_steps(second) == set()


def test_the_approver_returns_to_one_department_or_to_all(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = at_decision(world, ready_application)
    assert actions.return_steps(world.approver, case) == [
        ("review", "各审查部门重新审查"),
        (f"review:{world.main.code}", "由市场监督管理局重新审查"),
        (f"review:{world.co.code}", "由卫生健康局重新审查"),
    ]
    assert actions.return_steps(world.clerk, case) == []

    actions.do_return_case(world.approver, case, reason="请补充卫生条件核查", step=f"review:{world.co.code}")
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
    assert open_steps(case) == {("review_task", world.co.code)}
    actions.do_record_opinion(world.co_reviewer, case, outcome="approve", opinion="已整改")
    case.refresh_from_db()
    assert open_steps(case) == {("decide", "")}, "the other department's opinion still counts"

    actions.do_return_case(world.approver, case, reason="重新审查", step="review")
    case.refresh_from_db()
    assert open_steps(case) == {("review_task", world.main.code), ("review_task", world.co.code)}


def test_a_step_that_is_not_offered_is_refused_and_nothing_changes(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = at_decision(world, ready_application)
    version = case.version
    for step in ("accept", "review:nowhere", "decide"):
        with pytest.raises(ValidationError) as refusal:
            actions.do_return_case(world.approver, case, reason="重新审查", step=step)
        assert "各审查部门重新审查 (review)" in str(refusal.value)
    with pytest.raises(ValidationError):
        actions.do_return_case(world.approver, case, reason="  ")
    with pytest.raises(PermissionDenied):
        actions.do_return_case(world.reviewer, case, reason="重新审查")
    case.refresh_from_db()
    assert case.version == version and open_steps(case) == {("decide", "")}


def test_pages_offer_only_the_valid_steps(
    world: World, ready_application: Callable[..., Application], login_verified_staff: Login
) -> None:
    case = at_decision(world, ready_application)
    approver = login_verified_staff(Client(), world.approver)
    page = approver.get(reverse("cases:office_case", args=[case.number])).content.decode()
    assert '<option value="review">各审查部门重新审查</option>' in page
    assert f'<option value="review:{world.co.code}">由卫生健康局重新审查</option>' in page
    assert 'value="accept"' not in page

    url = reverse("cases:office_action", args=[case.number, "return"])
    refused = approver.post(
        url, {"return-version": case.version, "return-step": "accept", "return-reason": "x"}
    )
    assert refused.status_code == 400 and open_steps(case) == {("decide", "")}
    done = approver.post(
        url,
        {"return-version": case.version, "return-step": f"review:{world.co.code}", "return-reason": "请补充"},
    )
    assert done.status_code == 302 and open_steps(case) == {("review_task", world.co.code)}

    reviewer = login_verified_staff(Client(), world.co_reviewer)
    page = reviewer.get(reverse("cases:office_case", args=[case.number])).content.decode()
    assert '<option value="accept">窗口受理</option>' in page and 'value="review"' not in page


def test_the_api_takes_the_step_and_names_the_valid_ones(
    world: World, ready_application: Callable[..., Application], login_verified_staff: Login
) -> None:
    case = at_decision(world, ready_application)
    approver = login_verified_staff(Client(), world.approver)
    url = f"/api/v1/cases/{case.number}/actions"
    wrong = approver.post(
        url, {"action": "return", "reason": "x", "step": "accept"}, content_type="application/json"
    )
    assert wrong.status_code == 422 and wrong["Content-Type"].startswith("application/problem+json")
    assert "review:" in wrong.content.decode()
    returned = approver.post(
        url,
        {"action": "return", "reason": "请补充", "step": f"review:{world.main.code}"},
        content_type="application/json",
    )
    assert returned.status_code == 200, returned.content
    assert [step["department"] for step in returned.json()["current_steps"]] == [world.main.name]


# --- 加签 during the review ---------------------------------------------------------------------------------


@pytest.fixture
def single_department_item(world: World) -> object:
    item = ServiceItemFactory(department=world.main, name="小餐饮登记")
    publish(item, guide_content(world.main, [], legal=20))
    return item


def test_adding_a_department_during_review_opens_its_review_and_switches_to_the_joint_limit(
    world: World, ready_application: Callable[..., Application], single_department_item: object
) -> None:
    case = in_review(world, ready_application, item=single_department_item)
    assert case.clock.legal_days == 20 and open_steps(case) == {("review_task", world.main.code)}
    assert "add_department" in actions.case_actions_for(world.reviewer, case)
    before = case.clock.legal_due_on

    actions.do_add_department(world.reviewer, case, department=world.co, reason="涉及食品卫生")
    case.refresh_from_db()
    assert case.review_departments == [world.main.code, world.co.code]
    assert open_steps(case) == {("review_task", world.main.code), ("review_task", world.co.code)}
    clock = case.clock
    assert (clock.legal_days, clock.extension_limit, clock.promised_days) == (45, 15, 10)
    assert clock.legal_due_on > before and clock.started_on == case.received_on
    assert case.process.variables["limit_working_days"] == 45
    assert Notification.objects.filter(
        recipient=world.citizen, body__contains="法定办理时限为 45 个工作日"
    ).exists()

    actions.do_record_opinion(world.reviewer, case, outcome="approve", opinion="同意")
    case.refresh_from_db()
    assert open_steps(case) == {("review_task", world.co.code)}, "the decision waits for the added department"
    assert "opinion" in actions.case_actions_for(world.co_reviewer, case)
    actions.do_record_opinion(world.co_reviewer, case, outcome="approve", opinion="同意")
    case.refresh_from_db()
    assert open_steps(case) == {("decide", "")}
    assert "add_department" not in actions.case_actions_for(world.reviewer, case)
    with pytest.raises(ActionConflict):
        actions.do_add_department(world.clerk, case, department=DepartmentFactory(), reason="太晚了")


def test_an_overdue_case_keeps_its_limit_when_a_department_is_added(
    world: World, ready_application: Callable[..., Application], single_department_item: object
) -> None:
    case = in_review(world, ready_application, item=single_department_item)
    long_ago = dt.date(2025, 9, 1)
    ClockSegment.objects.filter(clock=case.clock).update(started_on=long_ago)
    type(case.clock).objects.filter(pk=case.clock.pk).update(started_on=long_ago)

    actions.do_add_department(world.clerk, case, department=world.co, reason="涉及食品卫生")
    case.refresh_from_db()
    assert case.clock.legal_days == 20, "a new rule must not make an overdue case look on time"
    assert open_steps(case) == {("review_task", world.main.code), ("review_task", world.co.code)}
    event = CaseEvent.objects.filter(case=case, action="add_department").get()
    assert "联合办理" not in event.public_text


def test_adding_before_acceptance_also_makes_the_handling_joint(
    world: World, ready_application: Callable[..., Application], single_department_item: object
) -> None:
    (case,) = actions.do_submit_application(world.citizen, ready_application(item=single_department_item))
    actions.do_add_department(world.clerk, case, department=world.co, reason="涉及食品卫生")
    case.refresh_from_db()
    assert case.clock.legal_days == 45
    actions.do_accept_case(world.clerk, case)
    case.refresh_from_db()
    assert open_steps(case) == {("review_task", world.main.code), ("review_task", world.co.code)}
    assert WorkItem.objects.get(
        instance=case.process, branch=world.co.code
    ).department == Department.objects.get(code=world.co.code)
