"""Work lists (待办 / 已办 / 即将超期 / 已超期): queries, the staff page and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import CitizenFactory
from tests.workflow.conftest import Office, staff_with
from yiwang.accounts.models import User
from yiwang.core.legaltime import add_working_days
from yiwang.org.models import Role
from yiwang.workflow.actions import do_claim_work_item, do_complete_work_item
from yiwang.workflow.models import WorkItem
from yiwang.workflow.queries import Box, department_counts, work_box

Login = Callable[[Client, User], Client]


def open_accepts(office: Office, count: int) -> list[WorkItem]:
    items = []
    for number in range(count):
        instance = office.start()
        instance.object_id = str(2000 + number)
        instance.save(update_fields=["object_id"])
        items.append(instance.work_items.get())
    return items


def set_due(item: WorkItem, due: dt.date) -> None:
    WorkItem.objects.filter(pk=item.pk).update(due_date=due)


def test_boxes_split_by_deadline_and_order_by_it(office: Office) -> None:
    today = timezone.localdate()
    late, soon, later = open_accepts(office, 3)
    set_due(late, today - dt.timedelta(days=1))
    set_due(soon, add_working_days(today, 2))
    set_due(later, add_working_days(today, 3))
    assert list(work_box(office.clerk, Box.TODO)) == [late, soon, later]
    assert list(work_box(office.clerk, Box.OVERDUE)) == [late]
    assert list(work_box(office.clerk, Box.DUE_SOON)) == [soon]
    assert list(work_box(office.market_reviewer, Box.TODO)) == []


def test_claimed_items_leave_colleagues_lists_and_done_items_join_done(office: Office) -> None:
    colleague = staff_with(office.market, Role.WINDOW_CLERK)
    first, second = open_accepts(office, 2)
    do_claim_work_item(office.clerk, first)
    assert list(work_box(colleague, Box.TODO)) == [second]
    assert list(work_box(office.clerk, Box.TODO)) == [first, second]
    do_complete_work_item(office.clerk, first, "accepted")
    assert [item.pk for item in work_box(office.clerk, Box.DONE)] == [first.pk]
    assert list(work_box(colleague, Box.DONE)) == []


def test_department_counts_for_dashboards(office: Office) -> None:
    today = timezone.localdate()
    late, soon, _later = open_accepts(office, 3)
    set_due(late, today - dt.timedelta(days=3))
    set_due(soon, today)
    (market,) = department_counts()
    assert (market.department_id, market.pending, market.due_soon, market.overdue) == (
        office.market.pk,
        3,
        1,
        1,
    )
    assert department_counts([office.health]) == []


def test_work_page_lists_tabs_and_claims_without_javascript(
    office: Office, client: Client, login_verified_staff: Login
) -> None:
    (item,) = open_accepts(office, 1)
    set_due(item, timezone.localdate() - dt.timedelta(days=1))
    login_verified_staff(client, office.clerk)
    page = client.get("/office/work/?box=overdue").content.decode()
    for label in ("待办 (1)", "已办 (0)", "即将超期 (0)", "已超期 (1)", "受理", "认领“受理”"):
        assert label in page
    response = client.post(f"/office/work/{item.pk}/claim", {"next": "/office/work/?box=todo"})
    assert response.status_code == 302
    assert response["Location"] == "/office/work/?box=todo"
    item.refresh_from_db()
    assert item.assignee == office.clerk
    page = client.get(response["Location"]).content.decode()
    assert "您已认领“受理”。" in page
    assert "已认领" in page

    other = staff_with(office.market, Role.WINDOW_CLERK)
    login_verified_staff(client, other)
    response = client.post(f"/office/work/{item.pk}/claim", follow=True)
    assert "该待办已被他人认领" in response.content.decode()


def test_work_page_needs_staff_and_the_office_home_links_to_it(
    office: Office, client: Client, login_verified_staff: Login
) -> None:
    client.force_login(CitizenFactory())
    assert client.get("/office/work/").status_code == 403
    login_verified_staff(client, office.clerk)
    assert 'href="/office/work/"' in client.get("/office/").content.decode()


def test_api_lists_boxes_and_claims(office: Office, client: Client, login_verified_staff: Login) -> None:
    items = open_accepts(office, 3)
    login_verified_staff(client, office.clerk)
    body = client.get("/api/v1/work-items?box=todo").json()
    assert body["count"] == 3
    assert [entry["id"] for entry in body["items"]] == [item.pk for item in items]
    assert body["items"][0]["department_code"] == "scjgj"
    assert body["items"][0]["subject_id"] == "2000"

    response = client.post(f"/api/v1/work-items/{items[0].pk}/claim")
    assert response.status_code == 200
    assert response.json()["status"] == "claimed"
    assert response.json()["assignee"] == office.clerk.username

    login_verified_staff(client, staff_with(office.market, Role.WINDOW_CLERK))
    conflict = client.post(f"/api/v1/work-items/{items[0].pk}/claim")
    assert conflict.status_code == 409
    assert conflict["Content-Type"].startswith("application/problem+json")
    login_verified_staff(client, office.health_reviewer)
    assert client.post(f"/api/v1/work-items/{items[1].pk}/claim").status_code == 404
    assert client.get("/api/v1/work-items?box=nonsense").status_code == 422


def test_api_refuses_citizens_and_unverified_staff(office: Office, client: Client) -> None:
    client.force_login(office.clerk)  # no authenticator-code step
    assert client.get("/api/v1/work-items").status_code == 403
    client.force_login(CitizenFactory())
    assert client.get("/api/v1/work-items").status_code == 403


@pytest.mark.parametrize("box", list(Box))
def test_api_boxes_paginate(box: Box, office: Office, client: Client, login_verified_staff: Login) -> None:
    login_verified_staff(client, office.clerk)
    body = client.get(f"/api/v1/work-items?box={box}&page=1").json()
    assert (body["box"], body["page"], body["count"]) == (box, 1, 0)
