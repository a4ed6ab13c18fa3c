"""Routing quality on real citizen messages (智能分拨基准): our router beside a plain baseline, same folds.

Reads ../shared/data/hotline/teddy2020-train.csv (development only: never committed, never shipped, no model
trained on it is kept) and skips cleanly when it is absent. Both systems see the same stratified 5-fold split:

- baseline: character 1–3 gram TF-IDF + LinearSVC (C=1), argmax, no threshold;
- router: yiwang.routing with its default configuration (char 1–3 + rjieba word 1–2 TF-IDF + char 1–3 of
  the opening 30 characters, balanced LinearSVC, softmax calibration and an auto-dispatch threshold calibrated
  inside each training fold only, by inner 3-fold CV, for ROUTING_TARGET_PRECISION 0.98).

Run: ``.venv/bin/python bench/routing.py [--folds 5]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "hotline" / "teddy2020-train.csv"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")


def baseline(texts: list[str], labels: np.ndarray, folds: int) -> dict[str, float]:
    predicted = np.empty(len(labels), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train_index, test_index in splitter.split(np.zeros(len(labels)), labels):
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        features = vectorizer.fit_transform([texts[i] for i in train_index])
        svm = LinearSVC().fit(features, labels[train_index])
        predicted[test_index] = svm.predict(vectorizer.transform([texts[i] for i in test_index]))
    return {
        "macro_f1": round(float(f1_score(labels, predicted.astype(str), average="macro")), 4),
        "accuracy": round(float((predicted == labels).mean()), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    arguments = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} is absent (development data, see ../shared/data/README.md)")
        return 0
    import django

    django.setup()
    from django.conf import settings

    from yiwang.routing.classifier import FeatureConfig
    from yiwang.routing.datasets import read_labelled_csv
    from yiwang.routing.evaluation import cross_validate

    data = read_labelled_csv(DATA, join_segmented=True)
    labels = np.asarray(data.labels, dtype=str)
    print(f"data: {len(labels)} messages, {len(set(data.labels))} categories, {arguments.folds}-fold CV")

    started = time.perf_counter()
    base = baseline(data.texts, labels, arguments.folds)
    base_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ours = cross_validate(
        data.texts,
        data.labels,
        FeatureConfig.for_sample_count(len(labels)),
        folds=arguments.folds,
        target_precision=settings.ROUTING_TARGET_PRECISION,
    )
    ours_seconds = time.perf_counter() - started

    print()
    print(f"{'figure':<28}{'baseline':>12}{'router':>12}{'ratio':>10}")
    for key in ("macro_f1", "accuracy"):
        print(f"{key:<28}{base[key]:>12.4f}{ours[key]:>12.4f}{ours[key] / base[key]:>10.3f}")
    print(f"{'coverage (auto-dispatched)':<28}{'100 %':>12}{ours['coverage'] * 100:>11.1f}%")
    precision = ours["precision_at_threshold"]
    print(f"{'precision when automatic':<28}{base['accuracy']:>12.4f}{precision or 0:>12.4f}")
    print(f"{'threshold (mean of folds)':<28}{'-':>12}{ours['threshold']:>12.4f}")
    print(
        f"{'seconds (all folds)':<28}{base_seconds:>12.1f}{ours_seconds:>12.1f}{ours_seconds / base_seconds:>10.2f}"
    )
    print()
    print("router recall per category:")
    for label, recall in ours["per_class_recall"].items():
        print(f"  {label:<12}{recall:.4f}")
    print()
    print("targets: macro-F1 >= 0.93; coverage >= 85 % at precision >= 98 %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
