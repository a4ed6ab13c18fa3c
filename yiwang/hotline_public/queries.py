"""Read side (查询): public Q&A (公开问答), the knowledge base (知识库) and the hotline dashboard (热线看板).

The dashboard's figures are set-based: one aggregate query per table, never a loop over work orders. Overdue is
computed from each order's clock (``legal_due_on`` in SQL), never stored.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import legaltime
from yiwang.core.permissions import departments_where
from yiwang.hotline.models import HANDLING_STATUSES, CallbackResult, Ticket, TicketKind, TicketStatus
from yiwang.hotline.queries import is_hotline_centre
from yiwang.hotline_public.mask import mask_personal_data
from yiwang.hotline_public.models import TemplateAnswer
from yiwang.org.models import Department, Role
from yiwang.search import tokenizer

ANSWERED_STATUSES = (TicketStatus.REPLIED, TicketStatus.CALLED_BACK, TicketStatus.CLOSED)
KNOWLEDGE_CANDIDATES = 300
KNOWLEDGE_QUERY_WORDS = 8
HOT_TOPIC_TICKETS = 5000


# --- public Q&A (公开问答) ----------------------------------------------------------------------------------


def published_tickets() -> QuerySet[Ticket]:
    """Closed orders with an answer whose citizen agreed to publication, newest answer first."""
    return (
        Ticket.objects.filter(consent_to_publish=True, status=TicketStatus.CLOSED)
        .exclude(reply_text="")
        .select_related("department", "reporter")
        .order_by("-replied_at", "-pk")
    )


@dataclass(frozen=True)
class PublicAnswer:
    """A question and its answer as the public sees them: personal data masked."""

    number: str
    kind: str
    title: str
    question: str
    answer: str
    department: str
    asked_on: dt.date
    answered_on: dt.date | None


def _known_names(ticket: Ticket) -> list[str]:
    names = [ticket.contact_name]
    if ticket.reporter is not None:
        names.append(ticket.reporter.real_name)
    return names


def public_answer(ticket: Ticket) -> PublicAnswer:
    names = _known_names(ticket)
    return PublicAnswer(
        number=ticket.number,
        kind=ticket.get_kind_display(),
        title=mask_personal_data(ticket.title, names),
        question=mask_personal_data(ticket.text, names),
        answer=mask_personal_data(ticket.reply_text, names),
        department=ticket.department.name if ticket.department else "",
        asked_on=timezone.localdate(ticket.received_at),
        answered_on=timezone.localdate(ticket.replied_at) if ticket.replied_at else None,
    )


def get_public_answer(number: str) -> PublicAnswer:
    """The published question ``number``; Http404 when it does not exist or is not public."""
    ticket = published_tickets().filter(number=number).first()
    if ticket is None:
        raise Http404(_("There is no public question with this number."))
    return public_answer(ticket)


def _word_filter(words: list[str], *fields: str) -> Q:
    return reduce(or_, (Q(**{f"{name}__icontains": word}) for word in words for name in fields))


def query_words(text: str) -> list[str]:
    """The distinct meaningful words of a query, longest first (at most ``KNOWLEDGE_QUERY_WORDS``)."""
    found = dict.fromkeys(word for word in tokenizer.words(text, search_mode=False) if len(word) >= 2)
    return sorted(found, key=len, reverse=True)[:KNOWLEDGE_QUERY_WORDS]


# --- knowledge base (知识库) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnowledgeHit:
    """A template answer or a past answer that may answer a new question at once."""

    source: str  # "template" or "answer"
    reference: str  # template id or work order number
    title: str
    question: str
    answer: str
    department: str
    score: int


def _score(words: list[str], *texts: str) -> int:
    joined = "\n".join(texts).lower()
    return sum(1 for word in words if word.lower() in joined)


def search_knowledge(text: str, department: Department | None = None, limit: int = 10) -> list[KnowledgeHit]:
    """Template answers and past answers (masked) sharing the most words with ``text``, best first."""
    words = query_words(text)
    if not words:
        return []
    templates = TemplateAnswer.objects.select_related("department").filter(
        _word_filter(words, "title", "body", "keywords")
    )
    answers = Ticket.objects.select_related("department", "reporter").filter(
        Q(status__in=ANSWERED_STATUSES) & ~Q(reply_text="") & _word_filter(words, "title", "text")
    )
    if department is not None:
        templates = templates.filter(department=department)
        answers = answers.filter(department=department)
    hits = [
        KnowledgeHit(
            "template",
            str(template.pk),
            template.title,
            template.title,
            template.body,
            template.department.name,
            _score(words, template.title, template.keywords) * 2 + _score(words, template.body),
        )
        for template in templates[:KNOWLEDGE_CANDIDATES]
    ]
    for ticket in answers.order_by("-replied_at")[:KNOWLEDGE_CANDIDATES]:
        masked = public_answer(ticket)
        hits.append(
            KnowledgeHit(
                "answer",
                ticket.number,
                masked.title,
                masked.question,
                masked.answer,
                masked.department,
                _score(words, ticket.title, ticket.text),
            )
        )
    hits.sort(key=lambda hit: (-hit.score, hit.source != "template"))
    return hits[:limit]


def template_answers(department: Department | None = None) -> QuerySet[TemplateAnswer]:
    answers = TemplateAnswer.objects.select_related("department", "updated_by")
    return answers.filter(department=department) if department is not None else answers


# --- dashboard (热线看板) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The days the dashboard counts, both inclusive."""

    start: dt.date
    end: dt.date

    @classmethod
    def last_days(cls, days: int, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - dt.timedelta(days=days - 1), today)

    def tickets(self) -> QuerySet[Ticket]:
        return Ticket.objects.filter(received_at__date__gte=self.start, received_at__date__lte=self.end)


