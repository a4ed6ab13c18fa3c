"""The router (分拨器): propose departments for a citizen message and decide whether to dispatch it at once.

Used by the 12345 hotline and the mayor's mailbox::

    proposal = propose("小区门口的路灯坏了一个月了")
    if should_auto_dispatch(proposal):
        ...  # dispatch to proposal.department
    else:
        ...  # triage queue, showing proposal.candidates and proposal.reason

The active :class:`~yiwang.routing.models.RoutingModel` is loaded once per process and version, after its
file's SHA-256 is checked against the database.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.utils.translation import gettext

from yiwang.routing import queries
from yiwang.routing.classifier import NEVER_DISPATCH, TextClassifier, lead
from yiwang.routing.models import RoutingModel
from yiwang.routing.storage import ModelIntegrityError, load_model_file

logger = logging.getLogger(__name__)

_cache_lock = threading.Lock()
_cached: tuple[tuple[int, str, str], TextClassifier] | None = None


@dataclass(frozen=True)
class RoutingProposal:
    """Ranked (department code, confidence) pairs for one message and the n-grams behind the first."""

    candidates: list[tuple[str, float]]
    lead: float = 0.0  # how far the first confidence is ahead of the second (领先度)
    reason_terms: list[str] = field(default_factory=list)
    threshold: float = NEVER_DISPATCH
    model_version: int | None = None

    @property
    def department(self) -> str | None:
        return self.candidates[0][0] if self.candidates else None

    @property
    def departments(self) -> list[str]:
        return [code for code, _confidence in self.candidates]

    @property
    def confidences(self) -> list[float]:
        return [confidence for _code, confidence in self.candidates]

    @property
    def reason(self) -> str:
        """A sentence for the dispatcher (分拨依据)."""
        if self.model_version is None:
            return gettext("No routing model is available; a dispatcher decides.")
        if not self.reason_terms:
            return gettext("No distinctive words; the proposal rests on the message as a whole.")
        return gettext("Key words: %(terms)s") % {"terms": "、".join(self.reason_terms)}


def active_classifier() -> tuple[RoutingModel, TextClassifier] | None:
    """The active model and its classifier, loaded (and integrity-checked) once per model row."""
    global _cached
    row = queries.active_model()
    if row is None:
        return None
    key = (row.pk, row.file_sha256, row.created_at.isoformat())
    with _cache_lock:
        if _cached is None or _cached[0] != key:
            _cached = (key, load_model_file(row))
        return row, _cached[1]


def effective_threshold(row: RoutingModel) -> float:
    """ROUTING_AUTO_DISPATCH_THRESHOLD when set, else the model's calibrated threshold."""
    configured = settings.ROUTING_AUTO_DISPATCH_THRESHOLD
    return float(configured) if configured is not None else row.threshold


def propose(text: str, top: int = 3) -> RoutingProposal:
    """The ``top`` most likely departments for ``text``; an empty proposal when no model can be used."""
    try:
        loaded = active_classifier()
    except ModelIntegrityError:
        logger.exception("routing model refused")
        return RoutingProposal(candidates=[])
    if loaded is None or not text.strip():
        return RoutingProposal(candidates=[])
    row, model = loaded
    probabilities = model.probabilities([text])
    order = np.argsort(-probabilities[0])[:top]
    return RoutingProposal(
        candidates=[(model.classes[index], round(float(probabilities[0, index]), 4)) for index in order],
        lead=float(lead(probabilities)[0]),
        reason_terms=model.explain(text, int(order[0])),
        threshold=effective_threshold(row),
        model_version=row.version,
    )


def should_auto_dispatch(proposal: RoutingProposal) -> bool:
    """Dispatch without a person (自动派单) when the first department's lead over the second reaches the
    threshold."""
    return (
        proposal.department is not None
        and proposal.threshold < NEVER_DISPATCH
        and proposal.lead >= proposal.threshold
    )
