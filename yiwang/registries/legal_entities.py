"""Company claims checked against the legal-entity registry (法人库), through the exchange.

The platform operator (平台运营部门) asks, as the system ``accounts.company_claim``: 法人.登记信息 for the public
registration data, and 法人.法定代表人核验 — yes or no only — whether the claimant is the legal representative.
Each question is an exchange call like any other: signed by the registry's department and in the access log.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from yiwang.accounts.company_registry import EntityRegistration, LegalEntityRegistryUnavailable
from yiwang.registries import exchange

REGISTRATION_SERVICE = "法人.登记信息"
REPRESENTATIVE_SERVICE = "法人.法定代表人核验"
SYSTEM_NAME = "accounts.company_claim"
LEGAL_BASIS = _(
    "Regulations of the PRC on the Registration of Market Entities, Art. 8 (the legal representative is "
    "registered)"
)


class RegistryLegalRepresentativeVerifier:
    """The :class:`~yiwang.accounts.company_registry.LegalRepresentativeVerifier` of the platform."""

    def _ask(
        self, service_name: str, uscc: str, parameters: Mapping[str, str] | None = None
    ) -> exchange.ExchangeResult:
        result = exchange.ask_as_platform_operator(
            system=SYSTEM_NAME,
            service_name=service_name,
            subject=uscc,
            legal_basis=str(LEGAL_BASIS),
            parameters=parameters,
        )
        if result is None:
            raise LegalEntityRegistryUnavailable()
        return result

    def registration(self, uscc: str) -> EntityRegistration | None:
        result = self._ask(REGISTRATION_SERVICE, uscc)
        if not result.found:
            return None
        fields = result.fields
        return EntityRegistration(
            uscc=str(fields.get("uscc", uscc)),
            name=str(fields.get("name", "")),
            legal_representative_name=str(fields.get("legal_representative_name", "")),
            registered_address=str(fields.get("registered_address", "")),
            status=str(fields.get("status", "")),
        )

    def is_legal_representative(self, uscc: str, resident_id: str) -> bool:
        result = self._ask(REPRESENTATIVE_SERVICE, uscc, {"resident_id": resident_id})
        return bool(result.fields.get("match", False))
