"""Threshold arithmetic: coverage (自动派单率) and precision among the auto-dispatched."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.routing.classifier import NEVER_DISPATCH, calibrated_threshold, lead
from yiwang.routing.evaluation import dispatch_at

predictions = st.lists(
    st.tuples(st.floats(0, 0.999999, allow_nan=False), st.booleans()), min_size=1, max_size=60
).map(lambda rows: (np.array([c for c, _ in rows]), np.array([ok for _, ok in rows])))


@given(predictions, st.floats(0, 1), st.floats(0, 1))
def test_coverage_and_precision_are_shares_and_coverage_falls_as_threshold_rises(
    data: tuple[np.ndarray, np.ndarray], low: float, high: float
) -> None:
    confidences, correct = data
    low, high = sorted((low, high))
    at_low, at_high = dispatch_at(confidences, correct, low), dispatch_at(confidences, correct, high)
    for dispatch in (at_low, at_high):
        assert 0 <= dispatch.coverage <= 1
        assert dispatch.precision is None or 0 <= dispatch.precision <= 1
    assert at_high.coverage <= at_low.coverage


@given(predictions, st.sampled_from([0.8, 0.9, 0.98, 1.0]))
def test_calibrated_threshold_is_the_lowest_reaching_the_target(
    data: tuple[np.ndarray, np.ndarray], target: float
) -> None:
    confidences, correct = data
    threshold = calibrated_threshold(confidences, correct, target)
    if threshold == NEVER_DISPATCH:
        reachable = [
            c for c in confidences if (dispatch_at(confidences, correct, c).precision or 0) >= target
        ]
        assert reachable == []
        return
    dispatch = dispatch_at(confidences, correct, threshold)
    assert dispatch.precision is not None and dispatch.precision >= target
    for lower in confidences[confidences < threshold]:
        assert (dispatch_at(confidences, correct, lower).precision or 0) < target


def test_worked_example() -> None:
    confidences = np.array([0.95, 0.9, 0.8, 0.6, 0.5])
    correct = np.array([True, True, False, True, False])
    assert calibrated_threshold(confidences, correct, 0.75) == 0.6  # 3 of 4 right at 0.6
    dispatch = dispatch_at(confidences, correct, 0.6)
    assert (dispatch.coverage, dispatch.precision) == (0.8, 0.75)
    assert dispatch_at(confidences, correct, 0.99).precision is None


probability_rows = (
    st.integers(2, 8)
    .flatmap(
        lambda width: st.lists(
            st.lists(st.floats(0.001, 1, allow_nan=False), min_size=width, max_size=width),
            min_size=1,
            max_size=20,
        )
    )
    .map(lambda rows: np.array(rows) / np.array(rows).sum(axis=1, keepdims=True))
)


@given(probability_rows)
def test_the_lead_is_the_gap_between_the_two_best_departments(probabilities: np.ndarray) -> None:
    leads = lead(probabilities)
    ordered = np.sort(probabilities, axis=1)
    assert np.allclose(leads, ordered[:, -1] - ordered[:, -2])
    assert np.all(leads >= 0) and np.all(leads <= probabilities.max(axis=1))


def test_a_message_torn_between_two_departments_has_no_lead() -> None:
    torn, clear = [0.45, 0.45, 0.1], [0.6, 0.2, 0.2]
    assert lead(np.array([torn, clear])).tolist() == pytest.approx([0.0, 0.4])
    assert lead(np.array([[0.7]])).tolist() == pytest.approx([0.7])  # one department: nothing to trail
