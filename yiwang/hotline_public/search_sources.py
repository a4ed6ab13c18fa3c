"""What the public Q&A gives the search index (搜索索引): kind ``qa``, one document per published answer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.urls import reverse

from yiwang.hotline.models import Ticket, TicketStatus
from yiwang.hotline_public.queries import public_answer, published_tickets
from yiwang.search.documents import SearchDocument

_BATCH = 500


class QuestionSource:
    """Answered questions the citizen agreed to publish, masked (公开问答)."""

    def documents(self, codes: Iterable[str] | None = None) -> Iterator[SearchDocument]:
        tickets = published_tickets()
        if codes is not None:
            tickets = tickets.filter(number__in=list(codes))
        for ticket in tickets.iterator(chunk_size=_BATCH):
            answer = public_answer(ticket)
            yield SearchDocument(
                kind="qa",
                code=answer.number,
                title=answer.title,
                body=f"{answer.question}\n{answer.answer}",
                department_code=ticket.department.code if ticket.department else "",
                department_name=answer.department,
                url=reverse("hotline_public:qa-detail", args=[answer.number]),
            )


def reindex_on_close(sender: type[Ticket], instance: Ticket, **kwargs: Any) -> None:
    """Index an order's answer once it is closed (the index job drops it when it is not public)."""
    if instance.status == TicketStatus.CLOSED:
        from yiwang.search.tasks import schedule_reindex

        schedule_reindex("qa", [instance.number])
