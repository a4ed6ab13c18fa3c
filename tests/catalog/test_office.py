"""Back-office pages and workflow API (指南管理): department admins edit, reviewers decide, errors per element."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.test import Client

from tests.catalog.conftest import guide_for, staff_with
from tests.factories import DepartmentFactory
from yiwang.accounts.models import User
from yiwang.catalog import actions
from yiwang.catalog.models import ServiceItem
from yiwang.org.models import Role

Login = Callable[[Client, User], Client]


def test_admin_sees_own_items_and_saves_a_draft(
    client: Client, login_verified_staff: Login, item: ServiceItem, admin_user: User
) -> None:
    login_verified_staff(client, admin_user)

    listing = client.get("/services/office/").content.decode()
    response = client.post(
        f"/services/office/items/{item.implementation_code}/",
        {"content": json.dumps(guide_for(item), ensure_ascii=False), "change_note": "首次编写"},
    )

    assert "食品经营许可核发" in listing and "暂无指南" in listing
    draft = item.guide_versions.get()
    assert response.status_code == 302 and response["Location"] == f"/services/office/versions/{draft.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "未发现问题" in page and "提交审核" in page


def test_edit_form_shows_errors_per_element(
    client: Client, login_verified_staff: Login, item: ServiceItem, admin_user: User
) -> None:
    login_verified_staff(client, admin_user)

    broken = client.post(
        f"/services/office/items/{item.implementation_code}/",
        {
            "content": json.dumps(
                guide_for(item, online_depth=9, materials=[{"name": "申请书", "source": "mail"}])
            )
        },
    )
    not_json = client.post(f"/services/office/items/{item.implementation_code}/", {"content": "{不是 JSON"})

    assert broken.status_code == 400
    text = broken.content.decode()
    assert "online_depth：不能大于 4。" in text and "materials.0.source：取值须为以下之一" in text
    assert "不是有效的 JSON（第1行第2列）" in not_json.content.decode()
    assert not item.guide_versions.exists()


def test_reviewer_publishes_from_the_page_and_refusal_lists_problems(
    client: Client, login_verified_staff: Login, item: ServiceItem, admin_user: User, reviewer: User
) -> None:
    draft = actions.do_submit_guide(admin_user, actions.do_save_draft(admin_user, item, guide_for(item)))
    login_verified_staff(client, reviewer)

    assert "食品经营许可核发" in client.get("/services/office/").content.decode()  # in the review queue
    response = client.post(f"/services/office/versions/{draft.pk}/publish/", follow=True)

    assert "指南已发布" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "published"


def test_reject_from_the_page_needs_a_reason(
    client: Client, login_verified_staff: Login, item: ServiceItem, admin_user: User, reviewer: User
) -> None:
    draft = actions.do_submit_guide(admin_user, actions.do_save_draft(admin_user, item, guide_for(item)))
    login_verified_staff(client, reviewer)

    empty = client.post(f"/services/office/versions/{draft.pk}/reject/", {"reason": ""})
    done = client.post(
        f"/services/office/versions/{draft.pk}/reject/", {"reason": "咨询电话有误"}, follow=True
    )

    assert empty.status_code == 400 and "这个字段是必填项" in empty.content.decode()
    assert "指南已退回编辑人" in done.content.decode()


def test_other_departments_staff_get_403(
    client: Client, login_verified_staff: Login, item: ServiceItem
) -> None:
    login_verified_staff(client, staff_with(DepartmentFactory(), Role.DEPARTMENT_ADMIN))

    assert client.get(f"/services/office/items/{item.implementation_code}/").status_code == 403
    assert "食品经营许可核发" not in client.get("/services/office/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client: Client, item: ServiceItem) -> None:
    response = client.get("/services/office/")

    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_workflow_api(
    client: Client, login_verified_staff: Login, item: ServiceItem, admin_user: User
) -> None:
    login_verified_staff(client, admin_user)

    saved = client.post(
        f"/api/v1/services/{item.implementation_code}/draft",
        {"content": guide_for(item, promised_limit_days=40), "change_note": "草稿"},
        content_type="application/json",
    )
    refused = client.post(f"/api/v1/guide-versions/{saved.json()['id']}/submit")

    assert saved.status_code == 200 and saved.json()["status"] == "draft"
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"] == [
        {"field": "promised_limit_days", "message": "承诺办结时限（40个工作日）超过法定时限（20个工作日）。"}
    ]


def test_workflow_api_refuses_citizens(client: Client, item: ServiceItem) -> None:
    from tests.factories import CitizenFactory

    client.force_login(CitizenFactory())

    response = client.post(
        f"/api/v1/services/{item.implementation_code}/draft",
        {"content": guide_for(item)},
        content_type="application/json",
    )

    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
