"""The demo's three-element check (演示三要素核验): the carrier's answer for the demo people's numbers.

The demo district's citizens have the numbers ``identities.citizen_phone(n)``; this verifier says yes exactly
when name, resident ID number and number are those of one demo citizen. It is refused outside demo mode (a system
check), as the demo SMS outbox is: a real deployment configures a carrier's or the province's service.
"""

from __future__ import annotations

from functools import cache

from yiwang.demo import identities
from yiwang.demo.loader import CITIZEN_COUNT


@cache
def _demo_phones() -> dict[str, tuple[str, str]]:
    return {
        identities.resident_id(index): (identities.citizen_name(index), identities.citizen_phone(index))
        for index in range(1, CITIZEN_COUNT + 1)
    }


class DemoPhoneOwnerVerifier:
    """A :class:`yiwang.accounts.identity.PhoneOwnerVerifier` that knows the demo citizens' numbers."""

    def phone_belongs_to(self, *, real_name: str, resident_id: str, phone: str) -> bool:
        return _demo_phones().get(resident_id) == (real_name, phone)
