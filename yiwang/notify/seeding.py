"""Seeding message templates from data migrations (模板初始化): every app's migration lists its templates and calls
these, with the historical models of the migration (``apps``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def seed_templates(apps: Any, templates: Iterable[Mapping[str, Any]]) -> None:
    """Create or update each template (key, channel, name, subject, body, optional contains_secret)."""
    notification_template = apps.get_model("notify", "NotificationTemplate")
    for template in templates:
        notification_template.objects.update_or_create(
            key=template["key"],
            channel=template["channel"],
            defaults={
                "name": template["name"],
                "subject": template["subject"],
                "body": template["body"],
                "contains_secret": template.get("contains_secret", False),
            },
        )


def remove_templates(apps: Any, templates: Iterable[Mapping[str, Any]]) -> None:
    """Delete the templates again (the migration's reverse)."""
    notification_template = apps.get_model("notify", "NotificationTemplate")
    for template in templates:
        notification_template.objects.filter(key=template["key"], channel=template["channel"]).delete()
