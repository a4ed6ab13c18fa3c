"""Admin (管理后台) for message templates; sent notifications are read-only there."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yiwang.notify.models import Notification, NotificationTemplate


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ["key", "channel", "name", "updated_at"]
    list_filter = ["channel"]
    search_fields = ["key", "name", "body"]
    ordering = ["key", "channel"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["reference", "channel", "template", "recipient", "status", "attempts", "created_at"]
    list_filter = ["channel", "status"]
    search_fields = ["reference", "to_address", "provider_reference"]
    date_hierarchy = "created_at"
    list_select_related = ["template", "recipient"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False
