"""Admin registrations of the catalogue: the negative list is edited here; items, guides and bundles are shown
read-only because they change through the import, the guide workflow and bundle files (all audited)."""

from django.contrib import admin
from django.http import HttpRequest

from yiwang.catalog.models import Bundle, NegativeListEntry, ServiceItem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ["name", "item_type", "department", "status", "popularity"]
    list_filter = ["item_type", "status", "department"]
    search_fields = ["name", "implementation_code", "basic_code"]


@admin.register(Bundle)
class BundleAdmin(ReadOnlyAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(NegativeListEntry)
class NegativeListEntryAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "title"]
    list_filter = ["kind"]
    search_fields = ["number", "title", "measures"]
    autocomplete_fields = ["items"]
