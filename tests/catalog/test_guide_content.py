"""The demo guides and bundles shipped in yiwang/catalog (办事指南与一件事内容): each matches its catalogue row,
passes the guide checks, and covers what citizens of the demo district ask for most."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from yiwang.catalog.checks import check_guide_data
from yiwang.catalog.guide import BundleFile

CATALOG_DIR = Path(__file__).resolve().parents[2] / "yiwang" / "catalog"
GUIDE_FILES = sorted((CATALOG_DIR / "guides").glob("*.json"))
BUNDLE_FILES = sorted((CATALOG_DIR / "bundles").glob("*.json"))
CATALOGUE_CSV = Path(__file__).resolve().parents[2] / "yiwang" / "demo" / "data" / "guangan-service-items.csv"
TASK_TYPES = {
    "1": "licence",
    "5": "benefit",
    "7": "confirmation",
    "8": "award",
    "9": "adjudication",
    "10": "other_power",
    "20": "public_service",
}


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _catalogue() -> dict[str, dict[str, str]]:
    with CATALOGUE_CSV.open(encoding="utf-8", newline="") as csv_file:
        return {row["item_code"]: row for row in csv.DictReader(csv_file)}


GUIDES = {path.stem: _load(path) for path in GUIDE_FILES}
CATALOGUE = _catalogue()


def _ids(paths: list[Path]) -> list[str]:
    return [path.stem for path in paths]


@pytest.mark.parametrize("path", GUIDE_FILES, ids=_ids(GUIDE_FILES))
def test_guide_passes_the_guide_checks(path: Path) -> None:
    assert [str(problem) for problem in check_guide_data(_load(path))] == []


@pytest.mark.parametrize("path", GUIDE_FILES, ids=_ids(GUIDE_FILES))
def test_guide_matches_its_catalogue_row(path: Path) -> None:
    guide = _load(path)
    row = CATALOGUE[guide["implementation_code"]]
    assert path.stem == guide["implementation_code"]
    assert guide["name"] == row["item_name"]
    assert guide["department"] == row["dept_code"]
    assert guide["item_type"] == TASK_TYPES[row["task_type"]]
    assert guide["implementation_code"].startswith(guide["basic_code"] + "-")


@pytest.mark.parametrize("path", GUIDE_FILES, ids=_ids(GUIDE_FILES))
def test_guide_tells_citizens_what_they_ask(path: Path) -> None:
    guide = _load(path)
    assert 2 <= len(guide["faqs"]) <= 3
    assert guide["keywords"], "everyday search words"
    assert guide["contact_phone"].startswith("0826-")
    for fee in guide["fees"]:
        assert fee["standard"] and fee["basis"]


def test_the_high_frequency_items_all_have_guides() -> None:
    names = {guide["name"] for guide in GUIDES.values()}
    expected = {
        "《出生医学证明》首次签发",
        "户口登记",
        "社会保障卡申领",
        "社会保障卡挂失",
        "城乡居民参保登记",
        "公司设立登记",
        "个体工商户设立登记",
        "食品(含保健食品)经营许可核发",
        "公共场所卫生许可新办审批（县级）",
        "失业保险金申领",
        "企业职工基本养老保险正常退休申请",
        "结婚登记预约",
        "残疾人证新办",
        "临时救助",
        "公共租赁住房申请资格审核认定",
        "无犯罪记录证明",
        "教师资格认定",
        "建筑工程施工许可证核发",
        "占用、挖掘城市道路审批",
        "设置大型户外广告的审批",
        "网络预约出租汽车运输证发放（新增）",
        "居民身份证办理（包括临时）",
    }
    assert expected <= names
    assert len(GUIDES) >= 25


def test_identity_card_fee_states_its_price_document() -> None:
    (guide,) = [guide for guide in GUIDES.values() if guide["name"] == "居民身份证办理（包括临时）"]
    fee = guide["fees"][0]
    assert fee["standard"] == "20元/证"
    assert "发改价格〔2003〕2322号" in fee["basis"]


@pytest.mark.parametrize("path", BUNDLE_FILES, ids=_ids(BUNDLE_FILES))
def test_bundle_groups_written_guides(path: Path) -> None:
    bundle = BundleFile.model_validate(_load(path))
    assert path.stem == bundle.code
    assert len(bundle.items) >= 2
    assert set(bundle.items) <= set(GUIDES), "every item of a bundle has a written guide"
    assert bundle.keywords


@pytest.mark.parametrize(
    ("code", "everyday_word", "item_name"),
    [
        ("newborn", "生孩子", "《出生医学证明》首次签发"),
        ("restaurant", "开饭店", "食品(含保健食品)经营许可核发"),
        ("retirement", "退休", "企业职工基本养老保险正常退休申请"),
    ],
)
def test_life_event_bundles_answer_everyday_words(code: str, everyday_word: str, item_name: str) -> None:
    bundle = BundleFile.model_validate(_load(CATALOG_DIR / "bundles" / f"{code}.json"))
    assert everyday_word in bundle.keywords
    assert item_name in {GUIDES[item]["name"] for item in bundle.items}
