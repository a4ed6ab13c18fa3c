"""REST API of the hotline's public side: public Q&A, the knowledge base (staff) and the dashboard."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from yiwang.core.pagination import Pagination
from yiwang.core.permissions import roles_of
from yiwang.hotline_public import queries

router = Router(tags=["hotline"])


class PublicAnswerOut(Schema):
    number: str
    kind: str
    title: str
    question: str
    answer: str
    department: str
    asked_on: str
    answered_on: str | None


class KnowledgeHitOut(Schema):
    source: str
    reference: str
    title: str
    question: str
    answer: str
    department: str
    score: int


class KnowledgeQuery(Schema):
    q: str


def _answer_json(answer: queries.PublicAnswer) -> dict[str, Any]:
    return {
        **answer.__dict__,
        "asked_on": answer.asked_on.isoformat(),
        "answered_on": answer.answered_on.isoformat() if answer.answered_on else None,
    }


@router.get("/hotline/qa", response=list[PublicAnswerOut], auth=None)
@paginate(Pagination, default_limit=100)
def list_public_answers(request: HttpRequest) -> list[dict[str, Any]]:
    """Published questions and answers (公开问答), masked, newest first."""
    return [_answer_json(queries.public_answer(ticket)) for ticket in queries.published_tickets()[:1000]]


@router.get("/hotline/qa/{number}", response=PublicAnswerOut, auth=None)
def get_public_answer(request: HttpRequest, number: str) -> dict[str, Any]:
    return _answer_json(queries.get_public_answer(number))


@router.get("/hotline/knowledge", response=list[KnowledgeHitOut])
def search_knowledge(request: HttpRequest, filters: Query[KnowledgeQuery]) -> list[queries.KnowledgeHit]:
    """Template answers and past answers for a question (知识库), staff only."""
    if not roles_of(request.user).exists():
        raise PermissionDenied(_("Only government staff may search the knowledge base."))
    return queries.search_knowledge(filters.q)


@router.get("/hotline/stats", auth=None)
def dashboard(request: HttpRequest, days: int = 30) -> dict[str, Any]:
    """Hotline figures (热线看板): public ones for everyone, all of them for the centre and department heads."""
    if days not in (7, 30, 90):
        days = 30
    return queries.dashboard(request.user, days).as_json()
