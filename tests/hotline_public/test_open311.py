"""Open311 GeoReport v2: services, filters, errors in the specification's format, keys, rate limits, the feed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.hotline.conftest import STREETLIGHT, Hotline
from yiwang.hotline.models import Ticket
from yiwang.hotline_public.actions import do_create_open311_client, do_rotate_open311_key
from yiwang.hotline_public.models import Open311Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_key(hotline: Hotline) -> str:
    return do_create_open311_client(None, name="随手拍")[1]


def post(client: Client, key: str, hotline: Hotline, **fields: str | None):
    data: dict[str, str | None] = {
        "api_key": key,
        "service_code": "complaint",
        "jurisdiction_id": hotline.division.code,
        "lat": "30.45",
        "long": "106.63",
        "description": STREETLIGHT,
        "attribute[publish]": "no",
    }
    data.update(fields)
    return client.post("/open311/v2/requests.json", {k: v for k, v in data.items() if v is not None})


def test_service_definition_and_unknown_service(client: Client, hotline: Hotline) -> None:
    definition = client.get("/open311/v2/services/help.json").json()
    assert [attribute["code"] for attribute in definition["attributes"]] == ["urgency", "publish"]
    missing = client.get("/open311/v2/services/parking.json")
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "没有编码为“parking”的服务。"}]
    assert client.get("/open311/v2/discovery.json").json()["endpoints"][0]["url"].endswith("/open311/v2")


@pytest.mark.parametrize(
    ("fields", "status", "description"),
    [
        ({"api_key": "wrong"}, 403, "提交诉求需要有效的 api_key。"),
        ({"service_code": "parking"}, 404, "没有编码为“parking”的服务。"),
        ({"jurisdiction_id": "999999999999"}, 404, "没有代码为“999999999999”的行政区划。"),
        ({"lat": "north"}, 400, "lat 须为十进制数。"),
        ({"lat": "91"}, 400, "lat 须在 -90 到 90 之间。"),
        ({"long": None}, 400, "lat 和 long 须同时提供或同时不提供。"),
        ({"lat": None, "long": None}, 400, "须提供位置：lat 和 long，或 address_string。"),
        ({"description": ""}, 400, "请至少用5个字描述诉求。"),
        ({"attribute[urgency]": "asap"}, 400, "attribute[urgency] 只能取以下值之一：normal, urgent。"),
        ({"media_url": "ftp://x"}, 400, "media_url 须为 http 或 https 地址。"),
    ],
)
def test_bad_posts_get_specification_errors_and_create_nothing(
    client: Client, hotline: Hotline, api_key: str, fields: dict, status: int, description: str
) -> None:
    response = post(client, api_key, hotline, **fields)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status
    if status != 400 or "描述" not in description:
        assert error["description"] == description
    assert not Ticket.objects.exists()


@override_settings(RATE_LIMITS={**settings.RATE_LIMITS, "open311-per-client": "2/hour"})
def test_posts_are_rate_limited_per_key(client: Client, hotline: Hotline) -> None:
    _app, key = do_create_open311_client(None, name="限流测试")
    assert post(client, key, hotline).status_code == 200
    assert post(client, key, hotline, description="第二条：" + STREETLIGHT).status_code == 200
    limited = post(client, key, hotline, description="第三条：" + STREETLIGHT)
    assert limited.status_code == 429
    assert limited.json()[0]["code"] == 429
    assert Ticket.objects.count() == 2


def test_rotated_and_inactive_keys_stop_working(client: Client, hotline: Hotline, api_key: str) -> None:
    app = Open311Client.objects.get()
    assert len(app.key_hash) == 64 and api_key not in app.key_hash
    new_key = do_rotate_open311_key(None, app)
    assert post(client, api_key, hotline).status_code == 403
    assert post(client, new_key, hotline).status_code == 200
    Open311Client.objects.update(is_active=False)
    assert post(client, new_key, hotline, description="又一条：" + STREETLIGHT).status_code == 403


def test_unpublished_requests_hide_text_and_place_and_filters_work(
    client: Client, hotline: Hotline, api_key: str
) -> None:
    number = post(client, api_key, hotline).json()[0]["service_request_id"]
    [request] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert request["description"] == "" and request["lat"] is None
    assert request["address"] == "广安区"
    assert request["agency_responsible"] == "城市管理局"
    assert request["service_notice"] == "13个工作日内办理。"
    listed = client.get("/open311/v2/requests.json", {"service_code": "complaint", "status": "open"}).json()
    assert [r["service_request_id"] for r in listed] == [number]
    assert client.get("/open311/v2/requests.json", {"status": "closed"}).json() == []
    assert client.get("/open311/v2/requests.json", {"service_code": "help"}).json() == []
    bad = client.get(
        "/open311/v2/requests.json", {"start_date": "2024-01-01T00:00:00Z", "end_date": "2025-01-01"}
    )
    assert bad.status_code == 400 and "90" in bad.json()[0]["description"]
    assert client.get("/open311/v2/requests.json", {"status": "pending"}).status_code == 400
    assert client.get("/open311/v2/requests/GD1.json").status_code == 404
    assert client.get("/open311/v2/requests.xml").json()[0]["code"] == 400


def test_paging(client: Client, hotline: Hotline, api_key: str) -> None:
    numbers = [
        post(client, api_key, hotline, description=f"第{i}条：{STREETLIGHT}").json()[0]["service_request_id"]
        for i in range(3)
    ]
    first = client.get("/open311/v2/requests.json", {"page_size": 2}).json()
    second = client.get("/open311/v2/requests.json", {"page_size": 2, "page": 2}).json()
    assert [r["service_request_id"] for r in first + second] == numbers[::-1]


def test_update_feed_lists_public_steps(client: Client, hotline: Hotline, api_key: str) -> None:
    number = post(client, api_key, hotline, **{"attribute[publish]": "yes"}).json()[0]["service_request_id"]
    updates = client.get("/open311/v2/servicerequestupdates.json").json()
    assert [update["service_request_id"] for update in updates] == [number] * len(updates)
    assert updates and all(update["status"] == "open" for update in updates)
    assert updates[0]["description"]
