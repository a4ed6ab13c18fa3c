"""Signing licences (证照签章): the signed payload, the signer interface and the file-based Ed25519 signer.

The signer holds the private keys; only it can sign. Public keys are registered in :class:`SigningKey` rows so
anyone can verify, online (:mod:`yiwang.licences.queries`) or offline (``GET /api/v1/licences/keys``). Another
signer (a hardware security module, a cloud KMS) implements :class:`LicenceSigner` and is chosen with the
``LICENCE_SIGNER`` setting.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from yiwang.core.audit import canonical_json
from yiwang.licences.models import Licence, SigningKey
from yiwang.org.models import Department

PAYLOAD_VERSION = 1
_SAFE_DIRECTORY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 style)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url_encode`; raises ValueError on anything that is not base64url."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def format_issued_at(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def licence_payload(licence: Licence) -> dict[str, Any]:
    """Every field of ``licence`` that its signature covers (签章内容). Status is not signed: it changes."""
    return {
        "v": PAYLOAD_VERSION,
        "number": licence.number,
        "type": licence.licence_type.code,
        "type_name": licence.type_name,
        "holder": {
            "kind": licence.holder_kind,
            "name": licence.holder_name,
            "id": licence.holder_identifier,
        },
        "issuer": {"code": licence.department.code, "name": licence.issuer_name},
        "valid_from": licence.valid_from.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "details": licence.details,
        "case": licence.case_reference,
        "issued_at": format_issued_at(licence.issued_at),
        "kid": licence.signing_key.kid,
    }


def canonical_payload(payload: dict[str, Any]) -> str:
    """The exact text that is signed: canonical JSON (sorted keys, no whitespace), UTF-8 when encoded."""
    return canonical_json(payload)


def key_id_for(public_key: Ed25519PublicKey) -> str:
    """The key id (kid): the RFC 7638 JWK thumbprint of the public key, unique and checkable by anyone."""
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(_raw_public_bytes(public_key))}
    return b64url_encode(hashlib.sha256(canonical_json(jwk).encode()).digest())


def _raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signature_matches(key: SigningKey, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64url) is ``key``'s Ed25519 signature of ``message``."""
    try:
        public_key = Ed25519PublicKey.from_public_bytes(b64url_decode(key.public_key))
        public_key.verify(b64url_decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _current_key_row(department: Department) -> SigningKey | None:
    return SigningKey.objects.filter(department=department, retired_at__isnull=True).first()


def register_public_key(department: Department, public_key: Ed25519PublicKey) -> SigningKey:
    """Record a new current public key of ``department`` (for every signer implementation)."""
    return SigningKey.objects.create(
        kid=key_id_for(public_key),
        department=department,
        public_key=b64url_encode(_raw_public_bytes(public_key)),
        created_at=timezone.now(),
    )


def _lock_department(department: Department) -> None:
    """Serialise key creation and rotation for one department (a no-op lock on SQLite, whose writers queue)."""
    list(Department.objects.select_for_update().filter(pk=department.pk).values_list("pk", flat=True))


class LicenceSigner(Protocol):
    """Holds the departments' private keys: signs with them and rotates them; they never leave the signer."""

    def current_key(self, department: Department) -> SigningKey:
        """The department's current key, made on first use. Call inside the transaction that uses it."""
        ...

    def sign(self, key: SigningKey, message: bytes) -> str:
        """``key``'s Ed25519 signature of ``message``, base64url."""
        ...

    def rotate(self, department: Department) -> SigningKey:
        """Retire the department's current key (it keeps verifying) and make a new current one."""
        ...


# Private keys already read from disk in this process, by file path (signing is on the exchange's hot path).
_loaded_private_keys: dict[Path, Ed25519PrivateKey] = {}


class FileKeySigner:
    """Ed25519 private keys as PEM files under ``DATA_DIR/keys/<department code>/<kid>.pem`` (mode 0600).

    On several application servers the key directory must be shared (or use a KMS signer instead).
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(settings.DATA_DIR) / "keys"

    def _key_path(self, department_code: str, kid: str) -> Path:
        if not _SAFE_DIRECTORY_NAME.match(department_code):
            raise ImproperlyConfigured(f"department code {department_code!r} cannot name a key directory")
        return self.root / department_code / f"{kid}.pem"

    def _create_key(self, department: Department) -> SigningKey:
        private_key = Ed25519PrivateKey.generate()
        key = register_public_key(department, private_key.public_key())
        path = self._key_path(department.code, key.kid)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as key_file:
            key_file.write(pem)
        return key

    def _private_key(self, key: SigningKey) -> Ed25519PrivateKey:
        path = self._key_path(key.department.code, key.kid)
        cached = _loaded_private_keys.get(path)
        if cached is not None:  # a kid is the thumbprint of its key: the file behind a path never changes
            return cached
        try:
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except FileNotFoundError:
            raise ImproperlyConfigured(
                f"the private key {path} of department {key.department.code} is missing; restore it from the "
                f"backup or run `yiwang licences rotate-key {key.department.code}`"
            ) from None
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ImproperlyConfigured(f"{path} is not an Ed25519 private key")
        _loaded_private_keys[path] = loaded
        return loaded

    def current_key(self, department: Department) -> SigningKey:
        with transaction.atomic():
            key = _current_key_row(department)
            if key is None:
                _lock_department(department)
                key = _current_key_row(department) or self._create_key(department)
            return key

    def sign(self, key: SigningKey, message: bytes) -> str:
        return b64url_encode(self._private_key(key).sign(message))

    def rotate(self, department: Department) -> SigningKey:
        with transaction.atomic():
            _lock_department(department)
            SigningKey.objects.filter(department=department, retired_at__isnull=True).update(
                retired_at=timezone.now()
            )
            return self._create_key(department)


@cache
def _signer_class(path: str) -> type[LicenceSigner]:
    return import_string(path)


def get_signer() -> LicenceSigner:
    """The signer named by the ``LICENCE_SIGNER`` setting (default: :class:`FileKeySigner`)."""
    return _signer_class(settings.LICENCE_SIGNER)()
