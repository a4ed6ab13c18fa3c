"""The portal home page in both languages."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_home_page_speaks_chinese_by_default(client: Client) -> None:
    page = client.get("/").content.decode()
    assert "一网通办，办事只跑一次" in page
    assert "跳到主要内容" in page  # skip link for keyboard and screen-reader users


@pytest.mark.django_db
def test_english_switch_translates_the_page_and_back(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "Do government business once, in one place" in page
    assert 'lang="en"' in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "一网通办，办事只跑一次" in client.get("/").content.decode()


@pytest.mark.django_db
def test_page_works_without_javascript_forms_carry_csrf(client: Client) -> None:
    page = client.get("/").content.decode()
    # The language switch is a plain form post, usable without JavaScript.
    assert 'action="/i18n/setlang/"' in page
    assert "csrfmiddlewaretoken" in page
