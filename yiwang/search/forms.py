"""Search parameters (搜索参数), validated the same way for the page and the API."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from yiwang.search.backends.base import MAX_LIMIT, SearchQuery
from yiwang.search.documents import kind_label, registered_sources

_code = RegexValidator(r"^[A-Za-z0-9_.-]{1,60}$", _("Use the code from the list, e.g. licence."))


class SearchForm(forms.Form):
    """The search box and its filters; every field optional, so an empty form shows the search page."""

    q = forms.CharField(label=_("Search services"), required=False, strip=True)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    department = forms.CharField(label=_("Department code"), required=False, validators=[_code])
    type = forms.CharField(label=_("Item type"), required=False, validators=[_code])
    audience = forms.ChoiceField(
        label=_("For"),
        required=False,
        choices=[("", _("Everyone")), ("person", _("Individuals")), ("company", _("Legal entities"))],
    )
    limit = forms.IntegerField(label=_("Results"), required=False, min_value=1, max_value=MAX_LIMIT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = sorted(registered_sources())
        kind_field = cast(forms.ChoiceField, self.fields["kind"])
        kind_field.choices = [("", _("All")), *((kind, kind_label(kind)) for kind in kinds)]

    def to_query(self, default_limit: int = 10) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            text=data.get("q") or "",
            kind=data.get("kind") or "",
            department=data.get("department") or "",
            item_type=data.get("type") or "",
            audience=data.get("audience") or "",
            limit=data.get("limit") or default_limit,
        )
