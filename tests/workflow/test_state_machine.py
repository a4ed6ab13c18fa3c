"""Property-based: random sequences of claim / complete / return keep the engine's invariants."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import DepartmentFactory
from tests.workflow.conftest import Office, activate, licence_spec, staff_with
from yiwang.core.errors import ActionConflict
from yiwang.core.models import AuditRecord
from yiwang.org.models import Role
from yiwang.workflow.actions import do_claim_work_item, do_complete_work_item, do_return_work_item
from yiwang.workflow.models import PENDING_STATUSES, InstanceState, ProcessInstance, WorkItem

MODES = {"licence": None, "licence-any": ("any", None), "licence-two": ("n_of_m", 2)}
STEPS = ["accept", "review_task", "decide", "deliver"]

operation = st.tuples(
    st.sampled_from(["complete", "complete", "complete", "return", "claim"]),
    st.integers(0, 5),  # which pending item
    st.integers(0, 5),  # which outcome / return target / which person
)


class Rollback(Exception):
    pass


@pytest.fixture
def people(office: Office) -> dict[tuple[str, str], list]:  # type: ignore[type-arg]
    land = DepartmentFactory(code="zrzyj")
    for key, mode in MODES.items():
        if mode:
            spec = licence_spec()
            spec["key"] = key
            spec["nodes"]["review"]["mode"] = mode[0]
            if mode[1]:
                spec["nodes"]["review"]["n"] = mode[1]
            activate(spec)
    holders = {
        (office.market.code, Role.WINDOW_CLERK): [office.clerk, staff_with(office.market, Role.WINDOW_CLERK)],
        (office.market.code, Role.REVIEWER): [office.market_reviewer],
        (office.health.code, Role.REVIEWER): [office.health_reviewer],
        (land.code, Role.REVIEWER): [staff_with(land, Role.REVIEWER)],
        (office.market.code, Role.APPROVER): [office.approver],
    }
    return holders


def check_invariants(instance: ProcessInstance) -> None:
    instance.refresh_from_db()
    pending = list(instance.work_items.filter(status__in=PENDING_STATUSES))
    steps = [(item.node_id, item.branch) for item in pending]
    assert len(steps) == len(set(steps)), "at most one pending item per step and branch"
    ends = AuditRecord.objects.filter(action="workflow.end", object_id=str(instance.pk)).count()
    if instance.state == InstanceState.COMPLETED:
        assert pending == [] and instance.ended_at is not None and instance.joins == {}
        assert ends == 1, "an instance ends exactly once"
        assert instance.result in {"refused", "granted", "denied"}
    else:
        assert pending, "a running instance always waits for someone"
        assert ends == 0
        for state in instance.joins.values():
            assert len(state["arrived"]) < state["needed"]
        in_block = [item for item in pending if item.node_id == "review_task"]
        assert bool(in_block) == ("review" in instance.joins)
        if in_block:
            assert len(in_block) + len(instance.joins["review"]["arrived"]) <= 3


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(sorted(MODES)), operations=st.lists(operation, max_size=25))
def test_random_histories_keep_invariants(office: Office, people: dict, key: str, operations: list) -> None:  # type: ignore[type-arg]
    try:
        with transaction.atomic():
            instance = office.start(key, review_departments=["scjgj", "wjw", "zrzyj"])
            for action, pick, choice in operations:
                pending = list(
                    instance.work_items.filter(status__in=PENDING_STATUSES)
                    .select_related("department")
                    .order_by("pk")
                )
                if not pending:
                    break
                item = pending[pick % len(pending)]
                holders = people[(item.department.code, item.role)]
                actor = item.assignee or holders[choice % len(holders)]
                node = licence_spec()["nodes"][item.node_id]
                try:
                    with transaction.atomic():
                        if action == "complete":
                            outcomes = node.get("outcomes", ["done"])
                            do_complete_work_item(actor, item, outcomes[choice % len(outcomes)], "意见")
                        elif action == "return":
                            target = None if choice % 2 else STEPS[choice % len(STEPS)]
                            do_return_work_item(actor, item, "退回重办", node_id=target)
                        else:
                            do_claim_work_item(holders[choice % len(holders)], item)
                except (ValidationError, ActionConflict, PermissionDenied):
                    pass  # refused moves change nothing; the invariants still hold
                check_invariants(instance)
            raise Rollback
    except Rollback:
        pass
    assert not WorkItem.objects.exists()
