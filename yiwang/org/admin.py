"""Admin registrations of the org app: reference data for divisions, departments and staff roles."""

from django.contrib import admin
from django.http import HttpRequest

from yiwang.org.models import Department, Division, StaffRole


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "division", "phone", "is_platform_operator"]
    list_filter = ["is_platform_operator", "division"]
    search_fields = ["code", "name", "short_name", "duties"]
    autocomplete_fields = ["division", "parent"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    """Read-only here: roles change through the department staff page so that every change is audited."""

    list_display = ["user", "department", "role", "granted_at"]
    list_filter = ["role", "department"]
    search_fields = ["user__username", "user__real_name", "department__name"]

    def has_add_permission(self, request: HttpRequest, obj: StaffRole | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StaffRole | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StaffRole | None = None) -> bool:
        return False
