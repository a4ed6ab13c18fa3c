"""Journey (issue 10, the right subject): a father of two children born recently applies to 新生儿出生一件事. The
form names the child the registry found (masked) with the number of the child's own birth certificate — never the
father's — lets him choose the other child without JavaScript, and lists no material both fetched and asked for
as an upload."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.cases.newborn import newborn_bundle, parent_of_newborn
from tests.cases.test_once_only import newborn_of, second_child
from tests.e2e.pages import log_in
from tests.e2e.test_once_only import material_item
from tests.registries.conftest import District, _private_key_directory, district  # noqa: F401
from yiwang.cases.models import Application, MaterialStatus
from yiwang.core.legaltime import clear_calendar_cache
from yiwang.core.legaltime.schedule import seed_from_chinese_calendar
from yiwang.core.masking import masked_name

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def upload_labels(page: Page) -> set[str]:
    """The names of the materials the form asks to upload (one file input each)."""
    return {
        (item.get_by_role("heading").first.text_content() or "").split()[0]
        for item in page.locator("li.material").filter(has=page.locator("input[type=file]")).all()
    }


def fetched_names(page: Page) -> set[str]:
    return {
        (item.get_by_role("heading").first.text_content() or "").split()[0]
        for item in page.locator("li.material").filter(has_text="共享获取").all()
    }


def test_the_newborn_journey_shows_the_childs_certificate_and_lets_the_parent_choose(
    live_server: LiveServer,
    page: Page,
    district: District,  # noqa: F811
    browser_context_args: dict[str, Any],
) -> None:
    seed_from_chinese_calendar()
    clear_calendar_cache()
    newborn_bundle()
    father = parent_of_newborn()
    older, twin = newborn_of(father), second_child(father)
    base = live_server.url

    log_in(page, base, father.username)
    page.goto(base + reverse("cases:start_bundle", args=["newborn"]))
    page.get_by_role("button", name="开始申请").click()

    # The child found: the youngest (the twin's certificate comes later), masked, with its own certificate.
    panel = page.locator("section").filter(has=page.get_by_role("heading", name="本申请办理的孩子"))
    expect(panel).to_contain_text(twin.certificate_number)
    expect(panel).to_contain_text(masked_name(twin.child.name))
    expect(panel).not_to_contain_text(father.real_name)
    certificate = material_item(page, "出生医学证明")
    expect(certificate).to_contain_text("免提交")
    expect(certificate.locator("input[type=file]")).to_have_count(0)
    # One row for the certificate both items need; nothing fetched is also asked for.
    expect(page.get_by_role("heading", name=re.compile(r"^新生儿出生医学证明\s"))).to_have_count(0)
    assert fetched_names(page) and not fetched_names(page) & upload_labels(page)

    # Two recent children: the parent chooses the other one (a plain form, no JavaScript needed).
    page.get_by_label(re.compile(re.escape(older.certificate_number))).check()
    page.get_by_role("button", name="为这个孩子申请").click()
    expect(page.get_by_text("申请已改为您选择的孩子")).to_be_visible()
    panel = page.locator("section").filter(has=page.get_by_role("heading", name="本申请办理的孩子"))
    expect(panel).to_contain_text(older.certificate_number)
    expect(material_item(page, "出生医学证明")).to_contain_text("免提交")
    assert not fetched_names(page) & upload_labels(page)

    application = Application.objects.get(applicant=father)
    fetched = application.materials.get(name="出生医学证明")
    assert fetched.status == MaterialStatus.SHARED
    (lookup,) = fetched.lookups.all()
    assert lookup.subject == older.child_id and lookup.subject != father.resident_id
    assert lookup.fields["births"][0]["certificate_number"] == older.certificate_number
