"""L2 identity verification against the population registry (人口库核验), through the exchange."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yiwang.accounts.identity import IdentityVerificationUnavailable
from yiwang.registries import exchange

IDENTITY_SERVICE = "人口.身份核验"
SYSTEM_NAME = "accounts.registration"
LEGAL_BASIS = _("Cybersecurity Law of the PRC, Art. 24 (real-identity registration)")


class PopulationRegistryVerifier:
    """Asks 人口.身份核验 — yes or no only — on behalf of the platform operator (平台运营部门).

    Every check is an exchange call like any other: signed by the population registry's department and logged.
    """

    def verify(self, *, real_name: str, resident_id: str) -> bool:
        result = exchange.ask_as_platform_operator(
            system=SYSTEM_NAME,
            service_name=IDENTITY_SERVICE,
            subject=resident_id,
            legal_basis=str(LEGAL_BASIS),
            parameters={"name": real_name},
        )
        if result is None:
            raise IdentityVerificationUnavailable()
        return bool(result.fields.get("match", False))
