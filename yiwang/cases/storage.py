"""Content-addressed storage of application materials (申请材料存储).

A file is named by the SHA-256 of its bytes (``uploads/ab/abcdef…``): the same file uploaded twice is stored once,
and a stored file can always be checked against its name. The type is decided by the file's magic bytes, never by
its name. The store is behind :class:`MaterialStore`, so object storage can replace the file system.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

PDF, JPEG, PNG, OFD = "application/pdf", "image/jpeg", "image/png", "application/ofd"
ALLOWED_TYPES = (PDF, JPEG, PNG, OFD)


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


class MaterialStore(Protocol):
    """Where material files live, addressed by their SHA-256."""

    def save(self, content: bytes) -> StoredFile: ...

    def open(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...


class FileSystemStore:
    """Files under ``DATA_DIR/uploads/<sha256[:2]>/<sha256>``, written to a temporary file then renamed."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(settings.DATA_DIR) / "uploads"

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(char not in "0123456789abcdef" for char in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def save(self, content: bytes) -> StoredFile:
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(content)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return StoredFile(sha256=digest, size=len(content))

    def open(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()


@cache
def _store_class(dotted_path: str) -> type[MaterialStore]:
    store_class: type[MaterialStore] = import_string(dotted_path)
    return store_class


def get_store() -> MaterialStore:
    """The store configured in ``CASE_UPLOAD_STORE``."""
    return _store_class(settings.CASE_UPLOAD_STORE)()


def sniff_content_type(content: bytes) -> str | None:
    """PDF, JPEG, PNG or OFD (a ZIP package with ``OFD.xml`` at its root) by magic bytes; None for anything else."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as package:
                if "OFD.xml" in package.namelist():
                    return OFD
        except zipfile.BadZipFile:
            return None
    return None


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def check_upload(content: bytes, application_bytes_so_far: int) -> str:
    """The content type of an acceptable upload; ValidationError (``file``) naming the limit otherwise."""
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    limit = settings.CASE_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise ValidationError(
            {
                "file": _("The file is larger than the limit of %(limit)s per file.")
                % {"limit": megabytes(limit)}
            }
        )
    total_limit = settings.CASE_APPLICATION_MAX_BYTES
    if application_bytes_so_far + len(content) > total_limit:
        raise ValidationError(
            {
                "file": _("The application's files would exceed the limit of %(limit)s in total.")
                % {"limit": megabytes(total_limit)}
            }
        )
    content_type = sniff_content_type(content)
    if content_type is None:
        raise ValidationError({"file": _("Only PDF, JPEG, PNG and OFD files are accepted.")})
    return content_type
