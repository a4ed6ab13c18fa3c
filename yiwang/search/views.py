"""The search page (搜索页) of the portal: works without JavaScript; HTMX adds live suggestions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yiwang.search import queries
from yiwang.search.backends.base import SearchResults
from yiwang.search.forms import SearchForm

PAGE_SIZE = 20


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """Results for ``?q=`` with highlighted matches, "did you mean" and filters as a plain GET form."""
    form = SearchForm(request.GET or None)
    results: SearchResults | None = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        results = queries.search(form.to_query(default_limit=PAGE_SIZE))
    return render(request, "search/search.html", {"form": form, "results": results})


@require_GET
def suggestions(request: HttpRequest) -> HttpResponse:
    """The autocomplete list (a <datalist> partial) for the search box."""
    names = queries.suggest(request.GET.get("q", ""), 8)
    return render(request, "search/search.html#suggestions", {"suggestions": names})
