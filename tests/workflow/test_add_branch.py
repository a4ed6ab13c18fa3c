"""Adding a branch to a running parallel block (加签) and returning to one chosen branch (退回到某一部门)."""

from __future__ import annotations

import math

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import DepartmentFactory
from tests.workflow.conftest import Office, activate, licence_spec, staff_with
from yiwang.core.errors import ActionConflict
from yiwang.core.legaltime import add_working_days
from yiwang.core.models import AuditRecord
from yiwang.org.models import Role
from yiwang.workflow.actions import (
    do_add_branch,
    do_cancel_instance,
    do_complete_work_item,
    do_return_work_item,
)
from yiwang.workflow.models import PENDING_STATUSES, InstanceState, ProcessInstance, WorkItem

pytestmark = pytest.mark.django_db


def pending(instance: ProcessInstance) -> dict[tuple[str, str], WorkItem]:
    items = instance.work_items.filter(status__in=PENDING_STATUSES).select_related("department")
    return {(item.node_id, item.branch): item for item in items}


def activate_mode(key: str, mode: str, n: int | None = None) -> None:
    spec = licence_spec()
    spec["key"], spec["nodes"]["review"]["mode"] = key, mode
    if n is not None:
        spec["nodes"]["review"]["n"] = n
    activate(spec)


def in_review(office: Office, key: str = "licence", departments: list[str] | None = None) -> ProcessInstance:
    instance = office.start(key, review_departments=departments or [office.market.code])
    do_complete_work_item(office.clerk, pending(instance)[("accept", "")], "accepted")
    instance.refresh_from_db()
    return instance


def test_a_department_added_during_review_gets_its_step_and_the_decision_waits_for_it(office: Office) -> None:
    instance = in_review(office)
    (opened,) = do_add_branch(office.market_reviewer, instance, "review", office.health.code)

    assert (opened.node_id, opened.branch, opened.department) == ("review_task", "wjw", office.health)
    assert opened.due_date == add_working_days(timezone.localdate(), math.ceil(0.6 * 20))
    instance.refresh_from_db()
    assert instance.variables["review_departments"] == ["scjgj", "wjw"]
    assert instance.joins["review"]["needed"] == 2

    do_complete_work_item(office.market_reviewer, pending(instance)[("review_task", "scjgj")], "approve")
    assert set(pending(instance)) == {("review_task", "wjw")}, (
        "会签: the decision waits for the added department"
    )
    do_complete_work_item(office.health_reviewer, opened, "approve")
    assert set(pending(instance)) == {("decide", "")}

    record = AuditRecord.objects.get(action="workflow.add_branch")
    assert record.changes["branch"] == "wjw" and record.changes["needed"] == [1, 2]


def test_variables_bound_with_the_branch_set_its_deadline(office: Office) -> None:
    instance = in_review(office)
    (opened,) = do_add_branch(None, instance, "review", "wjw", variables={"limit_working_days": 45})
    assert opened.due_date == add_working_days(timezone.localdate(), math.ceil(0.6 * 45))
    instance.refresh_from_db()
    assert instance.variables["limit_working_days"] == 45


@pytest.mark.parametrize(("mode", "n", "needed"), [("any", None, 1), ("n_of_m", 2, 2)])
def test_any_and_n_of_m_keep_how_many_opinions_they_need(
    office: Office, mode: str, n: int | None, needed: int
) -> None:
    DepartmentFactory(code="zrzyj")
    activate_mode("licence-mode", mode, n)
    instance = in_review(office, "licence-mode", ["scjgj", "wjw"])
    do_add_branch(None, instance, "review", "zrzyj")
    instance.refresh_from_db()
    assert instance.joins["review"]["needed"] == needed
    assert {branch for (_node, branch) in pending(instance)} == {"scjgj", "wjw", "zrzyj"}


def test_refusals_change_nothing(office: Office) -> None:
    instance = office.start()
    with pytest.raises(ActionConflict, match="未在进行中"):
        do_add_branch(None, instance, "review", "wjw")  # still at acceptance
    do_complete_work_item(office.clerk, pending(instance)[("accept", "")], "accepted")
    with pytest.raises(ValidationError, match="已在并联环节"):
        do_add_branch(None, instance, "review", "wjw")
    with pytest.raises(ValidationError, match="不是按列表逐项并行"):
        do_add_branch(None, instance, "decide", "zrzyj")
    with pytest.raises(ValidationError):
        do_add_branch(None, instance, "review", "no-such-department")
    instance.refresh_from_db()
    assert instance.variables["review_departments"] == ["scjgj", "wjw"]
    assert instance.joins["review"]["needed"] == 2
    assert len(pending(instance)) == 2

    for item in list(pending(instance).values()):
        reviewer = office.market_reviewer if item.branch == "scjgj" else office.health_reviewer
        do_complete_work_item(reviewer, item, "approve")
    DepartmentFactory(code="zrzyj")
    with pytest.raises(ActionConflict, match="未在进行中"):
        do_add_branch(None, instance, "review", "zrzyj")
    do_cancel_instance(None, instance, "撤回")
    with pytest.raises(ActionConflict, match="已经结束"):
        do_add_branch(None, instance, "review", "zrzyj")
    assert not AuditRecord.objects.filter(action="workflow.add_branch").exists()


