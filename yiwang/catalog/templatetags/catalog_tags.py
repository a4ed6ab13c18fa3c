"""Template filters of the catalogue pages."""

from __future__ import annotations

from django import template

from yiwang.catalog.labels import label as label_of

register = template.Library()


@register.filter
def label(value: object, kind: str) -> str:
    """``{{ material.source|label:"source" }}`` → 共享获取."""
    return label_of(kind, value)
