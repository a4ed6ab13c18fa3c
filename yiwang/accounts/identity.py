"""Identity verification (实名核验) beyond self-registration.

L2 (人口库核验) asks a verifier whether a real name and resident ID number belong together. The verifier is chosen by
the ``IDENTITY_VERIFIER`` setting (a dotted path to an :class:`IdentityVerifier` class). The population registry
verifier arrives with the base registries (基础库); until then the setting is empty and L2 is not available.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class IdentityVerificationUnavailable(Exception):
    """No identity verifier is configured (人口库核验尚未开通)."""

    def __init__(self) -> None:
        self.message = str(_("Verification against the population registry is not available yet."))
        super().__init__(self.message)


class IdentityVerifier(Protocol):
    """Confirms that a real name and a resident ID number belong to the same living person."""

    def verify(self, *, real_name: str, resident_id: str) -> bool: ...


def get_identity_verifier() -> IdentityVerifier:
    """The configured verifier; raises :class:`IdentityVerificationUnavailable` when there is none."""
    dotted_path = getattr(settings, "IDENTITY_VERIFIER", "")
    if not dotted_path:
        raise IdentityVerificationUnavailable()
    verifier: IdentityVerifier = import_string(dotted_path)()
    return verifier
