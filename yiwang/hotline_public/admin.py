"""Admin: Open311 client apps (the key is shown once on creation) and template answers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from yiwang.hotline_public import actions
from yiwang.hotline_public.models import Open311Client, TemplateAnswer


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin[Open311Client]):
    list_display = ["name", "key_prefix", "is_active", "created_at"]
    fields = ["name", "contact", "is_active", "key_prefix"]
    readonly_fields = ["key_prefix"]

    def save_model(self, request: HttpRequest, obj: Open311Client, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        client, key = actions.do_create_open311_client(request.user, name=obj.name, contact=obj.contact)
        obj.pk, obj.key_prefix = client.pk, client.key_prefix
        messages.warning(
            request, _("API key for %(name)s (shown only now): %(key)s") % {"name": obj.name, "key": key}
        )


@admin.register(TemplateAnswer)
class TemplateAnswerAdmin(admin.ModelAdmin[TemplateAnswer]):
    list_display = ["title", "department", "updated_at"]
    list_filter = ["department"]
    search_fields = ["title", "body", "keywords"]
