"""Everyday queries find their service in the top 3, on whichever backend is configured (SQLite FTS5 or
PostgreSQL): synonyms, pinyin, one wrong character, filters, highlighting."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.search.corpus import item_code
from yiwang.search import queries
from yiwang.search.backends.base import SearchBackend, SearchQuery
from yiwang.search.models import Synonym

pytestmark = pytest.mark.django_db

EVERYDAY_QUERIES = [
    ("生孩子要办什么", "bundle", "newborn"),
    ("新生儿", "bundle", "newborn"),
    ("社保卡丢了", "item", "社会保障卡挂失"),
    ("sbk丢了", "item", "社会保障卡挂失"),
    ("shebaoka", "item", "社会保障卡申领"),
    ("she bao ka", "item", "社会保障卡申领"),
    ("SBK", "item", "社会保障卡申领"),
    ("开饭店", "bundle", "restaurant"),
    ("开餐馆", "bundle", "restaurant"),
    ("办营业执照", "item", "个体工商户设立登记"),
    ("退休", "item", "企业职工基本养老保险正常退休申请"),
    ("退休", "bundle", "retirement"),
    ("残疾证", "item", "残疾人证新办"),
    ("公租房", "item", "公共租赁住房申请资格审核认定"),
    ("上户口", "item", "户口登记"),
]
ONE_TYPO_QUERIES = [
    ("生孩孑", "生孩子", "bundle", "newborn"),
    ("社保咔丢了", "社保卡丢了", "item", "社会保障卡挂失"),
    ("开餐管", "开餐馆", "bundle", "restaurant"),
    ("办营业执找", "办营业执照", "item", "个体工商户设立登记"),
    ("退修", "退休", "bundle", "retirement"),
    ("户口登计", "户口登记", "item", "户口登记"),
    ("残疾人正", "残疾人证", "item", "残疾人证新办"),
]


def top3(text: str, **filters: str) -> list[tuple[str, str]]:
    results = queries.search(SearchQuery(text, limit=3, **filters))
    return [(hit.kind, hit.code if hit.kind == "bundle" else hit.title) for hit in results.hits]


@pytest.mark.parametrize(("text", "kind", "expected"), EVERYDAY_QUERIES)
def test_everyday_words_find_the_intended_service_in_the_top_3(
    corpus_backend: SearchBackend, text: str, kind: str, expected: str
) -> None:
    assert (kind, expected) in top3(text)


@pytest.mark.parametrize(("text", "corrected", "kind", "expected"), ONE_TYPO_QUERIES)
def test_one_wrong_character_still_finds_it_and_offers_the_correction(
    corpus_backend: SearchBackend, text: str, corrected: str, kind: str, expected: str
) -> None:
    results = queries.search(SearchQuery(text, limit=3))
    assert results.did_you_mean == corrected
    assert (kind, expected) in [
        (hit.kind, hit.code if hit.kind == "bundle" else hit.title) for hit in results.hits
    ]


def test_correct_words_get_no_did_you_mean(corpus_backend: SearchBackend) -> None:
    assert queries.search(SearchQuery("社会保障卡挂失")).did_you_mean == ""


def test_title_matches_outrank_body_matches_and_bundles_outrank_items(corpus_backend: SearchBackend) -> None:
    hits = queries.search(SearchQuery("户口登记", limit=5)).hits
    assert hits[0].title == "户口登记"
    # 户口登记 appears only in the body of the newborn bundle: it ranks below the items named so.
    titles = [hit.title for hit in hits]
    assert "户口登记项目内容变更更正证明" in titles


def test_a_new_synonym_works_at_once_without_reindexing(corpus_backend: SearchBackend) -> None:
    assert ("item", "临时救助") not in top3("手头紧急困难")
    synonym = Synonym.objects.create(phrase="手头紧", expansion="临时救助")
    assert top3("手头紧急困难")[0] == ("item", "临时救助")
    synonym.is_active = False
    synonym.save()
    assert ("item", "临时救助") not in top3("手头紧急困难")


def test_matches_are_highlighted_also_when_found_by_pinyin(corpus_backend: SearchBackend) -> None:
    hit = queries.search(SearchQuery("社保卡挂失", limit=1)).hits[0]
    assert hit.title == "社会保障卡挂失"
    assert str(hit.highlight) == "<mark>社会保障卡挂失</mark>"
    hit = queries.search(SearchQuery("hukou", limit=1)).hits[0]
    assert "<mark>户口</mark>" in hit.highlight


def test_filters_narrow_the_results(corpus_backend: SearchBackend) -> None:
    only_bundles = queries.search(SearchQuery("退休", kind="bundle")).hits
    assert only_bundles[0].code == "retirement"
    assert {hit.kind for hit in only_bundles} == {"bundle"}
    police = queries.search(SearchQuery("证明", department="1151130000877869M", limit=50))
    assert 0 < police.total < queries.search(SearchQuery("证明")).total
    assert all(hit.department_name == "区公安分局" for hit in police.hits)
    licences = queries.search(SearchQuery("登记", item_type="licence", limit=50)).hits
    assert licences and all(hit.item_type == "licence" for hit in licences)
    companies = queries.search(SearchQuery("登记", audience="company", limit=50)).hits
    assert companies and all(hit.department_name in {"区行政审批局", "区市监局"} for hit in companies)
    assert queries.search(SearchQuery("户口", kind="nonexistent")).total == 0


BAD_INPUTS = [
    "",
    "   ",
    "证",
    "a",
    "社" * 500,
    "😀😀😀",
    '"社保卡',
    "社保卡*",
    "NEAR(社保卡 挂失)",
    "社保卡 AND 挂失",
    "社保卡 OR NOT 挂失",
    "(((",
    "title:社保卡",
    "'; DROP TABLE search_document; --",
    "^社保卡",
    "\\",
    "\x00",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_never_raises(corpus_backend: SearchBackend, text: str) -> None:
    results = queries.search(SearchQuery(text))
    assert results.total >= len(results.hits)
    corpus_backend.suggest(text)


def test_unusable_queries_explain_themselves(corpus_backend: SearchBackend) -> None:
    assert queries.search(SearchQuery("")).message == "请输入要找的事项，例如“社保卡”或“开饭店”。"
    assert "可搜索的词" in queries.search(SearchQuery("😀😀😀")).message
    long = queries.search(SearchQuery("社会保障卡挂失" + "啊" * 500))
    assert "100" in long.message
    assert long.hits[0].title == "社会保障卡挂失"
    assert queries.search(SearchQuery("社保卡 AND 挂失", limit=1)).hits[0].title == "社会保障卡挂失"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=120))
def test_arbitrary_text_never_raises(corpus_backend: SearchBackend, text: str) -> None:
    results = queries.search(SearchQuery(text, limit=5))
    assert len(results.hits) <= 5
    corpus_backend.suggest(text)


def test_suggest_completes_titles_by_prefix_and_pinyin_prefix(corpus_backend: SearchBackend) -> None:
    assert "户口登记" in queries.suggest("户")
    assert "社会保障卡挂失" in queries.suggest("社会保障卡 挂")
    assert any(name.startswith("残疾人证") for name in queries.suggest("canji"))
    assert queries.suggest("") == []


def test_item_code_is_the_implementation_code(corpus_backend: SearchBackend) -> None:
    hit = queries.search(SearchQuery("临时救助", limit=1)).hits[0]
    assert hit.code == item_code("临时救助")
    assert hit.url == f"/services/{hit.code}/"
