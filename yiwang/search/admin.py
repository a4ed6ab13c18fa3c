"""Django admin for the synonym table (同义词)."""

from django.contrib import admin

from yiwang.search.models import Synonym


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["phrase", "expansion", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["phrase", "expansion"]
