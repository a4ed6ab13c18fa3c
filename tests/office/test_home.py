"""The staff landing page (工作台首页)."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from tests.factories import CitizenFactory, StaffFactory, StaffRoleFactory
from yiwang.accounts.models import User
from yiwang.org.models import Role

Login = Callable[[Client, User], Client]


def test_staff_see_their_departments_and_roles(client: Client, login_verified_staff: Login, db: None) -> None:
    staff_role = StaffRoleFactory(
        role=Role.WINDOW_CLERK, department__name="广安区民政局", department__code="mzj"
    )
    StaffRoleFactory(user=staff_role.user, department=staff_role.department, role=Role.REVIEWER)
    StaffRoleFactory(department__name="广安区卫生健康委员会")  # someone else's department
    login_verified_staff(client, staff_role.user)
    response = client.get("/office/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "我的部门和岗位" in page
    assert "广安区民政局" in page
    assert "窗口受理、审查" in page
    assert "/org/departments/mzj/staff/" in page
    assert "广安区卫生健康委员会" not in page
    assert "待办、已办、即将超期、已超期" in page
    assert "/inbox/" in page


def test_staff_without_roles_are_told_whom_to_ask(
    client: Client, login_verified_staff: Login, db: None
) -> None:
    login_verified_staff(client, StaffFactory())
    assert "请联系部门管理员" in client.get("/office/").content.decode()


def test_citizens_cannot_open_the_workbench(client: Client, db: None) -> None:
    client.force_login(CitizenFactory())
    response = client.get("/office/")
    assert response.status_code == 403
    assert "您无权访问此页面" in response.content.decode()


def test_visitors_and_unverified_staff_are_sent_to_log_in(client: Client, db: None) -> None:
    assert client.get("/office/")["Location"].startswith("/accounts/login/")
    client.force_login(StaffFactory())
    response = client.get("/office/")
    assert response.status_code == 302
