"""Journey: a visitor verifies an e-licence by its number, then opens a tampered copy's QR address."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from tests.factories import CompanyFactory, DepartmentFactory, LicenceTypeFactory
from yiwang.licences.actions import do_issue_licence
from yiwang.licences.models import HolderKind
from yiwang.licences.queries import verification_url
from yiwang.licences.signer import b64url_decode, b64url_encode

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_verifies_a_licence_and_spots_a_tampered_copy(
    live_server: LiveServer, page: Page, settings: Settings, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path  # the issuing department's signing key is made here
    company = CompanyFactory(name="广安区味道餐饮有限公司")
    licence = do_issue_licence(
        None,
        licence_type=LicenceTypeFactory(name="食品经营许可证", number_prefix="JY2511602"),
        department=DepartmentFactory(code="scjg", name="广安区市场监督管理局"),
        holder_kind=HolderKind.COMPANY,
        holder_name=company.name,
        holder_identifier=company.uscc,
        valid_from=dt.date(2026, 3, 2),
        valid_until=dt.date(2031, 3, 1),
        details={"经营项目": "热食类食品制售", "经营场所": "广安区建设路18号"},
    )

    page.goto(live_server.url + reverse("licences:verify"))
    page.get_by_label("证照编号").fill(licence.number)
    page.get_by_role("button", name="核验").click()

    expect(page.get_by_role("status")).to_have_text("有效")
    expect(page.get_by_text("证照真实有效，有效期至")).to_be_visible()
    expect(page.get_by_text("广安区味道餐饮有限公司")).to_be_visible()

    qr_address = urlsplit(verification_url(licence))
    query = {name: values[0] for name, values in parse_qs(qr_address.query).items()}
    copy = json.loads(b64url_decode(query["p"]))
    copy["valid_until"] = "2041-03-01"
    tampered = {**query, "p": b64url_encode(json.dumps(copy, ensure_ascii=False).encode())}
    page.goto(f"{live_server.url}{qr_address.path}?{urlencode(tampered)}")

    expect(page.get_by_role("status")).to_have_text("非真实证照")
    expect(page.get_by_text("证照内容与电子签章不符，已被篡改。")).to_be_visible()
