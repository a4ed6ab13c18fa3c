"""Signing and verifying licences: keys on disk, rotation, altered rows and presented copies."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command

from tests.licences.conftest import District, IssueLicence
from yiwang.core.audit import canonical_json
from yiwang.licences.models import Licence, SigningKey, VerificationStatus
from yiwang.licences.queries import verify_licence, verify_presented
from yiwang.licences.signer import b64url_decode, b64url_encode, canonical_payload, licence_payload

pytestmark = pytest.mark.django_db


def _presented(licence: Licence) -> tuple[str, str, str]:
    return canonical_payload(licence_payload(licence)), licence.signature, licence.signing_key.kid


def test_issued_licence_verifies_and_its_private_key_stays_on_disk(
    district: District, issue: IssueLicence, tmp_path: Path
) -> None:
    licence = issue()

    result = verify_licence(licence.number)
    assert result.status == VerificationStatus.VALID
    key_file = tmp_path / "keys" / "scjg" / f"{licence.signing_key.kid}.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key_file.read_bytes()
    # The key id is the RFC 7638 thumbprint of the public key kept in the table.
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": licence.signing_key.public_key}
    thumbprint = b64url_encode(hashlib.sha256(canonical_json(jwk).encode()).digest())
    assert licence.signing_key.kid == thumbprint


def test_signature_is_over_canonical_json_and_verifies_with_the_public_key_alone(
    district: District, issue: IssueLicence
) -> None:
    licence = issue()
    payload = canonical_payload(licence_payload(licence))

    assert payload == json.dumps(
        json.loads(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert json.loads(payload)["holder"] == {
        "kind": "company",
        "name": "广安区味道餐饮有限公司",
        "id": district.company.uscc,
    }
    public_key = Ed25519PublicKey.from_public_bytes(b64url_decode(licence.signing_key.public_key))
    public_key.verify(b64url_decode(licence.signature), payload.encode())  # raises if it does not match


def test_one_key_per_department_reused_until_rotated(district: District, issue: IssueLicence) -> None:
    first, second = issue(), issue()
    other_department = issue(department=district.health)

    assert first.signing_key == second.signing_key
    assert other_department.signing_key != first.signing_key
    assert SigningKey.objects.count() == 2


def test_rotation_makes_a_new_key_and_old_licences_keep_verifying(
    district: District, issue: IssueLicence, capsys: pytest.CaptureFixture[str]
) -> None:
    before = issue()

    call_command("licences", "rotate-key", "scjg")
    after = issue()

    assert after.signing_key != before.signing_key
    assert after.signing_key.kid in capsys.readouterr().out
    old_key = SigningKey.objects.get(pk=before.signing_key.pk)
    assert old_key.retired_at is not None
    assert verify_licence(before.number).status == VerificationStatus.VALID
    assert verify_presented(*_presented(Licence.objects.get(pk=before.pk))).status == VerificationStatus.VALID
    assert verify_licence(after.number).status == VerificationStatus.VALID


def test_rotating_an_unknown_department_is_an_error(district: District) -> None:
    with pytest.raises(CommandError, match="no department"):
        call_command("licences", "rotate-key", "nope")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("holder_name", "广安区另一家餐饮有限公司"),
        ("valid_until", "2036-03-01"),
        ("details", {"经营项目": "热食类食品制售、冷食类食品制售", "经营场所": "广安区建设路18号"}),
        ("case_reference", "BJ-2026-999999"),
    ],
)
def test_altered_stored_row_is_not_genuine(
    district: District, issue: IssueLicence, field: str, value: object
) -> None:
    licence = issue()
    Licence.objects.filter(pk=licence.pk).update(**{field: value})

    result = verify_licence(licence.number)

    assert result.status == VerificationStatus.NOT_GENUINE
    assert "签章不符" in result.reason


def test_unknown_number_is_not_genuine(district: District) -> None:
    result = verify_licence("JY25116022026999999")
    assert result.status == VerificationStatus.NOT_GENUINE
    assert result.licence is None


def test_presented_copy_with_one_altered_field_is_not_genuine(
    district: District, issue: IssueLicence
) -> None:
    licence = issue()
    payload, signature, kid = _presented(licence)
    assert verify_presented(payload, signature, kid).status == VerificationStatus.VALID

    altered = json.loads(payload)
    altered["valid_until"] = "2099-12-31"
    result = verify_presented(canonical_json(altered), signature, kid)

    assert result.status == VerificationStatus.NOT_GENUINE
    assert "被篡改" in result.reason


def test_presented_copy_with_an_unknown_key_or_someone_elses_signature_is_not_genuine(
    district: District, issue: IssueLicence
) -> None:
    licence, other = issue(), issue()
    payload, signature, kid = _presented(licence)

    assert verify_presented(payload, signature, "made-up-key").status == VerificationStatus.NOT_GENUINE
    assert verify_presented(payload, other.signature, kid).status == VerificationStatus.NOT_GENUINE
    assert verify_presented(payload, "not base64!", kid).status == VerificationStatus.NOT_GENUINE
