"""L2 identity verification against the population registry (人口库核验), through the exchange."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yiwang.accounts.identity import IdentityVerificationUnavailable
from yiwang.org.models import Department
from yiwang.registries import exchange
from yiwang.registries.models import Purpose

IDENTITY_SERVICE = "人口.身份核验"
SYSTEM_NAME = "accounts.registration"
LEGAL_BASIS = _("Cybersecurity Law of the PRC, Art. 24 (real-identity registration)")


class PopulationRegistryVerifier:
    """Asks 人口.身份核验 — yes or no only — on behalf of the platform operator (平台运营部门).

    Every check is an exchange call like any other: signed by the population registry's department and logged.
    """

    def verify(self, *, real_name: str, resident_id: str) -> bool:
        operator = Department.objects.filter(is_platform_operator=True).order_by("code").first()
        if operator is None:
            raise IdentityVerificationUnavailable()
        result = exchange.query(
            consumer=operator,
            system=SYSTEM_NAME,
            service_name=IDENTITY_SERVICE,
            subject=resident_id,
            purpose=Purpose.IDENTITY_VERIFICATION,
            legal_basis=str(LEGAL_BASIS),
            parameters={"name": real_name},
        )
        if result.refusal in (exchange.Refusal.INVALID_REQUEST, ""):
            return bool(result.fields.get("match", False))
        raise IdentityVerificationUnavailable()
