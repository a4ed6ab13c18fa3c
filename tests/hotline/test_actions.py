"""The handling loop of a work order: intake, routing, dispatch, sign, reply, callback, redo, close, rating."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from tests.hotline.conftest import STREETLIGHT, Hotline
from yiwang.core import legaltime
from yiwang.core.errors import ActionConflict, RateLimited
from yiwang.core.models import AuditRecord
from yiwang.hotline import actions
from yiwang.hotline.actions import Attachment
from yiwang.hotline.models import Channel, ExtensionStatus, Ticket, TicketStatus
from yiwang.notify.models import Notification

pytestmark = pytest.mark.django_db


def submit(hotline: Hotline, text: str = STREETLIGHT, **kwargs) -> Ticket:
    actor = kwargs.pop("actor", hotline.citizen)
    values = {
        "channel": Channel.PORTAL,
        "kind": "help",
        "division": hotline.division,
        "client_ip": "10.0.0.1",
    }
    values.update(kwargs)
    return actions.do_submit_ticket(actor, text=text, **values)


def texts_to(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("body", flat=True))


def test_confident_router_dispatches_at_once_and_tells_citizen_and_department(hotline: Hotline) -> None:
    ticket = submit(hotline)
    assert ticket.number.startswith("GD" + timezone.localdate().strftime("%Y%m%d"))
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.department == hotline.roads
    assert ticket.routing["proposals"][0] == {"department": "roads", "confidence": 0.99}
    assert ticket.clock is not None
    assert ticket.clock.legal_due_on == legaltime.add_working_days(timezone.localdate(), 3)
    assert any("已转交城市管理局办理" in body for body in texts_to(hotline.citizen))
    assert any("请于" in body and ticket.number in body for body in texts_to(hotline.roads_clerk))
    assert AuditRecord.objects.filter(action="hotline.dispatch", object_id=str(ticket.pk)).exists()


def test_unsure_router_leaves_the_order_in_triage_with_top_proposals(hotline: Hotline) -> None:
    hotline.router.confidence = 0.55
    ticket = submit(hotline)
    assert ticket.status == TicketStatus.TRIAGE
    assert ticket.department is None
    assert [p["department"] for p in ticket.routing["proposals"]] == ["roads", "runner-up"]
    assert ticket.routing["reason"]


def test_router_failure_saves_the_order_and_the_job_routes_it_later(hotline: Hotline) -> None:
    hotline.router.fail = True
    ticket = submit(hotline)
    assert Ticket.objects.filter(pk=ticket.pk, status=TicketStatus.TRIAGE, routed_at__isnull=True).exists()
    hotline.router.fail = False
    from yiwang.hotline.tasks import route_pending_tickets

    assert route_pending_tickets() == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.routed_at is not None


def test_urgent_order_is_due_the_same_day(hotline: Hotline) -> None:
    ticket = submit(hotline, urgency="urgent", kind="complaint")
    assert ticket.clock.legal_days == 0
    assert ticket.clock.legal_due_on == legaltime.add_working_days(timezone.localdate(), 0)


@pytest.mark.parametrize(("kind", "days"), [("consultation", 3), ("complaint", 13), ("suggestion", 15)])
def test_type_timers(hotline: Hotline, kind: str, days: int) -> None:
    assert submit(hotline, kind=kind).clock.legal_days == days


def test_bad_input_is_refused_with_field_messages_and_nothing_saved(hotline: Hotline) -> None:
    with pytest.raises(ValidationError) as caught:
        submit(hotline, text="坏了", latitude="91", longitude="104", contact_phone="12", kind="rumour")
    errors = caught.value.message_dict
    assert set(errors) >= {"text", "latitude", "contact_phone", "kind"}
    assert "至少" in errors["text"][0] or "5" in errors["text"][0]
    with pytest.raises(ValidationError) as caught:
        submit(hotline, attachments=[Attachment("virus.exe", b"MZ\x90\x00")])
    assert "attachments" in caught.value.message_dict
    assert not Ticket.objects.exists()


def test_attachment_is_stored_by_content(hotline: Hotline) -> None:
    ticket = submit(hotline, attachments=[Attachment("灯.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)])
    attachment = ticket.attachments.get()
    assert attachment.content_type == "image/png"
    assert len(attachment.sha256) == 64


@override_settings(
    RATE_LIMITS={
        **settings.RATE_LIMITS,
        "hotline-intake-per-phone": "2/hour",
        "hotline-intake-per-address": "100/hour",
    }
)
def test_flood_from_one_phone_is_refused(hotline: Hotline) -> None:
    for _ in range(2):
        submit(hotline, actor=None, contact_phone="13900000001")
    with pytest.raises(RateLimited) as caught:
        submit(hotline, actor=None, contact_phone="13900000001")
    assert "频繁" in caught.value.message or "过多" in caught.value.message
    assert Ticket.objects.count() == 2


def test_phone_calls_are_entered_by_dispatchers_only(hotline: Hotline) -> None:
    with pytest.raises(PermissionDenied):
        submit(hotline, actor=hotline.citizen, channel=Channel.PHONE)
    ticket = submit(hotline, actor=hotline.dispatcher, channel=Channel.PHONE, contact_phone="13900000002")
    assert ticket.reporter is None
    assert ticket.contact_phone == "13900000002"
    assert ticket.masked_phone == "139****0002"


def test_full_loop_with_redo(hotline: Hotline) -> None:
    ticket = submit(hotline)
    with pytest.raises(PermissionDenied):
        actions.do_sign_ticket(hotline.water_clerk, ticket)
    actions.do_sign_ticket(hotline.roads_clerk, ticket)
    actions.do_reply_ticket(hotline.roads_clerk, ticket, reply_text="已安排维修人员更换灯泡，今晚恢复照明。")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REPLIED
    assert ticket.clock.state == "finished"
    assert any("已答复" in body for body in texts_to(hotline.citizen))
    actions.do_record_callback(hotline.dispatcher, ticket, result="unsatisfied", note="灯仍不亮")
    first_clock = ticket.clock_id
    actions.do_redo_ticket(hotline.dispatcher, ticket, reason="市民反映灯仍不亮")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.round) == (TicketStatus.IN_PROGRESS, 2)
    assert ticket.clock_id != first_clock and ticket.clock.state == "running"
    actions.do_reply_ticket(
        hotline.roads_clerk, ticket, reply_text="已更换线路和灯具，经现场确认已恢复照明。"
    )
    actions.do_record_callback(hotline.dispatcher, ticket, result="satisfied")
    actions.do_close_ticket(hotline.dispatcher, ticket)
    with pytest.raises(PermissionDenied):
        actions.do_rate_ticket(hotline.dispatcher, ticket, rating=5)
    actions.do_rate_ticket(hotline.citizen, ticket, rating=5, comment="很及时")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.rating) == (TicketStatus.CLOSED, 5)
    with pytest.raises(ActionConflict):
        actions.do_rate_ticket(hotline.citizen, ticket, rating=1)
    assert list(ticket.events.values_list("action", flat=True)) == [
        "receive", "dispatch", "sign", "reply", "callback", "redo", "reply", "callback", "close", "rate",
    ]  # fmt: skip


def test_redo_needs_an_unsatisfied_callback(hotline: Hotline) -> None:
    ticket = submit(hotline)
    actions.do_sign_ticket(hotline.roads_clerk, ticket)
    actions.do_reply_ticket(hotline.roads_clerk, ticket, reply_text="已安排维修人员更换灯泡，今晚恢复照明。")
    actions.do_record_callback(hotline.dispatcher, ticket, result="satisfied")
    with pytest.raises(ActionConflict):
        actions.do_redo_ticket(hotline.dispatcher, ticket, reason="再办一次")


def test_stale_version_is_a_conflict(hotline: Hotline) -> None:
    ticket = submit(hotline)
    stale = ticket.version
    actions.do_sign_ticket(hotline.roads_clerk, ticket, expected_version=stale)
    with pytest.raises(ActionConflict):
        actions.do_reply_ticket(
            hotline.roads_clerk, ticket, reply_text="答复内容足够长足够实在。", expected_version=stale
        )


def test_send_back_needs_a_reason_and_the_window_and_the_redispatch_becomes_a_label(hotline: Hotline) -> None:
    ticket = submit(hotline)
    labels_before = list(hotline.router.labels)
    with pytest.raises(ValidationError):
        actions.do_send_back_ticket(hotline.roads_clerk, ticket, reason=" ")
    actions.do_send_back_ticket(hotline.roads_clerk, ticket, reason="路灯属于供电公司管理")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.department) == (TicketStatus.TRIAGE, None)
    # The department that sent it back is not a right answer, so nothing is learnt until it is redispatched …
    assert hotline.router.labels == labels_before
    assert any("被城市管理局退回" in body for body in texts_to(hotline.dispatcher))
    actions.do_dispatch_ticket(hotline.dispatcher, ticket, hotline.water)
    # … and then the department it went to is learnt, marked as the outcome of a 退单.
    assert hotline.router.labels[-1][1:] == ("water", "send_back")


def test_send_back_after_the_sign_for_window_is_refused(hotline: Hotline) -> None:
    ticket = submit(hotline)
    Ticket.objects.filter(pk=ticket.pk).update(dispatched_at=timezone.now() - dt.timedelta(days=10))
    ticket.refresh_from_db()
    with pytest.raises(ActionConflict):
        actions.do_send_back_ticket(hotline.roads_clerk, ticket, reason="不归我们管")


def test_reassign_is_for_dispatchers_and_becomes_a_label(hotline: Hotline) -> None:
    ticket = submit(hotline)
    with pytest.raises(PermissionDenied):
        actions.do_reassign_ticket(hotline.roads_clerk, ticket, hotline.water, reason="x")
    actions.do_reassign_ticket(hotline.dispatcher, ticket, hotline.water, reason="属于水务")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.department) == (TicketStatus.DISPATCHED, hotline.water)
    assert hotline.router.labels[-1][1:] == ("water", "reassign")


def test_extension_is_requested_by_the_department_and_approved_by_the_centre(hotline: Hotline) -> None:
    ticket = submit(hotline, kind="complaint")
    actions.do_sign_ticket(hotline.roads_clerk, ticket)
    old_due = ticket.clock.legal_due_on
    extension = actions.do_request_extension(hotline.roads_clerk, ticket, days=5, reason="需协调供电公司")
    with pytest.raises(ActionConflict):
        actions.do_request_extension(hotline.roads_clerk, ticket, days=2, reason="再延")
    with pytest.raises(PermissionDenied):
        actions.do_decide_extension(hotline.roads_clerk, extension, approve=True)
    actions.do_decide_extension(hotline.supervisor, extension, approve=True)
    extension.refresh_from_db()
    ticket.refresh_from_db()
    assert extension.status == ExtensionStatus.APPROVED
    assert ticket.clock.legal_due_on == legaltime.add_working_days(old_due, 5)
    assert any("延期5个工作日" in body for body in texts_to(hotline.citizen))


def test_extension_after_the_deadline_is_refused(hotline: Hotline) -> None:
    ticket = submit(hotline)
    actions.do_sign_ticket(hotline.roads_clerk, ticket)
    ticket.clock.legal_due_on = timezone.localdate() - dt.timedelta(days=1)
    ticket.clock.save()
    with pytest.raises(ActionConflict):
        actions.do_request_extension(hotline.roads_clerk, ticket, days=2, reason="来不及")


def test_supervise_notifies_the_department(hotline: Hotline) -> None:
    ticket = submit(hotline)
    with pytest.raises(PermissionDenied):
        actions.do_supervise_ticket(hotline.citizen, ticket, message="快点")
    actions.do_supervise_ticket(hotline.supervisor, ticket, message="请今日内处理")
    assert any("督办意见：请今日内处理" in body for body in texts_to(hotline.roads_clerk))


def test_duplicates_are_suggested_and_merging_tells_every_reporter(hotline: Hotline) -> None:
    from tests.factories import CitizenFactory

    hotline.router.confidence = 0.5
    first = submit(hotline)
    neighbour = CitizenFactory()
    second = submit(hotline, actor=neighbour, text="小区门口的路灯坏了一个月了，晚上出行很不安全，请维修！")
    assert second.duplicate_candidates[0]["number"] == first.number
    unrelated = submit(hotline, text="建议在公园增加儿童游乐设施和休息座椅。")
    assert unrelated.duplicate_candidates == []
    actions.do_merge_ticket(hotline.dispatcher, second, first)
    second.refresh_from_db()
    assert (second.status, second.merged_into) == (TicketStatus.MERGED, first)
    assert any(first.number in body and "合并办理" in body for body in texts_to(neighbour))
    assert any("合并办理" in body for body in texts_to(hotline.citizen))
    actions.do_dispatch_ticket(hotline.dispatcher, first, hotline.roads)
    assert any("已转交城市管理局" in body for body in texts_to(neighbour))


def test_deadline_scan_reminds_and_escalates_once(hotline: Hotline) -> None:
    from yiwang.hotline.tasks import scan_deadlines

    ticket = submit(hotline)
    today = timezone.localdate()
    assert scan_deadlines(today).reminded == 0  # three working days left: not yet due soon
    day_after = legaltime.add_working_days(today, 1)
    first = scan_deadlines(day_after)
    assert first.reminded == 1 and first.escalated == 0
    assert any("即将超期" in body for body in texts_to(hotline.roads_clerk))
    assert scan_deadlines(day_after).reminded == 0
    later = legaltime.add_working_days(ticket.clock.legal_due_on, 1)
    result = scan_deadlines(later)
    assert result.escalated == 1
    assert any("已超期" in body for body in texts_to(hotline.dispatcher))