@dataclass(frozen=True)
class Rate:
    """A share with its numerator and denominator shown (分子/分母)."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None


@dataclass(frozen=True)
class DepartmentRates:
    """三率 of one department: response (响应率), resolution (解决率), satisfaction (满意率)."""

    code: str
    name: str
    received: int
    response: Rate  # signed for / dispatched to it
    resolution: Rate  # closed / dispatched to it
    satisfaction: Rate  # satisfied / callbacks that reached the citizen
    overdue: int  # in handling past the deadline today
    average_rating: float | None

    @property
    def three_rates(self) -> tuple[Rate, Rate, Rate]:
        return (self.response, self.resolution, self.satisfaction)


def volumes(period: Period, by: str) -> list[dict[str, Any]]:
    """How many orders came in per ``by`` (``kind``, ``department`` or ``division``), largest first."""
    if by == "kind":
        labels = dict(TicketKind.choices)
        rows = period.tickets().values("kind").annotate(count=Count("id")).order_by("-count", "kind")
        return [
            {"key": row["kind"], "label": str(labels[row["kind"]]), "count": row["count"]} for row in rows
        ]
    rows = (
        period.tickets()
        .values(f"{by}__code", f"{by}__name")
        .annotate(count=Count("id"))
        .order_by("-count", f"{by}__code")
    )
    return [
        {
            "key": row[f"{by}__code"] or "",
            "label": row[f"{by}__name"] or _("Not yet assigned"),
            "count": row["count"],
        }
        for row in rows
    ]


def department_rates(period: Period, today: dt.date | None = None) -> list[DepartmentRates]:
    """三率 per handling department for the orders received in ``period``, in one aggregate query."""
    today = today or timezone.localdate()
    reached = [CallbackResult.SATISFIED, CallbackResult.UNSATISFIED]
    rows = (
        period.tickets()
        .filter(department__isnull=False)
        .values("department__code", "department__name")
        .annotate(
            received=Count("id"),
            dispatched=Count("id", filter=Q(dispatched_at__isnull=False)),
            signed=Count("id", filter=Q(signed_at__isnull=False)),
            closed=Count("id", filter=Q(status=TicketStatus.CLOSED)),
            reached=Count("id", filter=Q(callback_result__in=reached)),
            satisfied=Count("id", filter=Q(callback_result=CallbackResult.SATISFIED)),
            overdue=Count("id", filter=Q(status__in=HANDLING_STATUSES, clock__legal_due_on__lt=today)),
            average_rating=Avg("rating"),
        )
        .order_by("department__code")
    )
    return [
        DepartmentRates(
            code=row["department__code"],
            name=row["department__name"],
            received=row["received"],
            response=Rate(row["signed"], row["dispatched"]),
            resolution=Rate(row["closed"], row["dispatched"]),
            satisfaction=Rate(row["satisfied"], row["reached"]),
            overdue=row["overdue"],
            average_rating=round(row["average_rating"], 2) if row["average_rating"] is not None else None,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class OverdueRow:
    number: str
    title: str
    department: str
    status: str
    due_on: dt.date | None
    level: str


def overdue_list(
    today: dt.date | None = None, departments: QuerySet[Department] | None = None, limit: int = 50
) -> tuple[int, list[OverdueRow]]:
    """How many orders in handling are past their deadline, and the longest overdue ones with their level."""
    today = today or timezone.localdate()
    tickets = Ticket.objects.filter(status__in=HANDLING_STATUSES, clock__legal_due_on__lt=today)
    if departments is not None:
        tickets = tickets.filter(department__in=departments)
    total = tickets.count()
    shown = tickets.select_related("department", "clock").order_by("clock__legal_due_on", "pk")[:limit]
    return total, [
        OverdueRow(
            ticket.number,
            ticket.title,
            ticket.department.name if ticket.department else "",
            ticket.get_status_display(),
            ticket.clock.legal_due_on if ticket.clock else None,
            str(legaltime.overdue_level(ticket.clock, today)) if ticket.clock else "",
        )
        for ticket in shown
    ]


@dataclass(frozen=True)
class HotTopic:
    """A word that rises this week (热点): orders mentioning it this week against the weekly average before."""

    word: str
    this_week: int
    weekly_average_before: float
    ratio: float


@dataclass
class _TermCounts:
    this_week: Counter[str] = field(default_factory=Counter)
    before: Counter[str] = field(default_factory=Counter)


def hot_topics(
    today: dt.date | None = None, weeks_before: int = 4, limit: int = 10, minimum: int = 2
) -> list[HotTopic]:
    """Rising keywords: document frequency in the last 7 days against the average week of the ``weeks_before``
    weeks before, smoothed by one (``(now + 1) / (before + 1)``); words in fewer than ``minimum`` orders are left
    out. Messages are segmented with the search tokenizer."""
    today = today or timezone.localdate()
    week_start = today - dt.timedelta(days=6)
    since = week_start - dt.timedelta(weeks=weeks_before)
    rows = (
        Ticket.objects.filter(received_at__date__gte=since, received_at__date__lte=today)
        .order_by("-received_at")
        .values_list("title", "text", "received_at")[:HOT_TOPIC_TICKETS]
    )
    counts = _TermCounts()
    for title, text, received_at in rows:
        terms = {
            word
            for word in tokenizer.words(f"{title}\n{text}", search_mode=False)
            if len(word) >= 2 and tokenizer.is_chinese(word)
        }
        target = counts.this_week if timezone.localdate(received_at) >= week_start else counts.before
        target.update(terms)
    topics = []
    for word, now in counts.this_week.items():
        if now < minimum:
            continue
        average = counts.before[word] / weeks_before
        topics.append(HotTopic(word, now, round(average, 2), round((now + 1) / (average + 1), 2)))
    topics.sort(key=lambda topic: (-topic.ratio, -topic.this_week, topic.word))
    return topics[:limit]


HEAD_ROLES = (Role.DEPARTMENT_ADMIN, Role.APPROVER)


def may_see_full_dashboard(user: Any) -> bool:
    """Supervisors and dispatchers of the hotline centre, and department heads (部门负责人)."""
    return is_hotline_centre(user) or departments_where(user, *HEAD_ROLES).exists()


def overdue_scope(user: Any) -> QuerySet[Department] | None:
    """Whose overdue orders ``user`` sees: all (None) for the hotline centre, else the departments they head."""
    return None if is_hotline_centre(user) else departments_where(user, *HEAD_ROLES)


@dataclass(frozen=True)
class Dashboard:
    period: Period
    by_kind: list[dict[str, Any]]
    by_department: list[dict[str, Any]]
    rates: list[DepartmentRates]
    by_division: list[dict[str, Any]] | None = None
    hot_topics: list[HotTopic] | None = None
    overdue_total: int | None = None
    overdue: list[OverdueRow] | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["rates"] = [
            {**asdict(rate), **{name: _rate_json(getattr(rate, name)) for name in RATE_NAMES}}
            for rate in self.rates
        ]
        return data


RATE_NAMES = ("response", "resolution", "satisfaction")


def _rate_json(rate: Rate) -> dict[str, Any]:
    return {"numerator": rate.numerator, "denominator": rate.denominator, "percent": rate.percent}


def dashboard(user: Any, days: int = 30, today: dt.date | None = None) -> Dashboard:
    """The figures ``user`` may see: volumes by type and department and 三率 for everyone; divisions, hot topics
    and overdue lists for the hotline centre and department heads."""
    today = today or timezone.localdate()
    period = Period.last_days(days, today)
    public = Dashboard(
        period, volumes(period, "kind"), volumes(period, "department"), department_rates(period)
    )
    if not may_see_full_dashboard(user):
        return public
    total, rows = overdue_list(today, overdue_scope(user))
    return replace(
        public,
        by_division=volumes(period, "division"),
        hot_topics=hot_topics(today),
        overdue_total=total,
        overdue=rows,
    )
