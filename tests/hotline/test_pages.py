"""Hotline pages without JavaScript: leave a message, my messages, the order page, triage, department inbox."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.hotline.conftest import STREETLIGHT, Hotline
from yiwang.hotline import actions
from yiwang.hotline.models import Channel, Ticket

pytestmark = pytest.mark.django_db


def form_data(hotline: Hotline, **fields) -> dict:
    data = {
        "kind": "help",
        "urgency": "normal",
        "text": STREETLIGHT,
        "division": hotline.division.pk,
        "contact_phone": "13900000011",
    }
    data.update(fields)
    return data


def test_anonymous_message_gets_a_receipt(hotline: Hotline) -> None:
    response = Client().post(reverse("hotline:new"), form_data(hotline))
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert f"您的工单号为{ticket.number}" in response.content.decode()


def test_field_errors_are_shown_next_to_fields(hotline: Hotline) -> None:
    response = Client().post(
        reverse("hotline:new"), form_data(hotline, text="坏", latitude="95", longitude="1")
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "请至少用5个字描述您的诉求。" in page
    assert "坐标须在-90到90之间。" in page
    assert not Ticket.objects.exists()


@override_settings(RATE_LIMITS={**settings.RATE_LIMITS, "hotline-intake-per-address": "1/hour"})
def test_flood_on_the_page_is_429_with_a_chinese_message(hotline: Hotline) -> None:
    client = Client()
    client.post(reverse("hotline:new"), form_data(hotline))
    response = client.post(reverse("hotline:new"), form_data(hotline, contact_phone="13900000012"))
    assert response.status_code == 429
    assert "留言过多" in response.content.decode()
    assert int(response["Retry-After"]) > 0


def test_signed_in_citizen_follows_the_order_and_rates_it(hotline: Hotline) -> None:
    client = Client()
    client.force_login(hotline.citizen)
    response = client.post(reverse("hotline:new"), form_data(hotline), follow=True)
    ticket = Ticket.objects.get()
    assert response.redirect_chain[-1][0] == reverse("hotline:ticket", args=[ticket.number])
    page = response.content.decode()
    assert "待签收" in page and "已转交城市管理局办理。" in page and "剩余" in page
    assert ticket.number in client.get(reverse("hotline:mine")).content.decode()
    actions.do_sign_ticket(hotline.roads_clerk, ticket)
    actions.do_reply_ticket(hotline.roads_clerk, ticket, reply_text="已安排维修人员更换灯泡，今晚恢复照明。")
    actions.do_record_callback(hotline.dispatcher, ticket, result="satisfied")
    actions.do_close_ticket(hotline.dispatcher, ticket)
    url = reverse("hotline:act", args=[ticket.number])
    missing = client.post(url, {"action": "rate"})
    assert missing.status_code == 422 and "请选择1至5分的评价。" in missing.content.decode()
    client.post(url, {"action": "rate", "rating": "4", "comment": "还不错"})
    ticket.refresh_from_db()
    assert ticket.rating == 4


def test_triage_shows_top_proposals_and_dispatches_in_one_click(
    hotline: Hotline, login_verified_staff
) -> None:
    hotline.router.confidence = 0.6
    hotline.router.department = "water"
    ticket = actions.do_submit_ticket(
        None, channel=Channel.PORTAL, kind="help", text=STREETLIGHT, division=hotline.division
    )
    dispatcher = login_verified_staff(Client(), hotline.dispatcher)
    page = dispatcher.get(reverse("hotline:triage")).content.decode()
    assert "派给水务局（60%）" in page
    dispatcher.post(
        reverse("hotline:act", args=[ticket.number]),
        {
            "action": "dispatch",
            "department": "roads",
            "expected_version": ticket.version,
            "next": reverse("hotline:triage"),
        },
    )
    ticket.refresh_from_db()
    assert ticket.department == hotline.roads
    assert hotline.router.labels[-1][1:] == ("roads", "dispatch")


def test_department_inbox_is_ordered_by_deadline_and_masks_phones(
    hotline: Hotline, login_verified_staff
) -> None:
    suggestion = actions.do_submit_ticket(
        None,
        channel=Channel.PORTAL,
        kind="suggestion",
        text="建议增加公交线路覆盖新区。",
        division=hotline.division,
        contact_phone="13900000013",
    )
    urgent = actions.do_submit_ticket(
        None,
        channel=Channel.PORTAL,
        kind="help",
        urgency="urgent",
        text="井盖丢失，路人易跌落。",
        division=hotline.division,
        contact_phone="13900000014",
    )
    clerk = login_verified_staff(Client(), hotline.roads_clerk)
    page = clerk.get(reverse("hotline:inbox")).content.decode()
    assert page.index(urgent.number) < page.index(suggestion.number)
    assert "139****0014" in page and "13900000014" not in page


def test_other_departments_cannot_open_the_order(hotline: Hotline, login_verified_staff) -> None:
    ticket = actions.do_submit_ticket(
        None, channel=Channel.PORTAL, kind="help", text=STREETLIGHT, division=hotline.division
    )
    water = login_verified_staff(Client(), hotline.water_clerk)
    assert water.get(reverse("hotline:ticket", args=[ticket.number])).status_code == 404


def test_dispatcher_enters_a_phone_call(hotline: Hotline, login_verified_staff) -> None:
    dispatcher = login_verified_staff(Client(), hotline.dispatcher)
    response = dispatcher.post(
        reverse("hotline:call"), form_data(hotline, contact_name="王先生"), follow=True
    )
    ticket = Ticket.objects.get()
    assert ticket.channel == "phone" and ticket.reporter is None
    assert response.status_code == 200
