"""Supervisors look into accesses that citizens flagged as suspicious and close them with a finding (调查结论)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tests.factories import StaffRoleFactory
from tests.registries.conftest import BASES, District
from yiwang.accounts.models import User
from yiwang.core.errors import ActionConflict
from yiwang.core.models import AuditRecord
from yiwang.notify.models import Notification
from yiwang.org.models import Role
from yiwang.registries import exchange
from yiwang.registries.actions import do_close_supervision_item, do_flag_access
from yiwang.registries.models import SupervisionItem, SupervisionStatus

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Client]
PAGE = "/registries/office/supervision/"


@pytest.fixture
def flagged(district: District) -> SupervisionItem:
    """民政局's clerk read the citizen's marital status; the citizen reported it as suspicious."""
    result = exchange.query(consumer=district.civil_affairs, actor=district.clerk, service_name="人口.婚姻状况",
                            subject=district.citizen.resident_id, purpose="case_handling",
                            legal_basis_code=BASES["人口.婚姻状况"], case_reference="YW42")  # fmt: skip
    return do_flag_access(district.citizen, result.request_id, reason="我从未在民政局办理业务")


def _close_url(item: SupervisionItem) -> str:
    return f"{PAGE}{item.pk}/close/"


def _citizen_notices(district: District) -> list[Notification]:
    """The messages telling the citizen a finding (not those telling her of the read itself)."""
    return list(
        Notification.objects.filter(recipient=district.citizen, template__key="registries-supervision-closed")
    )


def test_supervisor_sees_the_report_and_closes_it(
    district: District, flagged: SupervisionItem, login_verified_staff: Login
) -> None:
    client = login_verified_staff(Client(), district.civil_supervisor)
    page = client.get(PAGE).content.decode()
    assert "可疑数据访问举报" in page and "人口.婚姻状况" in page and "我从未在民政局办理业务" in page
    assert district.clerk.real_name in page and "YW42" in page
    resident_id = district.citizen.resident_id
    assert resident_id not in page and f"{resident_id[:6]}********{resident_id[-4:]}" in page
    assert district.citizen.real_name not in page

    response = client.post(
        _close_url(flagged), {"finding": "经核查，系工作人员录入身份证号错误，已批评教育。"}
    )
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.status == SupervisionStatus.CLOSED and flagged.closed_by == district.civil_supervisor
    assert (
        flagged.finding == "经核查，系工作人员录入身份证号错误，已批评教育。"
        and flagged.closed_at is not None
    )
    (notice,) = _citizen_notices(district)
    assert "录入身份证号错误" in notice.body and district.civil_affairs.name in notice.body
    audit = AuditRecord.objects.get(action="registries.supervision_closed")
    assert audit.actor_id == district.civil_supervisor.pk and audit.object_id == str(flagged.pk)

    closed_page = client.get(PAGE).content.decode()
    assert "录入身份证号错误" in closed_page and "暂无待处理的举报" in closed_page
    citizen = Client()
    citizen.force_login(district.citizen)
    tracker = citizen.get("/registries/me/data-access/").content.decode()
    assert "已办结" in tracker and "录入身份证号错误" in tracker


def test_department_admin_and_platform_admin_see_the_report(
    district: District, flagged: SupervisionItem, login_verified_staff: Login
) -> None:
    department_admin = StaffRoleFactory(department=district.civil_affairs, role=Role.DEPARTMENT_ADMIN).user
    platform_admin = StaffRoleFactory(department=district.operator, role=Role.PLATFORM_ADMIN).user
    for user in (department_admin, platform_admin):
        assert "我从未在民政局办理业务" in login_verified_staff(Client(), user).get(PAGE).content.decode()


def test_other_departments_and_other_roles_cannot_see_or_close_it(
    district: District, flagged: SupervisionItem, login_verified_staff: Login
) -> None:
    other_supervisor = StaffRoleFactory(department=district.transport, role=Role.SUPERVISOR).user
    client = login_verified_staff(Client(), other_supervisor)
    assert "我从未在民政局办理业务" not in client.get(PAGE).content.decode()
    assert client.post(_close_url(flagged), {"finding": "无问题"}).status_code == 404
    with pytest.raises(PermissionDenied):
        do_close_supervision_item(other_supervisor, flagged, "无问题")
    assert login_verified_staff(Client(), district.clerk).get(PAGE).status_code == 403
    citizen = Client()
    citizen.force_login(district.citizen)
    assert citizen.get(PAGE).status_code == 403
    flagged.refresh_from_db()
    assert flagged.status == SupervisionStatus.OPEN and not _citizen_notices(district)


def test_closing_twice_is_a_conflict(
    district: District, flagged: SupervisionItem, login_verified_staff: Login
) -> None:
    do_close_supervision_item(district.civil_supervisor, flagged, "属正常业务查询。")
    with pytest.raises(ActionConflict):
        do_close_supervision_item(district.civil_supervisor, flagged, "另一个结论")
    client = login_verified_staff(Client(), district.civil_supervisor)
    response = client.post(_close_url(flagged), {"finding": "另一个结论"}, follow=True)
    assert "该举报已经办结" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.finding == "属正常业务查询。" and len(_citizen_notices(district)) == 1


def test_empty_finding_is_a_field_error_and_changes_nothing(
    district: District, flagged: SupervisionItem, login_verified_staff: Login
) -> None:
    client = login_verified_staff(Client(), district.civil_supervisor)
    response = client.post(_close_url(flagged), {"finding": "   "})
    assert response.status_code == 200 and "请写明调查结论" in response.content.decode()
    with pytest.raises(ValidationError) as error:
        do_close_supervision_item(district.civil_supervisor, flagged, "")
    assert "finding" in error.value.message_dict
    flagged.refresh_from_db()
    assert flagged.status == SupervisionStatus.OPEN and flagged.finding == "" and flagged.closed_by is None
    assert not _citizen_notices(district)
    assert not AuditRecord.objects.filter(action="registries.supervision_closed").exists()
