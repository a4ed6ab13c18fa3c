"""Reference data of the licences app in the admin: licence types. Licences and keys are only read here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yiwang.licences.models import LicenceType, SigningKey


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin[LicenceType]):
    list_display = ["code", "name", "number_prefix", "validity_years"]
    search_fields = ["code", "name"]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin[SigningKey]):
    """Public keys only; they change through ``yiwang licences rotate-key``."""

    list_display = ["kid", "department", "created_at", "retired_at"]
    list_filter = ["department"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SigningKey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SigningKey | None = None) -> bool:
        return False
