"""Test doubles behind the accounts interfaces."""

from __future__ import annotations

from typing import ClassVar

from yiwang.accounts.company_registry import EntityRegistration


class AgreeingVerifier:
    """An IdentityVerifier that confirms every name except 查无此人."""

    def verify(self, *, real_name: str, resident_id: str) -> bool:
        return real_name != "查无此人"


class CarrierFake:
    """A PhoneOwnerVerifier: the carrier confirms a number unless it ends in 9999 (registered to someone else)."""

    def phone_belongs_to(self, *, real_name: str, resident_id: str, phone: str) -> bool:
        return not phone.endswith("9999")


class FakeLegalEntityRegistry:
    """A LegalRepresentativeVerifier over an in-memory registry: ``entities[uscc] = (registration, rep ID)``.

    Set ``FakeLegalEntityRegistry.entities`` before a test; every question asked is appended to ``asked``.
    """

    entities: ClassVar[dict[str, tuple[EntityRegistration, str]]] = {}
    asked: ClassVar[list[tuple[str, str]]] = []

    def registration(self, uscc: str) -> EntityRegistration | None:
        self.asked.append(("registration", uscc))
        found = self.entities.get(uscc)
        return found[0] if found else None

    def is_legal_representative(self, uscc: str, resident_id: str) -> bool:
        self.asked.append(("is_legal_representative", uscc))
        found = self.entities.get(uscc)
        return found is not None and not found[0].is_closed and found[1] == resident_id
