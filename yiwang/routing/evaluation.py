"""Cross-validated evaluation of the router (交叉验证评估): the figures of ``yiwang routing evaluate``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, recall_score
from sklearn.model_selection import StratifiedKFold

from yiwang.routing.classifier import FeatureConfig, lead, train


@dataclass(frozen=True)
class Dispatch:
    """What a threshold does to a set of predictions: share dispatched automatically and how many were right."""

    coverage: float
    precision: float | None  # None when nothing is dispatched


def dispatch_at(leads: np.ndarray, correct: np.ndarray, thresholds: np.ndarray | float) -> Dispatch:
    """Coverage (自动派单率) and precision among the auto-dispatched: a message goes when its lead reaches its threshold."""
    if len(leads) == 0:
        return Dispatch(coverage=0.0, precision=None)
    dispatched = leads >= thresholds
    count = int(dispatched.sum())
    precision = float(correct[dispatched].sum() / count) if count else None
    return Dispatch(coverage=count / len(leads), precision=precision)


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    config: FeatureConfig,
    *,
    folds: int = 5,
    target_precision: float = 0.98,
    fixed_threshold: float | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Stratified k-fold evaluation as deployed: each fold's model calibrates its own threshold on its
    training part only (nested), then routes the held-out part; ``fixed_threshold`` overrides it.
    """
    label_array = np.asarray(labels, dtype=str)
    predicted = np.empty(len(label_array), dtype=object)
    leads = np.zeros(len(label_array))
    thresholds = np.zeros(len(label_array))
    fold_thresholds: list[float] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_index, test_index in splitter.split(np.zeros(len(label_array)), label_array):
        model = train([texts[i] for i in train_index], label_array[train_index], config, target_precision)
        probabilities = model.probabilities([texts[i] for i in test_index])
        predicted[test_index] = np.asarray(model.classes, dtype=object)[probabilities.argmax(axis=1)]
        leads[test_index] = lead(probabilities)
        threshold = model.threshold if fixed_threshold is None else fixed_threshold
        thresholds[test_index] = threshold
        fold_thresholds.append(threshold)
    return report(label_array, predicted.astype(str), leads, thresholds, fold_thresholds, folds)


def report(
    truth: np.ndarray,
    predicted: np.ndarray,
    leads: np.ndarray,
    thresholds: np.ndarray,
    fold_thresholds: list[float],
    folds: int,
) -> dict[str, Any]:
    """The evaluation JSON object (one per run)."""
    classes = sorted(set(truth))
    recalls = recall_score(truth, predicted, labels=classes, average=None, zero_division=0)
    dispatch = dispatch_at(leads, predicted == truth, thresholds)
    return {
        "n_samples": len(truth),
        "folds": folds,
        "classes": classes,
        "macro_f1": round(float(f1_score(truth, predicted, labels=classes, average="macro")), 4),
        "accuracy": round(float((predicted == truth).mean()), 4),
        "per_class_recall": {
            label: round(float(recall), 4) for label, recall in zip(classes, recalls, strict=True)
        },
        "threshold": round(float(np.mean(fold_thresholds)), 4),
        "fold_thresholds": [round(value, 4) for value in fold_thresholds],
        "coverage": round(dispatch.coverage, 4),
        "precision_at_threshold": None if dispatch.precision is None else round(dispatch.precision, 4),
    }
