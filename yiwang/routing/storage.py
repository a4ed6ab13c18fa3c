"""Model files (模型文件) under DATA_DIR/routing, checked against the SHA-256 recorded in the database."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings

from yiwang.routing.classifier import TextClassifier
from yiwang.routing.models import RoutingModel

FILE_EXTENSION = "npz"


class ModelIntegrityError(Exception):
    """A model file is missing, differs from what was recorded when it was trained, or is of another format:
    never load it."""


def model_directory() -> Path:
    directory = Path(settings.DATA_DIR) / "routing"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def write_model_file(version: int, content: bytes) -> tuple[str, str]:
    """Write ``content`` as ``<version>.npz`` atomically; returns (file name, SHA-256)."""
    file_name = f"{version}.{FILE_EXTENSION}"
    path = model_directory() / file_name
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)
    return file_name, hashlib.sha256(content).hexdigest()


def load_model_file(row: RoutingModel) -> TextClassifier:
    """Read the file of ``row``, refuse it unless its SHA-256 matches the database and it loads as a model of
    this release's format, then load plain arrays."""
    path = model_directory() / Path(row.file_name).name
    try:
        content = path.read_bytes()
    except FileNotFoundError as error:
        raise ModelIntegrityError(f"routing model v{row.version}: file {path} is missing") from error
    digest = hashlib.sha256(content).hexdigest()
    if digest != row.file_sha256:
        raise ModelIntegrityError(
            f"routing model v{row.version}: file SHA-256 {digest} differs from the recorded {row.file_sha256}"
        )
    try:
        return TextClassifier.from_bytes(content)
    except ValueError as error:  # e.g. a file of an older format: retrain
        raise ModelIntegrityError(f"routing model v{row.version}: {error}") from error
