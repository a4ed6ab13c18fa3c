"""Labelled CSV files for training and evaluation (标注数据文件)."""

from __future__ import annotations

import csv
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path


class DatasetError(ValueError):
    """The file cannot be used: missing, wrong columns, or too few labelled rows."""


@dataclass(frozen=True)
class LabelledTexts:
    texts: list[str]
    labels: list[str]
    sha256: str
    name: str


def read_labelled_csv(
    path: Path,
    text_column: str = "text",
    label_column: str = "label",
    join_segmented: bool = False,
    form_column: str = "form",
) -> LabelledTexts:
    """Rows with a text and a label; with ``join_segmented``, rows whose ``form`` is ``segmented`` (words
    separated by spaces) have their spaces removed to approximate the original message."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise DatasetError(f"cannot read {path}: {error.strerror}") from error
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.DictReader(content.decode("utf-8-sig").splitlines())
    missing = [column for column in (text_column, label_column) if column not in (reader.fieldnames or [])]
    if missing:
        raise DatasetError(
            f"{path.name}: no column {', '.join(missing)} (columns: {', '.join(reader.fieldnames or [])})"
        )
    texts: list[str] = []
    labels: list[str] = []
    for row in reader:
        text, label = (row[text_column] or "").strip(), (row[label_column] or "").strip()
        if not text or not label:
            continue
        if join_segmented and row.get(form_column) == "segmented":
            text = text.replace(" ", "")
        texts.append(text)
        labels.append(label)
    if len(set(labels)) < 2:
        raise DatasetError(f"{path.name}: at least two different labels are needed")
    return LabelledTexts(texts, labels, hashlib.sha256(content).hexdigest(), path.name)
