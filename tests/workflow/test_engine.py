"""Running instances: the licence process end to end, countersign modes, returns, claims and permissions."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection
from django.utils import timezone

from tests.factories import DepartmentFactory, StaffFactory
from tests.workflow.conftest import Office, activate, licence_spec, staff_with
from yiwang.core.audit import verify_chain
from yiwang.core.errors import ActionConflict
from yiwang.core.legaltime import add_working_days
from yiwang.core.models import AuditRecord
from yiwang.org.models import Role
from yiwang.workflow.actions import (
    do_assign_work_item,
    do_cancel_instance,
    do_claim_work_item,
    do_complete_work_item,
    do_return_work_item,
)
from yiwang.workflow.models import InstanceState, ProcessInstance, WorkItem, WorkItemStatus


def pending(instance: ProcessInstance) -> list[WorkItem]:
    return list(
        instance.work_items.filter(status__in=["open", "claimed"]).select_related("department").order_by("pk")
    )


def only_pending(instance: ProcessInstance) -> WorkItem:
    (item,) = pending(instance)
    return item


def review_items(office: Office, instance: ProcessInstance) -> dict[str, WorkItem]:
    return {item.department.code: item for item in pending(instance)}


def test_licence_process_runs_accept_parallel_review_decide_deliver(office: Office) -> None:
    instance = office.start()
    accept = only_pending(instance)
    assert (accept.name, accept.department, accept.role) == ("受理", office.market, Role.WINDOW_CLERK)
    assert accept.due_date == add_working_days(timezone.localdate(), 5)

    do_complete_work_item(office.clerk, accept, "accepted", "材料齐全，予以受理")
    reviews = review_items(office, instance)
    assert set(reviews) == {"scjgj", "wjw"}
    assert {item.name for item in reviews.values()} == {"审查"}
    # 60 % of a 20-working-day limit.
    assert reviews["wjw"].due_date == add_working_days(timezone.localdate(), 12)

    do_complete_work_item(office.health_reviewer, reviews["wjw"], "approve", "符合卫生条件")
    assert set(review_items(office, instance)) == {"scjgj"}, "会签: the decision waits for every department"
    do_complete_work_item(office.market_reviewer, reviews["scjgj"], "approve", "符合条件")

    decide = only_pending(instance)
    assert (decide.name, decide.role) == ("决定", Role.APPROVER)
    do_complete_work_item(office.approver, decide, "grant", "准予许可")
    deliver = only_pending(instance)
    assert deliver.name == "送达"
    do_complete_work_item(office.clerk, deliver, "done")

    instance.refresh_from_db()
    assert instance.state == InstanceState.COMPLETED
    assert instance.result == "granted"
    assert instance.ended_at is not None
    assert instance.variables["outcomes"] == {
        "accept": "accepted",
        "review_task": "approve",
        "decide": "grant",
        "deliver": "done",
    }
    assert pending(instance) == []
    actions = list(AuditRecord.objects.order_by("seq").values_list("action", flat=True))
    assert actions.count("workflow.complete") == 5
    assert actions.count("workflow.end") == 1
    assert verify_chain().ok


def test_refused_application_ends_without_review(office: Office) -> None:
    instance = office.start()
    do_complete_work_item(office.clerk, only_pending(instance), "refused", "不属于本机关职权范围")
    instance.refresh_from_db()
    assert (instance.state, instance.result) == (InstanceState.COMPLETED, "refused")
    assert pending(instance) == []


def test_denied_decision_is_still_delivered_then_ends_denied(office: Office) -> None:
    instance = office.start(review_departments=[office.health.code])
    do_complete_work_item(office.clerk, only_pending(instance), "accepted")
    do_complete_work_item(office.health_reviewer, only_pending(instance), "object", "场地不符合要求")
    do_complete_work_item(office.approver, only_pending(instance), "deny", "不予许可")
    do_complete_work_item(office.clerk, only_pending(instance), "done")
    instance.refresh_from_db()
    assert instance.result == "denied"


def test_outcome_must_be_one_the_step_offers(office: Office) -> None:
    instance = office.start()
    with pytest.raises(ValidationError) as error:
        do_complete_work_item(office.clerk, only_pending(instance), "grant")
    assert "accepted, refused" in str(error.value)
    assert only_pending(instance).status == WorkItemStatus.OPEN


def test_unbound_department_variable_creates_nothing(office: Office) -> None:
    with pytest.raises(ValidationError) as error:
        office.start(item_department="no-such-department")
    assert "accept" in str(error.value)
    assert not ProcessInstance.objects.exists()
    assert not WorkItem.objects.exists()


def test_share_of_limit_needs_the_limit(office: Office) -> None:
    instance = office.start(limit_working_days=None)
    with pytest.raises(ValidationError, match="limit_working_days"):
        do_complete_work_item(office.clerk, only_pending(instance), "accepted")
    assert only_pending(instance).node_id == "accept", "the failed advance left nothing half-done"


def _parallel_spec(mode: str, n: int | None = None) -> dict:
    spec = licence_spec()
    spec["key"] = f"licence-{mode}"
    spec["nodes"]["review"]["mode"] = mode
    if n is not None:
        spec["nodes"]["review"]["n"] = n
    return spec


def test_any_mode_first_opinion_moves_on_and_cancels_the_other_branches(office: Office) -> None:
    activate(_parallel_spec("any"))
    instance = office.start("licence-any")
    do_complete_work_item(office.clerk, only_pending(instance), "accepted")
    reviews = review_items(office, instance)
    do_complete_work_item(office.health_reviewer, reviews["wjw"], "approve")
    assert only_pending(instance).node_id == "decide"
    reviews["scjgj"].refresh_from_db()
    assert reviews["scjgj"].status == WorkItemStatus.CANCELLED
    with pytest.raises(ActionConflict):
        do_complete_work_item(office.market_reviewer, reviews["scjgj"], "approve")


def test_n_of_m_mode_waits_for_n_opinions(office: Office) -> None:
    activate(_parallel_spec("n_of_m", n=2))
    land = DepartmentFactory(code="zrzyj")
    land_reviewer = staff_with(land, Role.REVIEWER)
    instance = office.start("licence-n_of_m", review_departments=["scjgj", "wjw", "zrzyj"])
    do_complete_work_item(office.clerk, only_pending(instance), "accepted")
    reviews = review_items(office, instance)
    do_complete_work_item(land_reviewer, reviews["zrzyj"], "approve")
    assert {item.node_id for item in pending(instance)} == {"review_task"}
    do_complete_work_item(office.health_reviewer, reviews["wjw"], "approve")
    assert only_pending(instance).node_id == "decide"


def test_n_larger_than_the_departments_is_refused(office: Office) -> None:
    activate(_parallel_spec("n_of_m", n=3))
    instance = office.start("licence-n_of_m")
    with pytest.raises(ValidationError, match="3"):
        do_complete_work_item(office.clerk, only_pending(instance), "accepted")


def test_return_to_previous_step_reopens_it(office: Office) -> None:
    instance = office.start()
    do_complete_work_item(office.clerk, only_pending(instance), "accepted")
    reviews = review_items(office, instance)
    do_complete_work_item(office.health_reviewer, reviews["wjw"], "approve")
    do_complete_work_item(office.market_reviewer, reviews["scjgj"], "approve")
    decide = only_pending(instance)
    do_return_work_item(office.approver, decide, "卫健委意见不明确，请重新审查")
    decide.refresh_from_db()
    assert (decide.status, decide.outcome, decide.opinion) == (
        WorkItemStatus.CANCELLED,
        "returned",
        "卫健委意见不明确，请重新审查",
    )
    # Going back into the parallel block starts it again for every department.
    assert set(review_items(office, instance)) == {"scjgj", "wjw"}
    instance.refresh_from_db()
    assert instance.joins["review"] == {"needed": 2, "arrived": []}


def test_return_from_a_branch_to_a_chosen_step_cancels_the_other_branches(office: Office) -> None:
    instance = office.start()
    do_complete_work_item(office.clerk, only_pending(instance), "accepted")
    reviews = review_items(office, instance)
    do_return_work_item(office.health_reviewer, reviews["wjw"], "缺少卫生许可材料", node_id="accept")
    item = only_pending(instance)
    assert item.node_id == "accept"
    instance.refresh_from_db()
    assert instance.joins == {}


def test_return_needs_a_reason_and_a_visited_step(office: Office) -> None:
    instance = office.start()
    accept = only_pending(instance)
    with pytest.raises(ValidationError, match="reason"):
        do_return_work_item(office.clerk, accept, "  ")
    with pytest.raises(ValidationError) as error:
        do_return_work_item(office.clerk, accept, "退回")
    assert "node_id" in error.value.message_dict
    do_complete_work_item(office.clerk, accept, "accepted")
    with pytest.raises(ValidationError):
        do_return_work_item(
            office.health_reviewer, review_items(office, instance)["wjw"], "退回", node_id="decide"
        )


def test_only_a_holder_of_the_role_in_the_department_may_act(office: Office) -> None:
    instance = office.start()
    accept = only_pending(instance)
    for outsider in (office.market_reviewer, staff_with(office.health, Role.WINDOW_CLERK), StaffFactory()):
        with pytest.raises(PermissionDenied):
            do_claim_work_item(outsider, accept)
        with pytest.raises(PermissionDenied):
            do_complete_work_item(outsider, accept, "accepted")


def test_claimed_item_belongs_to_its_claimant(office: Office) -> None:
    instance = office.start()
    other_clerk = staff_with(office.market, Role.WINDOW_CLERK)
    accept = do_claim_work_item(office.clerk, only_pending(instance))
    assert (accept.status, accept.assignee) == (WorkItemStatus.CLAIMED, office.clerk)
    with pytest.raises(ActionConflict):
        do_claim_work_item(other_clerk, accept)
    with pytest.raises(PermissionDenied):
        do_complete_work_item(other_clerk, accept, "accepted")
    do_complete_work_item(office.clerk, accept, "accepted")


def test_supervisor_assigns_to_a_holder_of_the_role(office: Office) -> None:
    instance = office.start()
    accept = only_pending(instance)
    other_clerk = staff_with(office.market, Role.WINDOW_CLERK)
    with pytest.raises(PermissionDenied):
        do_assign_work_item(office.clerk, accept, other_clerk)
    with pytest.raises(ValidationError) as error:
        do_assign_work_item(office.supervisor, accept, office.approver)
    assert "assignee" in error.value.message_dict
    do_assign_work_item(office.supervisor, accept, other_clerk)
    accept.refresh_from_db()
    assert (accept.status, accept.assignee) == (WorkItemStatus.CLAIMED, other_clerk)
    record = AuditRecord.objects.filter(action="workflow.assign").get()
    assert record.changes["to"] == other_clerk.pk


def test_cancelled_instance_closes_its_work(office: Office) -> None:
    instance = office.start()
    do_cancel_instance(None, instance, "申请人撤回申请")
    instance.refresh_from_db()
    assert instance.state == InstanceState.CANCELLED
    assert pending(instance) == []
    with pytest.raises(ActionConflict):
        do_cancel_instance(None, instance, "再次撤回")


@pytest.mark.django_db(transaction=True)
def test_two_people_claiming_at_once_one_wins(office: Office) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("threads do not share an in-memory SQLite database")
    instance = office.start()
    accept = only_pending(instance)
    clerks = [office.clerk, staff_with(office.market, Role.WINDOW_CLERK)]
    barrier = threading.Barrier(len(clerks))
    results: list[str] = []

    def claim(user):  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            do_claim_work_item(user, WorkItem.objects.select_related("department").get(pk=accept.pk))
            results.append("won")
        except ActionConflict:
            results.append("conflict")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=claim, args=(clerk,)) for clerk in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict", "won"]
    assert WorkItem.objects.get(pk=accept.pk).assignee in clerks
