"""Every state change of the routing app (分拨): labels, training, activation and retraining."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from yiwang.core.audit import record_audit
from yiwang.org.models import Department
from yiwang.routing import queries
from yiwang.routing.classifier import FeatureConfig, TextClassifier, train
from yiwang.routing.coldstart import demo_messages
from yiwang.routing.models import LabelSource, RoutingLabel, RoutingModel
from yiwang.routing.storage import ModelIntegrityError, load_model_file, write_model_file

logger = logging.getLogger(__name__)

MAX_LABEL_TEXT_LENGTH = 5000
HOLDOUT_SHARE = 0.2
# The fewest labels recorded since the active model that can judge a retrained one against it.
MIN_FRESH_LABELS = 5


def check_label_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise ValidationError({"text": _("Enter the message text.")})
    if len(cleaned) > MAX_LABEL_TEXT_LENGTH:
        raise ValidationError(
            {
                "text": _("The message is too long (at most %(limit)d characters).")
                % {"limit": MAX_LABEL_TEXT_LENGTH}
            }
        )
    return cleaned


def do_record_correction(
    actor: Any, text: str, department: Department | str, source: str = LabelSource.CORRECTION
) -> RoutingLabel:
    """Keep a dispatcher's correction or a department's send-back (退单) as a label the router learns from."""
    cleaned = check_label_text(text)
    code = department.code if isinstance(department, Department) else department.strip()
    if not code:
        raise ValidationError({"department": _("Choose a department.")})
    if source not in LabelSource.values:
        raise ValidationError({"source": _("Unknown label source.")})
    with transaction.atomic():
        label = RoutingLabel.objects.create(
            text=cleaned,
            department=code,
            source=source,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        record_audit(actor, "routing.label_recorded", label, {"department": code, "source": source})
    return label


def do_seed_demo_labels(actor: Any) -> int:
    """Store the team's demo messages as seed labels for departments in the database (once each)."""
    known = set(Department.objects.values_list("code", flat=True))
    existing = set(RoutingLabel.objects.filter(source=LabelSource.SEED).values_list("text", "department"))
    new = [(text, code) for text, code in demo_messages() if code in known and (text, code) not in existing]
    with transaction.atomic():
        RoutingLabel.objects.bulk_create(
            RoutingLabel(text=text, department=code, source=LabelSource.SEED) for text, code in new
        )
        if new:
            record_audit(
                actor, "routing.labels_seeded", ("routing.routinglabel", "seed"), {"count": len(new)}
            )
    return len(new)


