"""Property: whatever sequence of steps people try, a work order only moves along the state table."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hotline.conftest import STREETLIGHT, Hotline
from yiwang.core.errors import ActionConflict
from yiwang.hotline import actions
from yiwang.hotline.models import Channel, Ticket, TicketStatus
from yiwang.hotline.states import TRANSITIONS, allowed_actions

STEPS = [
    "sign",
    "send_back",
    "reply",
    "callback_ok",
    "callback_bad",
    "redo",
    "close",
    "rate",
    "dispatch",
    "supervise",
]


def attempt(hotline: Hotline, ticket: Ticket, step: str) -> None:
    clerk, centre = hotline.roads_clerk, hotline.dispatcher
    match step:
        case "sign":
            actions.do_sign_ticket(clerk, ticket)
        case "send_back":
            actions.do_send_back_ticket(clerk, ticket, reason="不属于本部门职责")
        case "reply":
            actions.do_reply_ticket(clerk, ticket, reply_text="已经派人到现场处理完毕，请查看。")
        case "callback_ok":
            actions.do_record_callback(centre, ticket, result="satisfied")
        case "callback_bad":
            actions.do_record_callback(centre, ticket, result="unsatisfied")
        case "redo":
            actions.do_redo_ticket(centre, ticket, reason="仍未解决")
        case "close":
            actions.do_close_ticket(centre, ticket)
        case "rate":
            actions.do_rate_ticket(hotline.citizen, ticket, rating=4)
        case "dispatch":
            actions.do_dispatch_ticket(centre, ticket, hotline.roads)
        case "supervise":
            actions.do_supervise_ticket(hotline.supervisor, ticket, message="请加快办理")


ACTION_OF = {"callback_ok": "callback", "callback_bad": "callback"}


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), max_size=12))
def test_every_step_follows_the_table(hotline: Hotline, steps: list[str]) -> None:
    ticket = actions.do_submit_ticket(
        hotline.dispatcher, channel=Channel.PHONE, kind="help", text=STREETLIGHT, division=hotline.division
    )
    ticket.reporter = hotline.citizen
    ticket.save(update_fields=["reporter"])
    for step in steps:
        ticket.refresh_from_db()
        before, version = ticket.status, ticket.version
        action = ACTION_OF.get(step, step)
        try:
            attempt(hotline, ticket, step)
        except (ActionConflict, PermissionDenied, ValidationError):
            ticket.refresh_from_db()
            assert (ticket.status, ticket.version) == (before, version)  # a refused step changes nothing
            continue
        ticket.refresh_from_db()
        assert action in allowed_actions(before)
        expected = TRANSITIONS[action].target or before
        assert ticket.status == expected
        assert ticket.version > version
        if ticket.status in (TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS):
            assert ticket.department is not None and ticket.clock.state == "running"