def test_returning_to_one_department_reopens_only_its_review(office: Office) -> None:
    instance = in_review(office, departments=["scjgj", "wjw"])
    reviews = pending(instance)
    do_complete_work_item(office.market_reviewer, reviews[("review_task", "scjgj")], "approve")
    do_complete_work_item(office.health_reviewer, reviews[("review_task", "wjw")], "object")
    decide = pending(instance)[("decide", "")]

    do_return_work_item(office.approver, decide, "请卫健委补充意见", node_id="review_task", branch="wjw")
    assert set(pending(instance)) == {("review_task", "wjw")}
    instance.refresh_from_db()
    assert instance.joins["review"] == {"needed": 2, "arrived": ["scjgj"]}

    do_complete_work_item(office.health_reviewer, pending(instance)[("review_task", "wjw")], "approve")
    assert set(pending(instance)) == {("decide", "")}, "the market regulator's earlier opinion still counts"
    with pytest.raises(ValidationError):
        do_return_work_item(office.approver, pending(instance)[("decide", "")], "x", "review_task", "zrzyj")


def test_a_reviewer_returning_to_acceptance_cancels_the_other_reviews(office: Office) -> None:
    instance = in_review(office, departments=["scjgj", "wjw"])
    reviews = pending(instance)
    do_return_work_item(
        office.health_reviewer, reviews[("review_task", "wjw")], "材料与受理范围不符", "accept"
    )
    assert set(pending(instance)) == {("accept", "")}
    instance.refresh_from_db()
    assert instance.joins == {}
    reviews[("review_task", "scjgj")].refresh_from_db()
    assert reviews[("review_task", "scjgj")].status == "cancelled"
    accept = pending(instance)[("accept", "")]
    do_complete_work_item(office.clerk, accept, "accepted", variables={"review_departments": ["scjgj"]})
    assert set(pending(instance)) == {("review_task", "scjgj")}, "variables bound on completion are used"


# --- Property: adding branches and returning to branches keep the join consistent ---------------------------

operation = st.tuples(
    st.sampled_from(["complete", "complete", "add", "return", "return_branch"]),
    st.integers(0, 5),
    st.integers(0, 5),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mode=st.sampled_from(["all", "any", "n_of_m"]), operations=st.lists(operation, max_size=20))
def test_random_additions_and_returns_keep_the_join_consistent(
    office: Office, mode: str, operations: list[tuple[str, int, int]]
) -> None:
    with transaction.atomic():
        run_history(office, mode, operations)
        transaction.set_rollback(True)


def run_history(office: Office, mode: str, operations: list[tuple[str, int, int]]) -> None:
    extra = [DepartmentFactory(code=code) for code in ("a1", "a2")]
    holders = {
        (office.market.code, Role.WINDOW_CLERK): office.clerk,
        (office.market.code, Role.REVIEWER): office.market_reviewer,
        (office.health.code, Role.REVIEWER): office.health_reviewer,
        (office.market.code, Role.APPROVER): office.approver,
        **{(department.code, Role.REVIEWER): staff_with(department, Role.REVIEWER) for department in extra},
    }
    codes = ["scjgj", "wjw", "a1", "a2"]
    activate_mode(f"licence-{mode.replace('_', '-')}", mode, 1 if mode == "n_of_m" else None)
    instance = in_review(office, f"licence-{mode.replace('_', '-')}", ["scjgj"])
    for action, pick, choice in operations:
        items = sorted(pending(instance).values(), key=lambda item: item.pk)
        if not items:
            break
        item = items[pick % len(items)]
        actor = holders[(item.department.code, item.role)]
        try:
            with transaction.atomic():
                if action == "add":
                    do_add_branch(None, instance, "review", codes[choice % len(codes)])
                elif action == "complete":
                    outcomes = licence_spec()["nodes"][item.node_id].get("outcomes", ["done"])
                    do_complete_work_item(actor, item, outcomes[choice % len(outcomes)])
                elif action == "return":
                    do_return_work_item(actor, item, "退回")
                else:
                    do_return_work_item(actor, item, "退回", "review_task", codes[choice % len(codes)])
        except (ValidationError, ActionConflict, PermissionDenied):
            pass
        instance.refresh_from_db()
        open_steps = pending(instance)
        if instance.state != InstanceState.RUNNING:
            assert open_steps == {}
            continue
        assert open_steps, "a running instance always waits for someone"
        elements = instance.variables["review_departments"]
        assert len(elements) == len(set(elements)), "a department is in the block at most once"
        block = instance.joins.get("review")
        reviews = {branch for (node, branch) in open_steps if node == "review_task"}
        assert bool(reviews) == (block is not None)
        if block is not None:
            assert reviews <= set(elements) and set(block["arrived"]) <= set(elements)
            assert not reviews & set(block["arrived"]), "a branch waits or has arrived, not both"
            assert len(block["arrived"]) < block["needed"] <= len(elements)
            if mode == "all":
                assert block["needed"] == len(elements)