def train_classifier(texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
    """Train with the default features for this much data and calibrate for the target precision."""
    return train(texts, labels, FeatureConfig.for_sample_count(len(texts)), settings.ROUTING_TARGET_PRECISION)


def do_save_model(
    actor: Any,
    model: TextClassifier,
    *,
    data_source: str,
    n_samples: int,
    extra: dict[str, Any] | None = None,
    activate: bool = True,
) -> RoutingModel:
    """Write a trained model as the next version with its training metadata; activate it if asked."""
    with transaction.atomic():
        version = queries.next_model_version()
        metadata = {
            "n_samples": n_samples,
            "classes": model.classes,
            "threshold": model.threshold,
            "softmax_scale": model.softmax_scale,
            "feature_config": model.config.as_json(),
            "calibration_folds": model.metadata.get("calibration_folds", 0),
            "target_precision": settings.ROUTING_TARGET_PRECISION,
            "data_source": data_source,
            **(extra or {}),
        }
        file_name, digest = write_model_file(version, model.to_bytes(metadata))
        row = RoutingModel.objects.create(
            version=version,
            file_name=file_name,
            file_sha256=digest,
            training={**metadata, "file_sha256": digest},
        )
        record_audit(
            actor,
            "routing.model_trained",
            row,
            {"version": version, "n_samples": n_samples, "data_source": data_source, "sha256": digest},
        )
        if activate:
            do_activate_model(actor, row)
    return row


def do_activate_model(actor: Any, row: RoutingModel) -> RoutingModel:
    """Make ``row`` the one active model (启用模型); its file must still match its SHA-256."""
    load_model_file(row)  # raises ModelIntegrityError before anything changes
    with transaction.atomic():
        previous = RoutingModel.objects.select_for_update().filter(is_active=True).exclude(pk=row.pk)
        previous_versions = list(previous.values_list("version", flat=True))
        previous.update(is_active=False)
        RoutingModel.objects.filter(pk=row.pk).update(is_active=True)
        row.is_active = True
        record_audit(
            actor, "routing.model_activated", row, {"version": row.version, "replaced": previous_versions}
        )
    return row


def do_train_from_samples(
    actor: Any,
    texts: Sequence[str],
    labels: Sequence[str],
    data_source: str,
    extra: dict[str, Any] | None = None,
) -> RoutingModel:
    """Train on the given samples (e.g. a CSV file) and activate the model."""
    model = train_classifier(texts, labels)
    return do_save_model(actor, model, data_source=data_source, n_samples=len(texts), extra=extra)


@dataclass(frozen=True)
class RetrainOutcome:
    """What a retrain did: the new model if activated, and the held-out macro-F1 of candidate and current."""

    model: RoutingModel | None
    candidate_macro_f1: float | None
    current_macro_f1: float | None
    n_samples: int
    unchanged: bool = False  # nothing new since the active model was trained: it stays

    @property
    def activated(self) -> bool:
        return self.model is not None


def _macro_f1(model: TextClassifier, texts: list[str], truth: list[str]) -> float:
    predicted = np.asarray(model.classes)[model.scores(texts).argmax(axis=1)]
    return float(f1_score(truth, predicted, labels=sorted(set(truth)), average="macro", zero_division=0))


def _holdout_split(labels: list[str]) -> tuple[list[int], list[int]]:
    indices = list(range(len(labels)))
    _values, counts = np.unique(labels, return_counts=True)
    stratify = labels if counts.min() >= 2 and len(labels) * HOLDOUT_SHARE >= len(counts) else None
    train_part, held_out = train_test_split(
        indices, test_size=HOLDOUT_SHARE, random_state=0, stratify=stratify
    )
    return list(train_part), list(held_out)


def _loadable(row: RoutingModel) -> TextClassifier | None:
    try:
        return load_model_file(row)
    except ModelIntegrityError:
        logger.exception("the active routing model cannot be loaded; replacing it")
        return None


def do_retrain(actor: Any) -> RetrainOutcome:
    """Retrain from every label plus the departments' duties and keywords (定期重训).

    The active model is judged on labels it never saw: those recorded since it was trained. When there are at
    least MIN_FRESH_LABELS of them, a candidate trained on everything except a 20 % share of them must reach the
    active model's macro-F1 on that share (minus ROUTING_RETRAIN_TOLERANCE); otherwise nothing changes. With
    fewer there is nothing to judge on, and the candidate, trained on the same data or more, replaces it. When
    nothing changed since the active model was trained, it stays. An accepted candidate is trained on all
    labels and activated.
    """
    dated = queries.dated_label_samples()
    labelled = [(text, code) for text, code, _at in dated]
    knowledge = queries.department_knowledge_samples()
    samples = labelled + knowledge
    if len({code for _text, code in samples}) < 2:
        raise ValidationError(
            _("At least two departments need labels or duties before the router can learn.")
        )
    digest = _samples_digest(samples)
    candidate_f1 = current_f1 = None
    current_row = queries.active_model()
    current = _loadable(current_row) if current_row is not None else None
    if current_row is not None and current is not None:
        if current_row.training.get("labels_digest") == digest:
            return RetrainOutcome(None, None, None, len(samples), unchanged=True)
        older = [(text, code) for text, code, at in dated if at <= current_row.created_at]
        fresh = [(text, code) for text, code, at in dated if at > current_row.created_at]
        if len(fresh) >= MIN_FRESH_LABELS:
            train_part, held_out = _holdout_split([code for _text, code in fresh])
            training = older + [fresh[i] for i in train_part] + knowledge
            candidate = train_classifier([text for text, _ in training], [code for _, code in training])
            held_texts, held_truth = [fresh[i][0] for i in held_out], [fresh[i][1] for i in held_out]
            candidate_f1 = round(_macro_f1(candidate, held_texts, held_truth), 4)
            current_f1 = round(_macro_f1(current, held_texts, held_truth), 4)
            if candidate_f1 < current_f1 - settings.ROUTING_RETRAIN_TOLERANCE:
                with transaction.atomic():
                    record_audit(
                        actor,
                        "routing.retrain_rejected",
                        current_row,
                        {"candidate_macro_f1": candidate_f1, "current_macro_f1": current_f1},
                    )
                return RetrainOutcome(None, candidate_f1, current_f1, len(samples))
    row = do_train_from_samples(
        actor,
        [text for text, _code in samples],
        [code for _text, code in samples],
        data_source=f"labels:{len(labelled)}+knowledge:{len(knowledge)}",
        extra={
            "holdout_candidate_macro_f1": candidate_f1,
            "holdout_previous_macro_f1": current_f1,
            "labels_digest": digest,
        },
    )
    return RetrainOutcome(row, candidate_f1, current_f1, len(samples))


def _samples_digest(samples: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for text, code in samples:
        digest.update(f"{code}\t{text}\n".encode())
    return digest.hexdigest()
