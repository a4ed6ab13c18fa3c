"""Journey (issue 10, Must show): a village agent's delegation confirmed on the citizen's own phone.

赵斌, the village agent (代办员) of 南门社区, applies to 最低生活保障 for 吴雪梅, 76, who lives alone. He types her
name and resident ID number — never a phone number. Nothing about her is fetched until she confirms. The
confirmation code goes to the mobile number of her own verified account (read here from the demo SMS outbox), not
to his; he types it in, and only then is her household record fetched — and she is told. She logs in, finds the
delegation under 我被代办的事项 and ends it; his draft then says so.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.pages import log_in
from tests.factories import CitizenFactory, ServiceItemFactory
from tests.registries.conftest import District, _private_key_directory, district  # noqa: F401
from yiwang.accounts.models import User
from yiwang.cases.models import Application, SharedLookup
from yiwang.catalog.models import GuideVersion, ServiceItem
from yiwang.core.models import AuditRecord
from yiwang.demo import identities
from yiwang.notify.models import Channel, Notification

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AGENT = 7  # demo citizen 赵斌, the village agent
ELDER = 8  # demo citizen 吴雪梅, born 1950, a household of one
HOUSEHOLD_BOOKLET = "居民户口簿"


def minimum_living_allowance(district: District) -> ServiceItem:  # noqa: F811
    """最低生活保障 of 区民政局: the household booklet comes from the population registry under the legal basis
    listed for 民政局 (《社会救助暂行办法》第十一条)."""
    item = ServiceItemFactory(department=district.civil_affairs, name="最低生活保障审核确认")
    GuideVersion.objects.create(
        item=item,
        number=1,
        status="published",
        content={
            "department": district.civil_affairs.code,
            "co_departments": [],
            "legal_basis": [{"law": "《社会救助暂行办法》", "article": "第十一条"}],
            "materials": [
                {"name": "最低生活保障申请书", "source": "applicant", "necessity": "required", "notes": ""},
                {
                    "name": HOUSEHOLD_BOOKLET,
                    "source": "shared",
                    "necessity": "required",
                    "data_service": "人口.户籍信息",
                    "subject": "applicant",
                },
            ],
            "legal_limit_days": 30,
            "promised_limit_days": 20,
            "result": {"name": "最低生活保障审核确认", "licence_type": "", "delivery": ["electronic"]},
        },
    )
    return item


def demo_citizen(index: int) -> User:
    """Demo citizen ``index`` with a verified account (L2) on their own number, confirmed by the carrier today."""
    return CitizenFactory(
        phone=identities.citizen_phone(index),
        username=identities.citizen_phone(index),
        real_name=identities.citizen_name(index),
        resident_id=identities.resident_id(index),
    )


def code_in_outbox(page: Page, base: str, phone: str) -> str:
    """The delegation code texted to ``phone``, read from the demo SMS outbox."""
    page.goto(base + reverse("notify:outbox"))
    row = page.get_by_role("row").filter(has_text=phone).filter(has_text="代办").first
    match = re.search(r"确认码(\d{6})", row.inner_text())
    assert match, row.inner_text()
    return match.group(1)


def test_a_village_agents_delegation_is_confirmed_on_the_citizens_own_phone_and_ended_by_her(
    live_server: LiveServer,
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    district: District,  # noqa: F811
) -> None:
    item = minimum_living_allowance(district)
    agent, elder = demo_citizen(AGENT), demo_citizen(ELDER)
    assert agent.phone and elder.phone
    base = live_server.url

    # The agent names the citizen: her name and resident ID number, no phone.
    log_in(page, base, agent.username)
    page.goto(base + reverse("cases:start_item", args=[item.implementation_code]))
    page.get_by_label("我代办的群众（代办员）").check()
    page.get_by_label("群众姓名").fill(elder.real_name)
    page.get_by_label("群众公民身份号码").fill(elder.resident_id or "")
    page.get_by_role("button", name="开始申请").click()
    application = Application.objects.get(applicant=agent)
    assert application.citizen_resident_id == elder.resident_id
    delegation = page.get_by_role("region", name="群众确认")
    expect(delegation).to_contain_text(f"申请编号{application.pk}")
    # Nothing about her is fetched or shown before she confirms.
    assert not SharedLookup.objects.filter(application=application).exists()
    expect(page.locator(".registry-record")).to_have_count(0)

    # The code goes to her own verified number only.
    delegation.get_by_role("button", name="向群众发送验证码").click()
    expect(page.get_by_text("确认码已发送到群众本人实名账户的手机号码。")).to_be_visible()
    outbox = page.context.new_page()
    code = code_in_outbox(outbox, base, elder.phone)
    expect(outbox.get_by_role("row").filter(has_text=agent.phone)).to_have_count(0)
    outbox.close()
    assert not Notification.objects.filter(channel=Channel.SMS, to_address=agent.phone).exists()
    assert not Notification.objects.filter(channel=Channel.SMS, recipient=agent).exists()

    # A wrong code is refused; hers confirms, and only now is her household record fetched, for this case.
    delegation = page.get_by_role("region", name="群众确认")
    delegation.get_by_label("确认验证码").fill("000000" if code != "000000" else "111111")
    delegation.get_by_role("button", name="确认", exact=True).click()
    expect(page.get_by_text("确认码不正确").first).to_be_visible()
    assert not SharedLookup.objects.filter(application=application).exists()
    delegation = page.get_by_role("region", name="群众确认")
    delegation.get_by_label("确认验证码").fill(code)
    delegation.get_by_role("button", name="确认", exact=True).click()
    expect(page.get_by_text("群众已确认由您代办。")).to_be_visible()
    expect(page.get_by_text(f"{elder.real_name}已于")).to_be_visible()
    household = SharedLookup.objects.get(
        application=application, data_service="人口.户籍信息", subject=elder.resident_id
    )
    assert household.outcome == "ok"
    expect(page.locator(".registry-record")).to_contain_text(household.fields["household_number"])
    booklet = page.locator("li.material").filter(has=page.get_by_role("heading", name=HOUSEHOLD_BOOKLET))
    expect(booklet).to_contain_text("免提交")
    expect(booklet.locator("input[type=file]")).to_have_count(0)
    application.refresh_from_db()
    assert application.delegation_method == "code"
    assert AuditRecord.objects.filter(action="cases.delegation_confirm", actor_id=agent.pk).exists()
    # Still nothing was texted to the agent.
    assert not Notification.objects.filter(channel=Channel.SMS, to_address=agent.phone).exists()

    # She was told of the delegation, of her confirmation and of the read made for it.
    told = set(
        Notification.objects.filter(recipient=elder, channel=Channel.INBOX).values_list(
            "template__key", flat=True
        )
    )
    assert {"case-delegation-started", "case-delegation-confirmed", "case-delegation-reads"} <= told

    # She logs in, finds the delegation from the portal and ends it.
    elder_page = browser.new_context(**browser_context_args).new_page()
    log_in(elder_page, base, elder.username)
    elder_page.get_by_role("link", name="我被代办的事项").click()
    entry = elder_page.locator("li.card").filter(has_text=f"申请编号{application.pk}")
    expect(entry).to_contain_text(agent.real_name)
    expect(entry).to_contain_text("本人实名手机确认码")
    entry.get_by_role("button", name="终止代办").click()
    expect(elder_page.get_by_text("代办已终止，不会再为此调取数据。")).to_be_visible()
    expect(elder_page.locator("li.card").filter(has_text=f"申请编号{application.pk}")).to_contain_text(
        "您已终止此次代办。"
    )
    application.refresh_from_db()
    assert application.delegation_ended_at is not None
    assert AuditRecord.objects.filter(action="cases.delegation_end", actor_id=elder.pk).exists()

    # The agent's draft says she ended it, and he is told.
    page.reload()
    expect(page.get_by_role("region", name="群众确认")).to_contain_text(f"{elder.real_name}已终止此次代办。")
    assert Notification.objects.filter(
        recipient=agent, channel=Channel.INBOX, template__key="case-delegation-ended"
    ).exists()
