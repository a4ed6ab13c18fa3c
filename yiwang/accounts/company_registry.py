"""Company claims (企业认领) checked against the legal-entity registry (法人库).

A claim never trusts what the claimant types about a company: its name, legal representative and address come
from the registry's public registration data (法人.登记信息), and whether the claimant *is* the legal
representative is a yes/no question to the registry (法人.法定代表人核验) about their verified resident ID number.
The verifier is chosen by the ``LEGAL_REPRESENTATIVE_VERIFIER`` setting (a dotted path to a
:class:`LegalRepresentativeVerifier` class); the default asks the registry through the data exchange.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

DEFAULT_VERIFIER = "yiwang.registries.legal_entities.RegistryLegalRepresentativeVerifier"


class LegalEntityRegistryUnavailable(Exception):
    """The legal-entity registry cannot answer now (法人库暂不可用)."""

    def __init__(self) -> None:
        self.message = str(_("The legal-entity registry cannot be reached now. Please try again later."))
        super().__init__(self.message)


@dataclass(frozen=True)
class EntityRegistration:
    """The public registration data of a market entity (市场主体登记信息) as the registry answers it."""

    uscc: str
    name: str
    legal_representative_name: str
    registered_address: str
    status: str  # "active" (存续), "deregistered" (注销) or "revoked" (吊销)

    @property
    def is_closed(self) -> bool:
        """Deregistered (注销) or its business licence revoked (吊销): it can no longer be claimed."""
        return self.status != "active"


class LegalRepresentativeVerifier(Protocol):
    """Answers, from the legal-entity registry, what a company claim needs to know."""

    def registration(self, uscc: str) -> EntityRegistration | None:
        """The entity's public registration data, or None when no entity has this code."""
        ...

    def is_legal_representative(self, uscc: str, resident_id: str) -> bool:
        """Whether ``resident_id`` is the registered legal representative of the entity, which is in business."""
        ...


def get_legal_representative_verifier() -> LegalRepresentativeVerifier:
    """The configured verifier (``LEGAL_REPRESENTATIVE_VERIFIER``, by default the registry through the exchange)."""
    dotted_path = getattr(settings, "LEGAL_REPRESENTATIVE_VERIFIER", "") or DEFAULT_VERIFIER
    verifier: LegalRepresentativeVerifier = import_string(dotted_path)()
    return verifier
