"""Retraining jobs (定期重训): on demand through django-tasks and nightly through Huey."""

from __future__ import annotations

import logging

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.routing.actions import do_retrain

logger = logging.getLogger(__name__)


@task()
def retrain_routing_model() -> int | None:
    """Retrain from the labels; returns the new active version, or None when the current model stays."""
    outcome = do_retrain(None)
    if outcome.unchanged:
        logger.info("routing retrain: nothing new since the active model was trained")
        return None
    if outcome.model is None:
        logger.info(
            "routing retrain kept the current model (held-out macro-F1 %s < %s)",
            outcome.candidate_macro_f1,
            outcome.current_macro_f1,
        )
        return None
    logger.info("routing model v%d active (%d samples)", outcome.model.version, outcome.n_samples)
    return outcome.model.version


@db_periodic_task(crontab(hour="2", minute="30"))
def nightly_routing_retrain() -> None:
    """Every night at 02:30: hand a retrain to the queue."""
    retrain_routing_model.enqueue()
