"""The cases API: create+submit with base64 files, status with deadlines, staff actions, problem+json errors."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from django.test import Client

from tests.cases.conftest import PDF, World
from yiwang.accounts.models import User

pytestmark = pytest.mark.django_db


def submit(client: Client, world: World) -> dict:
    encoded = base64.b64encode(PDF).decode()
    response = client.post(
        "/api/v1/applications",
        {
            "item": world.item.implementation_code,
            "materials": [
                {"name": "申请书", "files": [{"filename": "a.pdf", "content_base64": encoded}]},
                {"name": "场所平面图", "files": [{"filename": "b.pdf", "content_base64": encoded}]},
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_apply_then_follow_the_case(
    world: World, login_verified_staff: Callable[[Client, User], Client]
) -> None:
    citizen = Client()
    citizen.force_login(world.citizen)
    body = submit(citizen, world)
    (case,) = body["cases"]
    assert case["state"] == "submitted" and case["legal_due_on"] and case["clock_segments"][0]["running"]

    clerk = login_verified_staff(Client(), world.clerk)
    accepted = clerk.post(
        f"/api/v1/cases/{case['number']}/actions",
        {"action": "accept", "expected_version": case["version"]},
        content_type="application/json",
    )
    assert accepted.status_code == 200, accepted.content
    assert {step["department"] for step in accepted.json()["current_steps"]} == {
        world.main.name,
        world.co.name,
    }

    stale = clerk.post(
        f"/api/v1/cases/{case['number']}/actions",
        {"action": "accept", "expected_version": case["version"]},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale["Content-Type"].startswith("application/problem+json")

    status = citizen.get(f"/api/v1/applications/{body['id']}").json()
    assert status["cases"][0]["state"] == "review"
    assert [event["action"] for event in status["cases"][0]["timeline"]] == ["submit", "accept"]


def test_disallowed_file_type_is_refused_with_reason(world: World) -> None:
    citizen = Client()
    citizen.force_login(world.citizen)
    response = citizen.post(
        "/api/v1/applications",
        {
            "item": world.item.implementation_code,
            "materials": [
                {
                    "name": "申请书",
                    "files": [{"filename": "a.pdf", "content_base64": base64.b64encode(b"MZ...").decode()}],
                }
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "PDF" in response.content.decode()
    from yiwang.cases.models import Application

    assert not Application.objects.exists()


def test_staff_action_needs_staff(world: World) -> None:
    citizen = Client()
    citizen.force_login(world.citizen)
    body = submit(citizen, world)
    response = citizen.post(
        f"/api/v1/cases/{body['cases'][0]['number']}/actions",
        {"action": "accept"},
        content_type="application/json",
    )
    assert response.status_code == 403
