"""Security headers: a Content-Security-Policy without inline script, HSTS, SSL redirect and secure cookies when
HTTPS_ONLY is on (by default whenever DEBUG is off), the proxy's SSL header from a setting; bidirectional control
characters removed from published text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import CitizenFactory
from yiwang.core.text import BIDI_CONTROLS, clean_free_text, strip_bidi_controls
from yiwang.hotline_public.mask import mask_personal_data

TEMPLATES = sorted(Path(django_settings.BASE_DIR, "yiwang").glob("*/templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=|<style", re.I)
HTTPS_ON = {
    "HTTPS_ONLY": True,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


def policy(response: Any) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


@pytest.mark.django_db
def test_every_page_carries_a_policy_without_inline_script_or_style() -> None:
    response = Client().get("/")
    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin" and "camera=()" in response["Permissions-Policy"]
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html) and not EVENT_HANDLER.search(html)
    assert '"includeIndicatorStyles": false' in html  # htmx must not inject its own <style>


@pytest.mark.django_db
def test_api_answers_carry_the_policy_too() -> None:
    assert "default-src 'self'" in Client().get("/api/v1/bundles")["Content-Security-Policy"]


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=lambda path: str(path.relative_to(django_settings.BASE_DIR))
)
def test_no_template_has_inline_script_event_handlers_or_inline_styles(template: Path) -> None:
    text = template.read_text()
    assert not INLINE_SCRIPT.search(text), "move the script into a static .js file"
    assert not EVENT_HANDLER.search(text), "attach the handler from a static .js file"
    assert not STYLE_ATTRIBUTE.search(text), "put the style into site.css"
    assert "javascript:" not in text.lower()


@pytest.mark.django_db
def test_https_only_redirects_sends_hsts_and_keeps_cookies_to_https() -> None:
    with override_settings(**HTTPS_ON):
        client = Client()
        plain = client.get("/accounts/login/")
        assert plain.status_code == 301 and plain["Location"].startswith("https://")
        assert client.get("/healthz").status_code in (200, 503)  # the load balancer's check may use http
        secure = client.get("/accounts/login/", secure=True)
        assert secure.status_code == 200
        assert secure["Strict-Transport-Security"] == "max-age=31536000"
        assert secure.cookies["csrftoken"]["secure"]
        user = CitizenFactory()
        client.force_login(user)
        assert client.cookies["sessionid"]["secure"]


@pytest.mark.django_db
def test_the_proxy_ssl_header_is_trusted_only_when_configured() -> None:
    with override_settings(**HTTPS_ON):
        assert Client().get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 301
    with override_settings(**HTTPS_ON, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        assert Client().get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 200


def test_settings_turn_https_on_whenever_debug_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    import yiwang.settings as product_settings

    try:
        monkeypatch.delenv("HTTPS_ONLY", raising=False)
        monkeypatch.setenv("DEBUG", "false")
        monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO=https")
        reloaded = importlib.reload(product_settings)
        assert reloaded.SECURE_SSL_REDIRECT and reloaded.SESSION_COOKIE_SECURE and reloaded.CSRF_COOKIE_SECURE
        assert reloaded.SECURE_HSTS_SECONDS >= 365 * 24 * 3600
        assert reloaded.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
        monkeypatch.setenv("HTTPS_ONLY", "false")  # the local demo over http://127.0.0.1:8000 (make run)
        reloaded = importlib.reload(product_settings)
        assert not reloaded.SECURE_SSL_REDIRECT and not reloaded.SESSION_COOKIE_SECURE
        assert reloaded.SECURE_HSTS_SECONDS == 0
    finally:
        monkeypatch.undo()
        importlib.reload(product_settings)


# --- Bidirectional controls ------------------------------------------------------------------------------------------


def test_bidi_controls_are_removed_from_free_text() -> None:
    assert clean_free_text("  路灯坏了\u202egpj.exe\u202c ") == "路灯坏了gpj.exe"
    assert strip_bidi_controls("\u2066张三\u2069\u200f") == "张三"
    # An override inside a resident ID number must not hide it from the masking of published answers.
    masked = mask_personal_data("我的身份证号 11010119\u202e9001011234")
    assert "110101199001011234" not in masked and "9001011234" not in masked


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_cleaned_text_never_holds_a_bidi_control_and_keeps_everything_else(text: str) -> None:
    cleaned = strip_bidi_controls(text)
    assert not BIDI_CONTROLS.search(cleaned)
    assert cleaned == "".join(char for char in text if not BIDI_CONTROLS.match(char))
