"""Staff pages: the inbox, the case page with exactly the allowed actions, every action through its form, clear
conflicts, and the supervisor view."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases.conftest import World
from tests.factories import CitizenFactory, StaffRoleFactory
from yiwang.accounts.models import User
from yiwang.cases import actions
from yiwang.cases.models import Application, Case, CaseState, Notice
from yiwang.licences.models import Licence
from yiwang.org.models import Role

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Client]


@pytest.fixture
def case(world: World, ready_application: Callable[..., Application]) -> Case:
    (submitted,) = actions.do_submit_application(world.citizen, ready_application())
    return submitted


def act(client: Client, case: Case, action: str, **fields: object) -> object:
    case.refresh_from_db()
    data = {
        f"{action}-version": case.version,
        **{f"{action}-{name}": value for name, value in fields.items()},
    }
    return client.post(reverse("cases:office_action", args=[case.number, action]), data)


def test_inbox_lists_my_departments_cases_by_deadline_for_verified_staff_only(
    world: World, case: Case, login: Login
) -> None:
    page = login(Client(), world.clerk).get(reverse("cases:inbox"))
    assert (
        page.status_code == 200 and case.number in page.content.decode() and "办件箱" in page.content.decode()
    )
    filtered = login(Client(), world.clerk).get(reverse("cases:inbox"), {"state": "review"})
    assert case.number not in filtered.content.decode()
    outsider = StaffRoleFactory(role=Role.WINDOW_CLERK).user
    assert case.number not in login(Client(), outsider).get(reverse("cases:inbox")).content.decode()
    assert login(Client(), outsider).get(reverse("cases:office_case", args=[case.number])).status_code == 404

    citizen = Client()
    citizen.force_login(CitizenFactory())
    assert citizen.get(reverse("cases:inbox")).status_code == 403
    unverified = Client()
    unverified.force_login(world.clerk)
    assert unverified.get(reverse("cases:inbox")).status_code == 302


def test_case_page_offers_exactly_the_allowed_actions(world: World, case: Case, login: Login) -> None:
    clerk_page = (
        login(Client(), world.clerk).get(reverse("cases:office_case", args=[case.number])).content.decode()
    )
    assert "受理" in clerk_page and "不予受理" in clerk_page and "一次性告知补正" in clerk_page
    assert "作出决定" not in clerk_page
    assert "申请书" in clerk_page and reverse("cases:download_file", args=[1]).rsplit("/", 2)[0] in clerk_page
    reviewer_page = login(Client(), world.reviewer).get(reverse("cases:office_case", args=[case.number]))
    assert "您当前对此办件没有可办理的操作" in reviewer_page.content.decode()


def test_whole_lifecycle_through_the_forms(world: World, case: Case, login: Login) -> None:
    clerk = login(Client(), world.clerk)
    refused = act(clerk, case, "refuse", reason="")
    assert refused.status_code == 400 and "这个字段是必填项" in refused.content.decode()

    none_picked = act(clerk, case, "request_correction", note="")
    assert none_picked.status_code == 400 and "请至少勾选一项需要补正的材料" in none_picked.content.decode()
    plan = case.application.materials.get(name="场所平面图")
    no_text = act(clerk, case, "request_correction", **{f"pick_{plan.pk}": "on"})
    assert no_text.status_code == 400 and "请说明该材料需要补正的内容" in no_text.content.decode()
    assert (
        act(
            clerk, case, "request_correction", **{f"pick_{plan.pk}": "on", f"problem_{plan.pk}": "缺比例尺"}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.state == CaseState.CORRECTION
    from tests.cases.conftest import PDF

    actions.do_add_material_file(world.citizen, plan, content=PDF + b"v2", filename="v2.pdf")
    actions.do_resubmit_case(world.citizen, case)

    assert act(clerk, case, "accept").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW

    for reviewer in (world.reviewer, world.co_reviewer):
        response = act(login(Client(), reviewer), case, "opinion", outcome="approve", opinion="符合条件")
        assert response.status_code == 302
    approver = login(Client(), world.approver)
    page = approver.get(reverse("cases:office_case", args=[case.number])).content.decode()
    assert page.count("同意 — 符合条件") == 2  # both departments' opinions
    assert (
        act(approver, case, "decide", decision="grant", reasons="材料齐全，符合法定条件").status_code == 302
    )
    licence = Licence.objects.get(case_reference=case.number)
    assert act(clerk, case, "deliver", method="electronic").status_code == 302
    assert act(clerk, case, "close").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED

    citizen = Client()
    citizen.force_login(world.citizen)
    mine = citizen.get(reverse("cases:case", args=[case.number])).content.decode()
    assert reverse("licences:detail", args=[licence.number]) in mine and "准予行政许可决定书" in mine
    grant = Notice.objects.get(case=case, kind="grant")
    printable = citizen.get(reverse("cases:notice", args=[case.number, grant.number])).content.decode()
    assert licence.number in printable and "行政复议" in printable


def test_a_stale_page_gets_a_clear_conflict(world: World, case: Case, login: Login) -> None:
    clerk = login(Client(), world.clerk)
    stale_version = case.version
    assert act(clerk, case, "accept").status_code == 302
    response = clerk.post(
        reverse("cases:office_action", args=[case.number, "accept"]), {"accept-version": stale_version}
    )
    assert response.status_code == 409
    assert "在您查看期间，其他人已办理了此件" in response.content.decode()


def test_actions_outside_my_role_are_refused(world: World, case: Case, login: Login) -> None:
    response = act(login(Client(), world.reviewer), case, "accept")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert act(login(Client(), world.clerk), case, "no-such-action").status_code == 404


def test_supervisor_sees_queues_and_supervises(world: World, case: Case, login: Login) -> None:
    supervisor = login(Client(), world.supervisor)
    page = supervisor.get(reverse("cases:supervisor")).content.decode()
    assert world.main.name in page and "已收件待受理" in page and "已超过法定期限" in page
    assert act(supervisor, case, "supervise", message="请今日受理").status_code == 302
    assert login(Client(), world.clerk).get(reverse("cases:supervisor")).status_code == 403


@pytest.fixture
def login(login_verified_staff: Login) -> Login:
    return login_verified_staff
