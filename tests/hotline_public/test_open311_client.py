"""Must show: an existing Open311 client library from PyPI (civicbot 0.4.0, unchanged) lists our services, posts
a service request and reads it back from a live server."""

from __future__ import annotations

import pytest
from civicbot import Endpoint, HttpTransport, Open311Client
from civicbot.http import RateLimiter

from tests.hotline.conftest import STREETLIGHT, Hotline
from yiwang.hotline.models import Channel, Ticket, TicketStatus
from yiwang.hotline_public.actions import do_create_open311_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_civicbot_lists_services_posts_a_request_and_reads_it_back(live_server, hotline: Hotline) -> None:
    _app, api_key = do_create_open311_client(None, name="城市随手拍")
    endpoint = Endpoint(id="yiwang", name="Yiwang", base_url=f"{live_server.url}/open311/v2", write=True)
    client = Open311Client(
        endpoint,
        HttpTransport(rate_limiter=RateLimiter(min_interval=0)),
        jurisdiction_id=hotline.division.code,
    )

    services = client.list_services()
    assert {service["service_code"] for service in services} == {
        "consultation", "help", "complaint", "report", "suggestion", "praise",
    }  # fmt: skip
    assert next(s for s in services if s["service_code"] == "help")["service_name"] == "求助"

    sent = client.create_request(
        "help",
        dry_run=False,
        confirm="SEND",
        api_key=api_key,
        validate_remote=True,
        lat=30.4567,
        lng=106.6333,
        address_string="幸福小区东门",
        description=STREETLIGHT,
        first_name="三",
        last_name="张",
        phone="13800138000",
        email="zhang@example.cn",
        media_url="https://example.cn/streetlight.jpg",
        attributes={"publish": "yes"},
    )
    answer = sent.response[0]
    number = answer["service_request_id"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == Channel.OPEN311
    assert ticket.division == hotline.division
    assert ticket.contact_name == "张三" and ticket.contact_phone == "13800138000"
    assert ticket.status == TicketStatus.DISPATCHED  # routed through the same intake as the portal
    assert answer["service_notice"] == "3个工作日内办理。"

    read_back = client.get_request(number)
    assert read_back is not None
    assert read_back["status"] == "open"
    assert read_back["description"] == STREETLIGHT
    assert read_back["agency_responsible"] == "城市管理局"
    assert read_back["lat"] == 30.4567 and read_back["long"] == 106.6333
    assert read_back["media_url"] == "https://example.cn/streetlight.jpg"
    assert read_back["expected_datetime"].startswith(ticket.clock.legal_due_on.isoformat())
    assert client.get_token(answer["token"]) == [{"service_request_id": number, "token": answer["token"]}]
    assert number in [request["service_request_id"] for request in client.list_requests(status="open")]
