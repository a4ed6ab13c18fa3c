"""The SMS gateway interface (短信网关): selection by setting, the demo outbox gateway and the HTTP gateway."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from tests.notify.fakes import RecordingSmsGateway
from yiwang.notify.sms import (
    HttpSmsGateway,
    OutboxSmsGateway,
    SmsGatewayError,
    get_sms_gateway,
    outbox_gateway_active,
)


class _Provider(BaseHTTPRequestHandler):
    """A stand-in SMS provider: records each request and answers with the configured status and body."""

    requests: list[dict[str, Any]] = []
    status = 200
    answer = b'{"id": "prov-42"}'

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Provider.requests.append(
            {"headers": dict(self.headers), "body": json.loads(self.rfile.read(length)), "path": self.path}
        )
        self.send_response(_Provider.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(_Provider.answer)

    def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
        pass


@pytest.fixture
def provider(settings: Settings) -> Iterator[type[_Provider]]:
    server = HTTPServer(("127.0.0.1", 0), _Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Provider.requests, _Provider.status, _Provider.answer = [], 200, b'{"id": "prov-42"}'
    settings.SMS_GATEWAY = "yiwang.notify.sms.HttpSmsGateway"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/v1/sms"
    settings.SMS_GATEWAY_KEY = "key-123"
    settings.SMS_SIGN_NAME = "一网"
    yield _Provider
    server.shutdown()
    server.server_close()


def test_http_gateway_posts_json_with_the_bearer_key(provider: type[_Provider]) -> None:
    reference = get_sms_gateway().send("13800138000", "【一网】验证码123456", "abc123")
    assert reference == "prov-42"
    [request] = provider.requests
    assert request["path"] == "/v1/sms"
    assert request["headers"]["Authorization"] == "Bearer key-123"
    assert request["body"] == {
        "phone": "13800138000",
        "text": "【一网】验证码123456",
        "reference": "abc123",
        "sign_name": "一网",
    }


def test_http_gateway_without_a_provider_id_keeps_our_reference(provider: type[_Provider]) -> None:
    provider.answer = b""
    assert HttpSmsGateway().send("13800138000", "text", "abc123") == "abc123"


@pytest.mark.parametrize("status", [400, 401, 500, 503])
def test_http_gateway_raises_on_an_error_answer(provider: type[_Provider], status: int) -> None:
    provider.status = status
    provider.answer = b'{"error": "nope"}'
    with pytest.raises(SmsGatewayError, match=f"HTTP {status}"):
        HttpSmsGateway().send("13800138000", "text", "abc123")


def test_http_gateway_raises_when_the_provider_is_unreachable(settings: Settings) -> None:
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/unreachable"
    settings.SMS_GATEWAY_TIMEOUT = 2
    with pytest.raises(SmsGatewayError, match="unreachable"):
        HttpSmsGateway().send("13800138000", "text", "abc123")


def test_http_gateway_refuses_a_non_http_url(settings: Settings) -> None:
    settings.SMS_GATEWAY_URL = "file:///etc/passwd"
    with pytest.raises(SmsGatewayError):
        HttpSmsGateway()


def test_setting_selects_the_gateway(settings: Settings) -> None:
    settings.SMS_GATEWAY = "yiwang.notify.sms.OutboxSmsGateway"
    assert isinstance(get_sms_gateway(), OutboxSmsGateway)
    assert outbox_gateway_active()
    settings.SMS_GATEWAY = "tests.notify.fakes.RecordingSmsGateway"
    assert isinstance(get_sms_gateway(), RecordingSmsGateway)
    assert not outbox_gateway_active()


def test_a_setting_naming_something_else_is_refused(settings: Settings) -> None:
    settings.SMS_GATEWAY = "yiwang.notify.rendering.render_message"
    with pytest.raises(TypeError):
        get_sms_gateway()


def test_outbox_gateway_keeps_the_message_and_marks_its_reference() -> None:
    assert OutboxSmsGateway().send("13800138000", "text", "abc123") == "outbox:abc123"
