"""Granting and revoking roles (岗位授权): who may do it, what is audited, and the pages and API for it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tests.org.conftest import District
from yiwang.accounts.models import User
from yiwang.core.audit import verify_chain
from yiwang.core.models import AuditRecord
from yiwang.org.actions import do_grant_role, do_revoke_role
from yiwang.org.models import Role, StaffRole

Login = Callable[[Client, User], Client]


def test_department_admin_grants_a_role_in_their_department_with_audit(district: District) -> None:
    staff_role = do_grant_role(
        district.market_admin, district.unassigned_staff, district.market, Role.REVIEWER
    )
    assert StaffRole.objects.filter(user=district.unassigned_staff, department=district.market).count() == 1
    record = AuditRecord.objects.get(action="org.role_granted")
    assert record.actor_id == district.market_admin.pk
    assert record.object_id == str(staff_role.pk)
    assert record.changes == {"user": "new-staff", "department": "scjg", "role": "reviewer"}
    assert verify_chain().ok


@pytest.mark.parametrize(
    ("actor", "department", "role"),
    [
        ("market_admin", "health", Role.WINDOW_CLERK),  # another department
        ("market_admin", "operator", Role.PLATFORM_ADMIN),  # only platform admins make platform admins
        ("market_clerk", "market", Role.REVIEWER),  # a clerk is no administrator
        ("citizen", "market", Role.REVIEWER),
    ],
)
def test_grant_is_refused_without_the_right_and_leaves_nothing(
    district: District, actor: str, department: str, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        do_grant_role(
            getattr(district, actor), district.unassigned_staff, getattr(district, department), role
        )
    assert not StaffRole.objects.filter(user=district.unassigned_staff).exists()
    assert not AuditRecord.objects.filter(action__startswith="org.").exists()


def test_platform_admin_grants_anywhere_including_platform_admin(district: District) -> None:
    do_grant_role(district.platform_admin, district.unassigned_staff, district.health, Role.APPROVER)
    do_grant_role(district.platform_admin, district.unassigned_staff, district.operator, Role.PLATFORM_ADMIN)
    assert set(StaffRole.objects.filter(user=district.unassigned_staff).values_list("role", flat=True)) == {
        Role.APPROVER,
        Role.PLATFORM_ADMIN,
    }
    assert AuditRecord.objects.filter(action="org.role_granted").count() == 2


@pytest.mark.parametrize(
    ("grantee", "department", "role", "field", "message"),
    [
        ("citizen", "market", Role.REVIEWER, "username", "工作人员"),
        ("market_clerk", "market", Role.WINDOW_CLERK, "role", "已"),
        ("unassigned_staff", "market", Role.PLATFORM_ADMIN, "role", "平台"),
        ("unassigned_staff", "market", "mayor", "role", "岗位"),
    ],
)
def test_grant_rejects_bad_requests_with_a_chinese_field_message(
    district: District, grantee: str, department: str, role: str, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        do_grant_role(
            district.platform_admin, getattr(district, grantee), getattr(district, department), role
        )
    assert message in raised.value.message_dict[field][0]
    assert not AuditRecord.objects.filter(action__startswith="org.").exists()


def test_department_admin_revokes_with_audit(district: District) -> None:
    staff_role = StaffRole.objects.get(user=district.market_clerk)
    do_revoke_role(district.market_admin, staff_role)
    assert not StaffRole.objects.filter(pk=staff_role.pk).exists()
    record = AuditRecord.objects.get(action="org.role_revoked")
    assert record.changes == {"user": "market-clerk", "department": "scjg", "role": "window_clerk"}


def test_revoke_in_another_department_is_refused(district: District) -> None:
    staff_role = StaffRole.objects.get(user=district.health_clerk)
    with pytest.raises(PermissionDenied):
        do_revoke_role(district.market_admin, staff_role)
    assert StaffRole.objects.filter(pk=staff_role.pk).exists()


def test_the_last_platform_admin_cannot_be_revoked(district: District) -> None:
    staff_role = StaffRole.objects.get(user=district.platform_admin)
    with pytest.raises(ValidationError, match="最后一位平台管理员"):
        do_revoke_role(district.platform_admin, staff_role)
    assert StaffRole.objects.filter(pk=staff_role.pk).exists()


def test_grant_form_on_the_staff_page(
    client: Client, login_verified_staff: Login, district: District
) -> None:
    login_verified_staff(client, district.market_admin)
    url = f"/org/departments/{district.market.code}/staff/"
    page = client.get(url).content.decode()
    assert "授予岗位" in page
    assert 'value="platform_admin"' not in page  # a department admin is not offered what they cannot grant
    response = client.post(url, {"username": "new-staff", "role": Role.REVIEWER}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "新同事" in response.content.decode()
    assert StaffRole.objects.filter(user=district.unassigned_staff, role=Role.REVIEWER).exists()


def test_grant_form_shows_field_errors_in_chinese(
    client: Client, login_verified_staff: Login, district: District
) -> None:
    login_verified_staff(client, district.market_admin)
    url = f"/org/departments/{district.market.code}/staff/"
    response = client.post(url, {"username": "nobody", "role": Role.REVIEWER})
    assert response.status_code == 400
    assert "没有这个登录名的账号" in response.content.decode()
    response = client.post(url, {"username": district.citizen.username, "role": Role.REVIEWER})
    assert "只能为在职的工作人员账号授予岗位" in response.content.decode()
    assert not AuditRecord.objects.filter(action__startswith="org.").exists()


def test_clerk_sees_no_grant_form_and_cannot_post_one(
    client: Client, login_verified_staff: Login, district: District
) -> None:
    login_verified_staff(client, district.market_clerk)
    url = f"/org/departments/{district.market.code}/staff/"
    assert "授予岗位" not in client.get(url).content.decode()
    client.post(url, {"username": "new-staff", "role": Role.REVIEWER})
    assert not StaffRole.objects.filter(user=district.unassigned_staff).exists()


def test_revoke_button(client: Client, login_verified_staff: Login, district: District) -> None:
    login_verified_staff(client, district.market_admin)
    staff_role = StaffRole.objects.get(user=district.market_clerk)
    response = client.post(f"/org/departments/scjg/staff/{staff_role.pk}/revoke/", follow=True)
    assert "不再担任" in response.content.decode()
    assert not StaffRole.objects.filter(pk=staff_role.pk).exists()


def test_revoke_of_another_departments_role_through_this_department_is_404(
    client: Client, login_verified_staff: Login, district: District
) -> None:
    login_verified_staff(client, district.market_admin)
    staff_role = StaffRole.objects.get(user=district.health_clerk)
    response = client.post(f"/org/departments/scjg/staff/{staff_role.pk}/revoke/")
    assert response.status_code == 404
    assert StaffRole.objects.filter(pk=staff_role.pk).exists()


def test_grant_and_revoke_through_the_api(
    client: Client, login_verified_staff: Login, district: District
) -> None:
    login_verified_staff(client, district.market_admin)
    response = client.post(
        "/api/v1/departments/scjg/staff",
        {"username": "new-staff", "role": "reviewer"},
        content_type="application/json",
    )
    assert response.status_code == 201
    role_id = response.json()["id"]
    assert response.json()["role_label"] == "审查"
    assert client.delete(f"/api/v1/departments/scjg/staff/{role_id}").status_code == 204
    assert [record.action for record in AuditRecord.objects.filter(action__startswith="org.")] == [
        "org.role_granted",
        "org.role_revoked",
    ]


def test_api_grant_errors_are_problem_json(
    client: Client, login_verified_staff: Login, district: District
) -> None:
    login_verified_staff(client, district.market_admin)
    response = client.post(
        "/api/v1/departments/wjj/staff",
        {"username": "new-staff", "role": "reviewer"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    response = client.post(
        "/api/v1/departments/scjg/staff",
        {"username": "nobody", "role": "reviewer"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "username"
