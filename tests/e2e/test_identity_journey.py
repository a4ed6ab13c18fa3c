"""Journeys (issue 10, Must show): L2 verification from the portal, and an L3 verification at a village station.

Both run against a small population registry (the demo citizens first) and the demo carrier check, which knows
the demo citizens' mobile numbers.

* 张敏 registered herself (L1: she only claims her resident ID number). From the portal she opens 实名核验; the
  population registry confirms her name and number, the carrier that her number is hers; she is verified (L2).
  An impostor who had registered earlier claiming her number loses the claim and is told why.
* 唐桂兰, 76, registered with her grandson's phone: the carrier does not confirm the number as hers, so the page
  sends her to a window or station. The clerk of her village service station checks her ID card and records the
  verification (L3): who, where, with which document. She then sees L3 in her account.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.pages import PASSWORD, log_in
from tests.factories import DepartmentFactory, StaffFactory, StaffRoleFactory, UnverifiedCitizenFactory
from tests.registries.conftest import District, _private_key_directory, district  # noqa: F401
from yiwang.accounts.models import AssuranceLevel, IdentityDocument, IdentityVerification, User
from yiwang.core.models import AuditRecord
from yiwang.demo import identities
from yiwang.notify.models import Channel, Notification
from yiwang.org.models import Division, Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ZHANG_MIN = 2  # demo citizen 张敏: her registered number is hers according to the demo carrier
TANG_GUILAN = 24  # demo citizen 唐桂兰, born 1950


def self_registered(index: int, phone: str) -> User:
    """A self-registered (L1) account of demo citizen ``index``: it only claims the resident ID number."""
    return UnverifiedCitizenFactory(
        phone=phone,
        real_name=identities.citizen_name(index),
        claimed_resident_id=identities.resident_id(index),
    )


def test_a_self_registered_citizen_verifies_her_identity_from_the_portal(
    live_server: LiveServer,
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    district: District,  # noqa: F811
) -> None:
    resident_id = identities.resident_id(ZHANG_MIN)
    squatter = UnverifiedCitizenFactory(real_name="冒名者", claimed_resident_id=resident_id)
    citizen = self_registered(ZHANG_MIN, identities.citizen_phone(ZHANG_MIN))
    base = live_server.url

    log_in(page, base, citizen.username)
    expect(page).to_have_url(base + reverse("portal:home"))
    page.get_by_role("link", name="实名核验").click()
    expect(page.get_by_role("heading", name="实名核验")).to_be_visible()
    expect(page.get_by_text("不会调取或显示政府掌握的您的任何数据").first).to_be_visible()
    # The form starts with what she gave at registration; a wrong name is refused by the registry, clearly.
    expect(page.get_by_label("公民身份号码")).to_have_value(resident_id)
    page.get_by_label("真实姓名").fill("张明")
    page.get_by_role("button", name="核验", exact=True).click()
    expect(page.get_by_text("人口库不能确认该姓名与公民身份号码")).to_be_visible()
    citizen.refresh_from_db()
    assert citizen.resident_id is None and citizen.assurance_level == AssuranceLevel.L1

    page.get_by_label("真实姓名").fill(identities.citizen_name(ZHANG_MIN))
    page.get_by_role("button", name="核验", exact=True).click()
    expect(page.get_by_text("您的身份已核验，现在可以为您调取共享数据。")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="您的身份已核验：L2 人口库核验")).to_be_visible()
    citizen.refresh_from_db()
    assert citizen.resident_id == resident_id and citizen.claimed_resident_id == ""
    assert citizen.assurance_level == AssuranceLevel.L2 and citizen.phone_verified_at is not None
    record = IdentityVerification.objects.get(user=citizen)
    assert (record.level, record.method, record.verified_by) == (2, "population_registry", None)

    # The earlier claim of her number no longer blocks her: the impostor lost it and was told why.
    squatter.refresh_from_db()
    assert squatter.claimed_resident_id == "" and squatter.resident_id is None
    assert Notification.objects.filter(recipient=squatter, channel=Channel.INBOX).exists()

    # Back on the portal, her account card says she is verified and leads to who acts for her.
    page.goto(base + reverse("portal:home"))
    expect(page.get_by_text("您的身份已核验。可查看核验方式和时间")).to_be_visible()
    page.get_by_role("link", name="我被代办的事项").click()
    expect(page.get_by_text("没有人为您代办事项。")).to_be_visible()


def test_a_station_clerk_verifies_an_elderly_citizen_in_person(
    live_server: LiveServer,
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    district: District,  # noqa: F811
) -> None:
    village = Division.objects.get(code="511602001001")  # 南门社区
    station = DepartmentFactory(code="station-nanmen", name="南门社区便民服务站", division=village)
    clerk = StaffFactory(username="wu.station", real_name="吴站员")
    clerk.set_password(PASSWORD)
    clerk.save()
    StaffRoleFactory(user=clerk, department=station, role=Role.STATION_CLERK)
    device = TOTPDevice.objects.create(user=clerk, name="authenticator", confirmed=True)
    grandsons_phone = "13600000024"  # not hers at the carrier
    elder = self_registered(TANG_GUILAN, grandsons_phone)
    name, resident_id = identities.citizen_name(TANG_GUILAN), identities.resident_id(TANG_GUILAN)
    base = live_server.url

    # Online, the carrier does not confirm the number as hers: the page says where to go instead.
    elder_page = browser.new_context(**browser_context_args).new_page()
    log_in(elder_page, base, elder.username)
    elder_page.goto(base + reverse("accounts:verify_identity"))
    elder_page.get_by_role("button", name="核验", exact=True).click()
    expect(elder_page.get_by_text("运营商不能确认该号码登记在您名下")).to_be_visible()
    expect(elder_page.get_by_text("到政务服务窗口或村（社区）便民服务站").first).to_be_visible()
    elder.refresh_from_db()
    assert elder.assurance_level == AssuranceLevel.L1

    # The station clerk, logged in with the authenticator, records the check of her ID card.
    log_in(page, base, clerk.username, device)
    page.get_by_role("link", name="现场实名核验").click()
    expect(page.get_by_role("heading", name="现场实名核验")).to_be_visible()
    page.get_by_label("群众的手机号码（登录名）").fill(grandsons_phone)
    page.get_by_label("证件上的姓名").fill(name)
    page.get_by_label("证件上的公民身份号码").fill(resident_id)
    page.get_by_label("居民身份证", exact=True).check()
    expect(page.get_by_label("南门社区便民服务站")).to_be_checked()
    page.get_by_role("button", name="记录核验结果").click()
    expect(page.get_by_text(f"{name}已完成现场核验（三级）。")).to_be_visible()

    elder.refresh_from_db()
    assert elder.assurance_level == AssuranceLevel.L3 and elder.resident_id == resident_id
    record = IdentityVerification.objects.get(user=elder)
    assert (record.level, record.method) == (3, "in_person")
    assert (record.verified_by, record.place, record.document) == (
        clerk,
        station,
        IdentityDocument.RESIDENT_ID_CARD,
    )
    assert AuditRecord.objects.filter(
        action="accounts.identity_verified", actor_id=clerk.pk, object_id=str(elder.pk)
    ).exists()

    # She sees it in her account: verified in person, where.
    elder_page.goto(base + reverse("accounts:verify_identity"))
    expect(elder_page.get_by_role("status").filter(has_text="您的身份已核验：L3 现场核验")).to_be_visible()
    expect(elder_page.get_by_text("南门社区便民服务站")).to_be_visible()
