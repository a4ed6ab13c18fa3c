"""Search API (搜索接口): public search and autocomplete; synonym maintenance for administrators."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from yiwang.search import actions, queries
from yiwang.search.forms import SearchForm
from yiwang.search.models import Synonym

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = ""
    kind: str = ""
    department: str = ""
    type: str = ""
    audience: str = ""
    limit: int = 10


class SearchResultOut(Schema):
    kind: str
    code: str
    name: str
    department: str
    type: str
    score: float
    url: str
    highlight: str


class SearchOut(Schema):
    results: list[SearchResultOut]
    total: int
    total_capped: bool = Field(
        description="true when counting stopped at total: there are at least that many"
    )
    did_you_mean: str | None
    message: str | None


class SuggestOut(Schema):
    suggestions: list[str]


class SynonymIn(Schema):
    phrase: str
    expansion: str
    is_active: bool = True


class SynonymOut(Schema):
    id: int
    phrase: str
    expansion: str
    is_active: bool


def _valid_form(params: SearchParams) -> SearchForm:
    form = SearchForm(params.dict())
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
    return form


@router.get("/search", response=SearchOut, auth=None, summary="Search services in everyday words")
def search(request: HttpRequest, params: Query[SearchParams]) -> SearchOut:
    """Items and life-event bundles, best first; ``highlight`` is the HTML-escaped name with matches in <mark>."""
    results = queries.search(_valid_form(params).to_query())
    return SearchOut(
        results=[
            SearchResultOut(
                kind=hit.kind,
                code=hit.code,
                name=hit.title,
                department=hit.department_name,
                type=hit.item_type,
                score=hit.score,
                url=hit.url,
                highlight=str(hit.highlight),
            )
            for hit in results.hits
        ],
        total=results.total,
        total_capped=results.total_capped,
        did_you_mean=results.did_you_mean or None,
        message=results.message or None,
    )


@router.get("/search/suggest", response=SuggestOut, auth=None, summary="Autocomplete service names")
def suggest(request: HttpRequest, q: str = "", limit: int = Query(8, ge=1, le=20)) -> SuggestOut:
    """Names holding the typed words, the last one possibly unfinished (also pinyin: "sheb" → 社保卡…)."""
    return SuggestOut(suggestions=queries.suggest(q, limit))


@router.get("/search/synonyms", response=list[SynonymOut], summary="The synonym table (administrators)")
def list_synonyms(request: HttpRequest) -> list[Synonym]:
    actions.check_can_edit_synonyms(request.user)
    return list(queries.synonyms())


@router.post("/search/synonyms", response={201: SynonymOut}, summary="Add a synonym (administrators)")
def create_synonym(request: HttpRequest, payload: SynonymIn) -> tuple[int, Synonym]:
    return 201, actions.do_save_synonym(
        request.user, payload.phrase, payload.expansion, is_active=payload.is_active
    )


@router.put("/search/synonyms/{synonym_id}", response=SynonymOut, summary="Change a synonym (administrators)")
def update_synonym(request: HttpRequest, synonym_id: int, payload: SynonymIn) -> Synonym:
    actions.check_can_edit_synonyms(request.user)
    synonym = get_object_or_404(Synonym, pk=synonym_id)
    return actions.do_save_synonym(
        request.user, payload.phrase, payload.expansion, is_active=payload.is_active, synonym=synonym
    )


@router.delete(
    "/search/synonyms/{synonym_id}", response={204: None}, summary="Delete a synonym (administrators)"
)
def delete_synonym(request: HttpRequest, synonym_id: int) -> tuple[int, None]:
    actions.check_can_edit_synonyms(request.user)
    actions.do_delete_synonym(request.user, get_object_or_404(Synonym, pk=synonym_id))
    return 204, None
