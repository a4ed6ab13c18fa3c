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


def label_samples() -> list[tuple[str, str]]:
    """Every recorded label as (text, department code), oldest first."""
    return list(RoutingLabel.objects.order_by("created_at", "pk").values_list("text", "department"))


def labels_recorded_after(moment: datetime) -> list[tuple[str, str]]:
    """The labels recorded after ``moment`` (e.g. since a model was trained), oldest first."""
    labels = RoutingLabel.objects.filter(created_at__gt=moment).order_by("created_at", "pk")
    return list(labels.values_list("text", "department"))


def department_knowledge_samples() -> list[tuple[str, str]]:
    """Duty and keyword sentences of every department in the database (cold-start knowledge)."""
    return knowledge_samples(Department.objects.all())
