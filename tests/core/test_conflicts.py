"""Two people acting at once: the loser gets a clear 409, on pages and in the API."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from yiwang.core.errors import ActionConflict
from yiwang.core.middleware import ActionConflictMiddleware


def never_called(request: HttpRequest) -> HttpResponse:
    raise AssertionError("the middleware answers the exception itself")


@pytest.mark.django_db
def test_a_page_conflict_becomes_a_chinese_409_page(rf: RequestFactory) -> None:
    request = rf.get("/cases/office/YW1/")
    request.user = AnonymousUser()
    response = ActionConflictMiddleware(never_called).process_exception(
        request, ActionConflict("该办件已由他人受理。")
    )
    assert response is not None
    assert response.status_code == 409
    page = response.content.decode()
    assert "<h1>他人已先行修改</h1>" in page and "该办件已由他人受理。" in page


def test_an_api_conflict_is_problem_json(rf: RequestFactory) -> None:
    request = rf.post("/api/v1/cases/YW1/actions")
    response = ActionConflictMiddleware(never_called).process_exception(request, ActionConflict("已受理"))
    assert response is not None
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"


def test_other_exceptions_are_left_alone(rf: RequestFactory) -> None:
    request = rf.get("/")
    assert ActionConflictMiddleware(never_called).process_exception(request, ValueError("x")) is None
