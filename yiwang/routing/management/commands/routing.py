"""``yiwang routing train|evaluate|retrain|coldstart``: the message router's tools (智能分拨)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yiwang.routing.actions import do_retrain, do_seed_demo_labels, do_train_from_samples
from yiwang.routing.classifier import FeatureConfig
from yiwang.routing.datasets import DatasetError, LabelledTexts, read_labelled_csv
from yiwang.routing.evaluation import cross_validate


def _add_data_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--data", required=True, type=Path, help="CSV file with a text and a label column")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label", help="department codes or category names")
    parser.add_argument(
        "--join-segmented",
        action="store_true",
        help="remove the spaces of rows whose `form` column is `segmented` (pre-split words)",
    )


class Command(BaseCommand):
    help = "Message routing: train or evaluate on a CSV file, retrain from labels, cold-start from demo data."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        train = subcommands.add_parser("train", help="train a model on a CSV file and activate it")
        _add_data_arguments(train)
        evaluate = subcommands.add_parser("evaluate", help="stratified k-fold cross-validation on a CSV file")
        _add_data_arguments(evaluate)
        evaluate.add_argument("--folds", type=int, default=5)
        evaluate.add_argument("--threshold", type=float, help="fixed threshold instead of the calibrated one")
        evaluate.add_argument("--json", action="store_true", help="print one JSON object")
        subcommands.add_parser(
            "retrain",
            help="retrain from the labels; keep the current model if it does better on labels it never saw",
        )
        subcommands.add_parser("coldstart", help="seed the demo messages as labels and retrain")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['subcommand']}")(options)
        except (DatasetError, ValidationError) as error:
            raise CommandError(
                str(error.messages[0] if isinstance(error, ValidationError) else error)
            ) from error

    def _read(self, options: dict[str, Any]) -> LabelledTexts:
        return read_labelled_csv(
            options["data"], options["text_column"], options["label_column"], options["join_segmented"]
        )

    def _train(self, options: dict[str, Any]) -> None:
        data = self._read(options)
        row = do_train_from_samples(
            None, data.texts, data.labels, data_source=f"file:{data.name}", extra={"data_sha256": data.sha256}
        )
        self.stdout.write(
            f"routing model v{row.version} active: {len(data.texts)} samples, "
            f"{len(row.training['classes'])} classes, threshold {row.threshold:.4f}"
        )

    def _evaluate(self, options: dict[str, Any]) -> None:
        data = self._read(options)
        if options["folds"] < 2:
            raise CommandError("--folds must be at least 2")
        result = cross_validate(
            data.texts,
            data.labels,
            FeatureConfig.for_sample_count(len(data.texts)),
            folds=options["folds"],
            target_precision=settings.ROUTING_TARGET_PRECISION,
            fixed_threshold=options["threshold"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for key in (
            "n_samples",
            "folds",
            "macro_f1",
            "accuracy",
            "threshold",
            "coverage",
            "precision_at_threshold",
        ):
            self.stdout.write(f"{key}: {result[key]}")
        for label, recall in result["per_class_recall"].items():
            self.stdout.write(f"recall {label}: {recall}")

    def _retrain(self, options: dict[str, Any]) -> None:
        outcome = do_retrain(None)
        if outcome.unchanged:
            self.stdout.write("nothing new since the active model was trained: it stays")
        elif outcome.model is None:
            self.stdout.write(
                f"kept the current model: candidate macro-F1 {outcome.candidate_macro_f1} "
                f"< current {outcome.current_macro_f1} on the held-out labels"
            )
        else:
            self.stdout.write(f"routing model v{outcome.model.version} active ({outcome.n_samples} samples)")

    def _coldstart(self, options: dict[str, Any]) -> None:
        seeded = do_seed_demo_labels(None)
        self.stdout.write(f"{seeded} demo messages stored as labels")
        self._retrain(options)
