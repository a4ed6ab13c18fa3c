"""Admin registrations of the registries: the legal-basis lists (依据清单) are kept here by administrators — each
save is audited; an entry is withdrawn (``active`` off) rather than deleted, so the access log keeps its meaning."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from yiwang.core.audit import record_audit
from yiwang.registries.models import LegalBasis


@admin.register(LegalBasis)
class LegalBasisAdmin(admin.ModelAdmin):
    list_display = ["code", "service", "law", "article", "defers_notice", "active"]
    list_filter = ["active", "defers_notice", "service"]
    search_fields = ["code", "law", "article", "text"]
    filter_horizontal = ["departments"]
    fieldsets = [
        (None, {"fields": ["service", "code", "law", "article", "text", "departments", "active"]}),
        ("告知", {"fields": ["defers_notice", "deferral_reason", "deferral_days"]}),
    ]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        basis: LegalBasis = form.instance
        record_audit(
            request.user,
            "registries.legal_basis_changed" if change else "registries.legal_basis_added",
            basis,
            {
                "service": basis.service.name,
                "code": basis.code,
                "law": basis.law,
                "article": basis.article,
                "departments": sorted(department.code for department in basis.departments.all()),
                "defers_notice": basis.defers_notice,
                "deferral_days": basis.deferral_days,
                "active": basis.active,
                "changed": list(form.changed_data),
            },
        )
