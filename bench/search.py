"""Search benchmark (搜索基准): 100,000 synthetic documents on the configured backend.

    .venv/bin/python bench/search.py                 # SQLite FTS5 (own temporary data directory)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_bench .venv/bin/python bench/search.py

The corpus: Guang'an catalogue item names with variations (county, stage suffix) plus generated policy-like
text from a vocabulary. Prints index build time, then p50/p95 latency of the full search path (query reading,
synonyms, typo check, ranking, highlighting) for selective and common-word queries, beside the baseline measured
in the same run on the same data: an exact-title lookup through a B-tree index in a plain table, on the same
database engine. Then lists the slowest queries, each with its own p50/p95. Result counts are exact up to 1,000
(the search stops counting there: "1000+"). The PostgreSQL run migrates the database it is given: use a scratch database.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
os.environ.setdefault("YIWANG_DATA_DIR", tempfile.mkdtemp(prefix="yiwang-bench-"))
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-0123456789-0123456789")
os.environ.setdefault("DATABASE_POOL", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from yiwang.search import queries  # noqa: E402
from yiwang.search.backends import configured_backend_name, get_backend  # noqa: E402
from yiwang.search.backends.base import SearchQuery  # noqa: E402
from yiwang.search.backends.sqlite_fts5 import SqliteFts5Backend  # noqa: E402
from yiwang.search.documents import SearchDocument  # noqa: E402

CATALOGUES = [
    ROOT / "yiwang" / "demo" / "data" / "guangan-service-items.csv",
    ROOT.parent / "shared" / "data" / "catalog" / "guangan-service-items.csv",
]
COUNTIES = ["广安区", "前锋区", "岳池县", "武胜县", "邻水县", "华蓥市", "广安经开区", "协兴园区"]
STAGES = ["", "（县级）", "（市级）", "变更", "注销", "延续", "补办", "（告知承诺）", "（网上办理）"]
POLICY_WORDS = [
    "申请人",
    "应当",
    "提交",
    "材料",
    "办理",
    "时限",
    "工作日",
    "受理",
    "审核",
    "决定",
    "送达",
    "依据",
    "条例",
    "规定",
    "办法",
    "实施",
    "细则",
    "部门",
    "窗口",
    "网上",
    "办事",
    "大厅",
    "预约",
    "咨询",
    "电话",
    "地址",
    "收费",
    "标准",
    "免费",
    "减免",
    "条件",
    "年满",
    "户籍",
    "居住",
    "证明",
    "身份证",
    "营业执照",
    "原件",
    "复印件",
    "电子",
    "证照",
    "共享",
    "核验",
    "现场",
    "勘验",
    "专家",
    "评审",
    "公示",
    "听证",
    "许可",
    "备案",
    "登记",
    "变更",
    "注销",
    "补办",
    "延续",
    "换证",
    "企业",
    "个人",
    "法人",
    "社会",
    "保障",
    "医疗",
    "保险",
    "养老",
    "失业",
    "工伤",
    "生育",
    "住房",
    "公积金",
    "不动产",
    "交通",
    "运输",
    "教育",
    "卫生",
    "健康",
    "民政",
    "救助",
    "残疾人",
    "退役",
    "军人",
    "农业",
    "林业",
    "水利",
    "环境",
    "保护",
    "市场",
    "监管",
    "食品",
    "药品",
    "安全",
    "生产",
    "消防",
    "建设",
    "规划",
    "城市",
    "管理",
    "税务",
    "发票",
    "申报",
    "缴纳",
    "补贴",
    "奖励",
    "资助",
    "扶持",
    "创业",
    "就业",
    "培训",
    "技能",
    "人才",
    "引进",
    "落户",
    "子女",
    "入学",
    "老年人",
    "优待",
    "服务",
    "便民",
    "一网通办",
    "最多跑一次",
    "容缺",
    "受理",
    "承诺",
    "时限",
    "法定",
    "期限",
    "办结",
    "结果",
    "领取",
    "邮寄",
]
SELECTIVE_QUERIES = [
    "社会保障卡挂失",
    "sbk丢了",
    "shebaoka",
    "生孩子要办什么",
    "开饭店",
    "残疾人证新办",
    "户口登计",
    "公共租赁住房",
    "临时救助",
    "结婚登记预约",
]
COMMON_QUERIES = ["申请", "登记 变更", "证明", "服务 办理", "补贴 申领"]


def catalogue_names() -> list[str]:
    path = next(path for path in CATALOGUES if path.exists())
    with path.open(encoding="utf-8") as file:
        return [row["item_name"] for row in csv.DictReader(file)]


def corpus(size: int, rng: random.Random) -> Iterator[SearchDocument]:
    names = catalogue_names()
    for number in range(size):
        name = names[number % len(names)]
        round_ = number // len(names)
        title = (
            name if round_ == 0 else f"{COUNTIES[round_ % len(COUNTIES)]}{name}{STAGES[round_ % len(STAGES)]}"
        )
        body = "".join(rng.choice(POLICY_WORDS) for _ in range(rng.randint(20, 60)))
        yield SearchDocument(
            kind="item",
            code=f"bench-{number}",
            title=title,
            body=body,
            department_name=COUNTIES[number % len(COUNTIES)],
            item_type=rng.choice(["licence", "confirmation", "public_service", "benefit"]),
            audiences=("person",) if number % 3 else ("company",),
            popularity=rng.random() if number % 10 == 0 else 0.0,
            url=f"/services/bench-{number}/",
        )


def matches(text: str) -> str:
    """How many documents the search reports: exact up to the count cap, "1000+" beyond it."""
    results = queries.search(SearchQuery(text))
    return f"{results.total:,}{'+' if results.total_capped else ''}"


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def measure(run: Callable[[str], object], texts: list[str], rounds: int) -> list[float]:
    for text in texts:  # warm up caches and plans
        run(text)
    samples = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            run(text)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


class Baseline:
    """A plain table of titles with a B-tree index, in the same engine as the search backend."""

    def __init__(self, titles: list[str]) -> None:
        backend = get_backend()
        self.sqlite = backend.connection if isinstance(backend, SqliteFts5Backend) else None
        rows = list(enumerate(titles))
        if self.sqlite is not None:
            self.sqlite.executescript(
                "DROP TABLE IF EXISTS bench_title; CREATE TABLE bench_title (id INTEGER PRIMARY KEY, title TEXT);"
            )
            self.sqlite.execute("BEGIN")
            self.sqlite.executemany("INSERT INTO bench_title VALUES (?, ?)", rows)
            self.sqlite.execute("COMMIT")
            self.sqlite.execute("CREATE INDEX bench_title_title ON bench_title (title)")
        else:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_title")
                cursor.execute("CREATE TABLE bench_title (id integer PRIMARY KEY, title text)")
                cursor.executemany("INSERT INTO bench_title VALUES (%s, %s)", rows)
                cursor.execute("CREATE INDEX bench_title_title ON bench_title (title)")
                cursor.execute("ANALYZE bench_title")

    def lookup(self, title: str) -> object:
        if self.sqlite is not None:
            return self.sqlite.execute(
                "SELECT id, title FROM bench_title WHERE title = ?", (title,)
            ).fetchall()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, title FROM bench_title WHERE title = %s", [title])
            return cursor.fetchall()

    def drop(self) -> None:
        if self.sqlite is not None:
            self.sqlite.execute("DROP TABLE bench_title")
        else:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE bench_title")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30, help="passes over each query list")
    parser.add_argument("--keep", action="store_true", help="keep the index afterwards")
    parser.add_argument("--slowest", type=int, default=8, help="how many of the slowest queries to list")
    arguments = parser.parse_args()
    rng = random.Random(20240601)

    call_command("migrate", verbosity=0)
    backend = get_backend()
    print(
        f"backend: {configured_backend_name()}  database: {connection.vendor}  documents: {arguments.documents:,}"
    )
    backend.clear()
    start = time.perf_counter()
    indexed = backend.index(corpus(arguments.documents, rng))
    backend.optimize()  # as `yiwang search reindex` does after a rebuild
    build_seconds = time.perf_counter() - start
    print(
        f"index build: {indexed:,} documents in {build_seconds:.1f} s ({indexed / build_seconds:,.0f} docs/s)"
    )

    titles = [document.title for document in corpus(arguments.documents, random.Random(1))]
    baseline = Baseline(titles)
    lookups = rng.sample(titles, 50)
    base_p50, base_p95 = percentiles(measure(baseline.lookup, lookups, arguments.rounds))
    print(f"baseline  exact-title B-tree lookup      p50 {base_p50:7.3f} ms  p95 {base_p95:7.3f} ms")

    def search(text: str) -> object:
        return queries.search(SearchQuery(text, limit=10))

    per_query: list[tuple[float, float, str, str]] = []
    for label, texts in (("selective", SELECTIVE_QUERIES), ("common-word", COMMON_QUERIES)):
        samples: list[float] = []
        for text in texts:
            query_samples = measure(search, [text], arguments.rounds)
            samples.extend(query_samples)
            per_query.append((*percentiles(query_samples), label, text))
        found = [queries.search(SearchQuery(text)) for text in texts]
        fewest = min(results.total for results in found)
        most = max(results.total for results in found)
        capped = "+" if any(results.total_capped for results in found) else ""
        p50, p95 = percentiles(samples)
        print(
            f"search    {label:<12} ({fewest:,}–{most:,}{capped} matches)"
            f"  p50 {p50:7.3f} ms  p95 {p95:7.3f} ms  ratio p95/baseline p95 {p95 / base_p95:8.1f}×"
        )
    print("slowest queries (p95 first):")
    for p50, p95, label, text in sorted(per_query, key=lambda row: row[1], reverse=True)[: arguments.slowest]:
        print(
            f"  {text:<10} {label:<12} {matches(text):>6} matches  p50 {p50:7.3f} ms  p95 {p95:7.3f} ms"
            f"  ratio p95/baseline p95 {p95 / base_p95:8.1f}×"
        )
    suggest_p50, suggest_p95 = percentiles(
        measure(
            lambda text: queries.suggest(text), ["社会", "户口", "sheb", "残疾人证", "canj"], arguments.rounds
        )
    )
    print(
        f"suggest   prefixes                      p50 {suggest_p50:7.3f} ms  p95 {suggest_p95:7.3f} ms"
        f"  ratio p95/baseline p95 {suggest_p95 / base_p95:8.1f}×"
    )
    baseline.drop()
    if not arguments.keep:
        backend.clear()


if __name__ == "__main__":
    main()
