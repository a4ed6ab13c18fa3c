"""Cold start (冷启动): what the router knows before any dispatcher has corrected it.

Two files of this app, written by the team (no real citizen data): ``data/demo_messages.csv`` — short citizen
messages per demo department — and ``data/keywords.csv`` — routing keywords per department. Both name the
department by its short name in the demo catalogue; :func:`demo_department_codes` maps it to the department
code as :mod:`yiwang.demo.departments` does. Department duty texts (职责) from the database add one sample
per sentence.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from yiwang.demo.departments import catalogue_departments
from yiwang.org.models import Department

_SENTENCE_END = re.compile(r"[。；;！!？?\n]+")


@cache
def demo_department_codes() -> dict[str, str]:
    """Demo short name (e.g. 区人社局) → department code."""
    return {department.short_name: department.code for department in catalogue_departments()}


def _data_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("yiwang.routing").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def demo_messages() -> list[tuple[str, str]]:
    """(message, department code) pairs of the demo messages file."""
    codes = demo_department_codes()
    return [(row["text"], codes[row["department"]]) for row in _data_rows("demo_messages.csv")]


def department_keywords() -> dict[str, list[str]]:
    """Department code → routing keywords (分拨关键词)."""
    codes = demo_department_codes()
    return {codes[row["department"]]: row["keywords"].split() for row in _data_rows("keywords.csv")}


def knowledge_samples(departments: Iterable[Department]) -> list[tuple[str, str]]:
    """Training sentences from what each department does: its duty sentences, its keywords one by one and
    all together."""
    keywords = department_keywords()
    samples: list[tuple[str, str]] = []
    for department in departments:
        sentences = [part.strip() for part in _SENTENCE_END.split(department.duties) if part.strip()]
        words = keywords.get(department.code, [])
        texts = sentences + words + ([" ".join(words)] if words else [])
        samples.extend((text, department.code) for text in texts)
    return samples
