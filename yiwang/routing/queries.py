"""Read helpers of the routing app (查询)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max

from yiwang.org.models import Department
from yiwang.routing.coldstart import knowledge_samples
from yiwang.routing.models import RoutingLabel, RoutingModel


def active_model() -> RoutingModel | None:
    return RoutingModel.objects.filter(is_active=True).first()


def next_model_version() -> int:
    return (RoutingModel.objects.aggregate(last=Max("version"))["last"] or 0) + 1


def dated_label_samples() -> list[tuple[str, str, datetime]]:
    """Every recorded label as (text, department code, recorded at), oldest first."""
    labels = RoutingLabel.objects.order_by("created_at", "pk")
    return list(labels.values_list("text", "department", "created_at"))


def department_knowledge_samples() -> list[tuple[str, str]]:
    """Duty and keyword sentences of every department in the database (cold-start knowledge)."""
    return knowledge_samples(Department.objects.all())
