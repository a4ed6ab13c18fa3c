"""The rate-limit service (限流): named rules on the limits library, trusted-proxy client addresses, 429 answers."""

from __future__ import annotations

import ipaddress

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from hypothesis import given
from hypothesis import strategies as st

from yiwang.core import ratelimit
from yiwang.core.errors import RateLimited


def rules(**changes: str) -> dict[str, str]:
    return {**settings.RATE_LIMITS, **{name.replace("_", "-"): spec for name, spec in changes.items()}}


@pytest.fixture
def fresh_counters(db: None) -> None:
    cache.clear()


@pytest.mark.usefixtures("fresh_counters")
@pytest.mark.parametrize("backend", ["database", "locmem"])
def test_a_rule_refuses_past_its_limit_and_says_how_long_to_wait(backend: str) -> None:
    with override_settings(CACHE_BACKEND=backend, RATE_LIMITS=rules(sms_code_per_number="3/hour")):
        ratelimit.clear("sms-code-per-number", "13900000001")
        for _ in range(3):
            ratelimit.hit("sms-code-per-number", "13900000001")
        with pytest.raises(RateLimited) as refused:
            ratelimit.hit("sms-code-per-number", "13900000001")
        assert 3500 <= refused.value.retry_after <= 3600
        assert "发送到该手机号码的验证码过多" in refused.value.message
        assert "分钟后再试" in refused.value.message
        ratelimit.hit("sms-code-per-number", "13900000002")  # another key has its own count
        ratelimit.clear("sms-code-per-number", "13900000001")
        ratelimit.hit("sms-code-per-number", "13900000001")


@pytest.mark.usefixtures("fresh_counters")
@override_settings(RATE_LIMITS=rules(sms_code_per_address="2/minute;3/day"))
def test_every_window_of_a_rule_must_have_room_and_refusals_are_not_counted() -> None:
    for _ in range(2):
        ratelimit.hit("sms-code-per-address", "203.0.113.9")
    for _ in range(5):
        with pytest.raises(RateLimited):
            ratelimit.hit("sms-code-per-address", "203.0.113.9")
    assert ratelimit.remaining("sms-code-per-address", "203.0.113.9") == 0
    ratelimit.clear("sms-code-per-address", "203.0.113.9")
    assert ratelimit.remaining("sms-code-per-address", "203.0.113.9") == 2


@pytest.mark.usefixtures("fresh_counters")
@override_settings(RATE_LIMITS=rules(sms_code_per_number="1/hour", sms_code_per_address=""))
def test_check_counts_nothing_empty_keys_and_switched_off_rules_are_free() -> None:
    ratelimit.check("sms-code-per-number", "13900000001")
    ratelimit.hit("sms-code-per-number", "13900000001")
    with pytest.raises(RateLimited):
        ratelimit.check("sms-code-per-number", "13900000001")
    for _ in range(5):
        ratelimit.hit("sms-code-per-number", "")  # an unknown address cannot be attributed
        ratelimit.hit("sms-code-per-address", "203.0.113.9")  # rule off
    with pytest.raises(KeyError):
        ratelimit.hit("no-such-rule", "x")


# --- Client addresses ---------------------------------------------------------------------------------------


def request_from(peer: str, forwarded: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_x_forwarded_for_is_ignored_from_an_untrusted_peer() -> None:
    assert ratelimit.client_ip(request_from("198.51.100.7", "1.2.3.4")) == "198.51.100.7"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "2001:db8::/32"])
@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("10.0.0.2", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # a claim left of the real hop
        ("10.0.0.2", "198.51.100.7, 10.0.0.3", "198.51.100.7"),  # two trusted proxies
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        ("10.0.0.2", "6.6.6.6, junk, 198.51.100.7", "198.51.100.7"),
        ("2001:db8::1", "[2001:db8:ffff::9]:443, 2400:cb00::7", "2400:cb00::7"),
        ("::ffff:10.0.0.2", "198.51.100.7:51234", "198.51.100.7"),
        ("203.0.113.1", "198.51.100.7", "203.0.113.1"),
    ],
)
def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client(
    peer: str, forwarded: str, client: str
) -> None:
    assert ratelimit.client_ip(request_from(peer, forwarded)) == client


addresses = st.ip_addresses(v=4).map(str)


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
@given(spoofed=st.lists(st.one_of(addresses, st.text(max_size=12)), max_size=5), real=addresses)
def test_nothing_a_client_writes_into_x_forwarded_for_changes_its_address(
    spoofed: list[str], real: str
) -> None:
    if ipaddress.ip_address(real) in ipaddress.ip_network("10.0.0.0/8"):
        return
    forwarded = ", ".join([*[value.replace(",", "") for value in spoofed], real])
    assert ratelimit.client_ip(request_from("10.1.2.3", forwarded)) == real


# --- 429 answers: pages in Chinese, the API as problem+json, both with Retry-After --------------------------


@pytest.mark.usefixtures("fresh_counters")
@override_settings(RATE_LIMITS=rules(licence_verify_per_address="2/minute"))
def test_public_licence_verification_is_limited_per_address_on_pages_and_api() -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    for number in ("JY2511602000001", "JY2511602000002"):
        assert client.get(f"/licences/verify/{number}/").status_code == 200
    page = client.get("/licences/verify/JY2511602000003/")
    assert page.status_code == 429
    assert 0 < int(page["Retry-After"]) <= 60
    body = page.content.decode()
    assert "<h1>请求过于频繁</h1>" in body
    assert "您所在网络核验证照的次数过多" in body

    api = client.get("/api/v1/licences/JY2511602000004/verify")
    assert api.status_code == 429
    assert api["Content-Type"] == "application/problem+json"
    assert 0 < int(api["Retry-After"]) <= 60
    assert api.json()["title"].startswith("请求过于频繁")

    other = Client(REMOTE_ADDR="198.51.100.8")
    assert other.get("/api/v1/licences/JY2511602000004/verify").status_code == 200
