"""The case lifecycle through the actions: submit → correction → accept → parallel review → decide → licence."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.cases.conftest import PDF, World
from yiwang.cases import actions
from yiwang.cases.models import Application, Case, CaseState, MaterialStatus, NoticeKind
from yiwang.core.audit import verify_chain
from yiwang.core.errors import ActionConflict
from yiwang.core.models import AuditRecord, ClockState
from yiwang.licences.models import Licence
from yiwang.licences.queries import verify_licence
from yiwang.notify.models import Notification

pytestmark = pytest.mark.django_db


def submit_one(world: World, ready_application: Callable[..., Application]) -> Case:
    (case,) = actions.do_submit_application(world.citizen, ready_application())
    return case


def test_submission_creates_a_case_with_a_running_joint_clock(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = submit_one(world, ready_application)
    assert case.number.startswith("YW") and len(case.number) == 16
    assert case.state == CaseState.SUBMITTED
    assert case.review_departments == [world.main.code, world.co.code]
    assert case.clock is not None and case.clock.state == ClockState.RUNNING
    assert (case.clock.legal_days, case.clock.extension_limit) == (45, 15)  # joint handling
    assert Notification.objects.filter(recipient=world.citizen, template__key="case-updated").exists()


def test_submit_refuses_missing_required_materials_and_writes_nothing(world: World) -> None:
    application = actions.do_create_application(world.citizen, item=world.item)
    with pytest.raises(ValidationError) as error:
        actions.do_submit_application(world.citizen, application)
    assert "申请书" in str(error.value) and "场所平面图" in str(error.value)
    application.refresh_from_db()
    assert application.status == "draft" and not Case.objects.exists()


def test_full_journey_with_one_correction_round(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = submit_one(world, ready_application)
    plan = case.application.materials.get(name="场所平面图")
    notice = actions.do_request_correction(
        world.clerk, case, problems={plan.pk: "平面图未标注尺寸"}, expected_version=case.version
    )
    case.refresh_from_db()
    assert case.state == CaseState.CORRECTION and case.clock.state == ClockState.STOPPED
    assert (
        notice.kind == NoticeKind.CORRECTION and notice.body["materials"][0]["problem"] == "平面图未标注尺寸"
    )

    with pytest.raises(ValidationError):  # nothing re-uploaded yet
        actions.do_resubmit_case(world.citizen, case)
    actions.do_add_material_file(world.citizen, plan, content=PDF + b"v2", filename="plan.pdf")
    actions.do_resubmit_case(world.citizen, case)
    case.refresh_from_db()
    plan.refresh_from_db()
    assert case.state == CaseState.SUBMITTED and case.clock.state == ClockState.RUNNING
    assert plan.status == MaterialStatus.PROVIDED and plan.files.filter(replaced_at__isnull=True).count() == 1

    actions.do_accept_case(world.clerk, case)
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW and case.notices.filter(kind=NoticeKind.RECEIPT).exists()

    with pytest.raises(ActionConflict):  # reviews not in yet
        actions.do_decide_case(world.approver, case, decision="grant", reasons="符合条件")
    actions.do_record_opinion(world.reviewer, case, outcome="approve", opinion="材料齐全")
    actions.do_record_opinion(world.co_reviewer, case, outcome="approve", opinion="卫生条件符合")
    actions.do_decide_case(world.approver, case, decision="grant", reasons="符合法定条件")
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED and case.clock.state == ClockState.FINISHED
    licence = Licence.objects.get(case_reference=case.number)
    assert verify_licence(licence.number).status == "valid"

    actions.do_deliver_case(world.clerk, case)
    actions.do_close_case(world.clerk, case)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.rating_invited_at is not None
    actions_done = list(case.events.values_list("action", flat=True))
    assert actions_done == [
        "submit",
        "request_correction",
        "resubmit",
        "accept",
        "opinion",
        "opinion",
        "decide",
        "deliver",
        "close",
    ]
    assert AuditRecord.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() == 9
    assert verify_chain().problem is None


def test_wrong_role_and_wrong_state_change_nothing(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = submit_one(world, ready_application)
    with pytest.raises(PermissionDenied):
        actions.do_accept_case(world.reviewer, case)
    with pytest.raises(PermissionDenied):
        actions.do_accept_case(world.citizen, case)
    with pytest.raises(ActionConflict):
        actions.do_deliver_case(world.clerk, case)
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED and case.version == 2 and case.process is None


def test_stale_version_is_a_conflict(world: World, ready_application: Callable[..., Application]) -> None:
    case = submit_one(world, ready_application)
    seen = case.version
    actions.do_refuse_case(world.clerk, case, reason="不属于本机关职权范围", expected_version=seen)
    with pytest.raises(ActionConflict):
        actions.do_accept_case(world.clerk, case, expected_version=seen)


def test_withdraw_before_decision_finishes_clock_and_cancels_process(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = submit_one(world, ready_application)
    actions.do_accept_case(world.clerk, case)
    actions.do_withdraw_case(world.citizen, case, reason="不再经营")
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN and case.clock.state == ClockState.FINISHED
    assert case.process.state == "cancelled"


def test_extension_and_special_procedure(world: World, ready_application: Callable[..., Application]) -> None:
    case = submit_one(world, ready_application)
    actions.do_accept_case(world.clerk, case)
    case.refresh_from_db()
    due = case.clock.legal_due_on
    actions.do_request_extension(world.reviewer, case, days=10, reason="需现场核查多处经营场所")
    with pytest.raises(PermissionDenied):
        actions.do_approve_extension(world.reviewer, case)
    actions.do_approve_extension(world.approver, case)
    case.refresh_from_db()
    assert case.clock.extension_days == 10 and case.clock.legal_due_on > due
    assert case.notices.filter(kind=NoticeKind.EXTENSION).exists()
    actions.do_start_special_procedure(world.reviewer, case, kind="testing", reason="水质检测")
    case.refresh_from_db()
    assert case.state == CaseState.SPECIAL_PROCEDURE and case.clock.state == ClockState.STOPPED
    actions.do_end_special_procedure(world.reviewer, case, result="检测合格")
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW and case.clock.state == ClockState.RUNNING


def test_deny_issues_no_licence_and_names_remedies(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = submit_one(world, ready_application)
    actions.do_accept_case(world.clerk, case)
    actions.do_record_opinion(world.reviewer, case, outcome="object", opinion="布局不合理")
    actions.do_record_opinion(world.co_reviewer, case, outcome="approve", opinion="可")
    actions.do_decide_case(world.approver, case, decision="deny", reasons="经营布局不符合要求")
    notice = case.notices.get(kind=NoticeKind.DENIAL)
    assert "行政复议" in notice.body["remedies"]
    assert not Licence.objects.filter(case_reference=case.number).exists()


def test_return_sends_the_decision_back_to_review(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = submit_one(world, ready_application)
    actions.do_accept_case(world.clerk, case)
    actions.do_record_opinion(world.reviewer, case, outcome="approve", opinion="可")
    actions.do_record_opinion(world.co_reviewer, case, outcome="approve", opinion="可")
    actions.do_return_case(world.approver, case, reason="请补充现场核查意见")
    case.refresh_from_db()
    assert {item.node_id for item in actions._pending_items(case)} == {"review_task"}


def test_supervise_tells_the_step_holders(
    world: World, ready_application: Callable[..., Application]
) -> None:
    case = submit_one(world, ready_application)
    with pytest.raises(PermissionDenied):
        actions.do_supervise_case(world.clerk, case, message="请加快")
    actions.do_supervise_case(world.supervisor, case, message="请今日内受理")
    assert Notification.objects.filter(recipient=world.clerk, template__key="case-supervised").exists()
