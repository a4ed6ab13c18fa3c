"""Admin screens for accounts and companies (reference and support use only)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import Company, CompanyAgent, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "real_name", "kind", "assurance_level", "is_active", "is_staff")
    list_filter = ("kind", "assurance_level", "is_active", "is_staff")
    search_fields = ("username", "real_name", "phone")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Identity"), {"fields": ("kind", "real_name", "phone", "resident_id", "assurance_level")}),
    )


class CompanyAgentInline(admin.TabularInline):
    model = CompanyAgent
    fk_name = "company"
    extra = 0
    raw_id_fields = ("user", "granted_by")


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "legal_representative_name", "created_at")
    search_fields = ("name", "uscc")
    inlines = [CompanyAgentInline]
