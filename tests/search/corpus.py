"""A small real corpus for search tests: Guang'an district items (copied rows) plus three life-event bundles."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from yiwang.search.documents import SearchDocument

FIXTURE = Path(__file__).parent / "fixtures" / "guangan-items-sample.csv"
ITEM_TYPES = {
    "1": "licence",
    "5": "benefit",
    "7": "confirmation",
    "10": "other_power",
    "20": "public_service",
}
COMPANY_DEPARTMENTS = {"区行政审批局", "区市监局"}
POPULAR = {"社会保障卡申领": 0.9, "户口登记": 0.8, "个体工商户设立登记": 0.8, "公司设立登记": 0.7}

BUNDLES = [
    SearchDocument(
        kind="bundle",
        code="newborn",
        title="新生儿出生一件事",
        body="《出生医学证明》首次签发 户口登记 社会保障卡申领 城乡居民参保登记",
        department_name="区卫健局",
        audiences=("person",),
        url="/bundles/newborn/",
    ),
    SearchDocument(
        kind="bundle",
        code="restaurant",
        title="开办餐饮店一件事",
        body="个体工商户设立登记 公司设立登记 食品经营许可 公共场所卫生许可新办审批",
        department_name="区行政审批局",
        audiences=("person", "company"),
        url="/bundles/restaurant/",
    ),
    SearchDocument(
        kind="bundle",
        code="retirement",
        title="退休一件事",
        body="企业职工基本养老保险正常退休申请 城乡居民基本养老保险待遇申领 异地安置退休人员备案",
        department_name="区人社局",
        audiences=("person",),
        url="/bundles/retirement/",
    ),
]


def item_documents() -> list[SearchDocument]:
    with FIXTURE.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return [
        SearchDocument(
            kind="item",
            code=row["item_code"],
            title=row["item_name"],
            department_code=row["dept_code"],
            department_name=row["department"],
            item_type=ITEM_TYPES.get(row["task_type"], "other_power"),
            audiences=("company",) if row["department"] in COMPANY_DEPARTMENTS else ("person",),
            popularity=POPULAR.get(row["item_name"], 0.0),
            url=f"/services/{row['item_code']}/",
        )
        for row in rows
    ]


def item_code(title: str) -> str:
    return next(document.code for document in item_documents() if document.title == title)


class ListSource:
    """A document source over a fixed list (the catalogue's real source is tested with the catalogue)."""

    def __init__(self, documents: list[SearchDocument]) -> None:
        self.by_code = {document.code: document for document in documents}

    def documents(self, codes: Iterable[str] | None = None) -> list[SearchDocument]:
        if codes is None:
            return list(self.by_code.values())
        return [self.by_code[code] for code in codes if code in self.by_code]
