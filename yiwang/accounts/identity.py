"""Identity verification (实名核验) beyond self-registration.

L2 (人口库核验) needs two answers, each from a service behind an interface chosen in settings:

* :class:`IdentityVerifier` (``IDENTITY_VERIFIER``): do a real name and a resident ID number belong to the same
  living person? The default asks the population registry through the exchange (人口.身份核验, yes/no only).
* :class:`PhoneOwnerVerifier` (``PHONE_OWNER_VERIFIER``): is this mobile number registered to that person
  (运营商三要素核验: name, resident ID number, number)? In production a carrier's or the province's identity
  platform's service (:class:`HttpPhoneOwnerVerifier`); in the demo, ``yiwang.demo.verifiers`` knows the demo
  people's numbers and is refused outside demo mode.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class IdentityVerificationUnavailable(Exception):
    """No identity verifier is configured or it did not answer (人口库核验暂不可用)."""

    def __init__(self) -> None:
        self.message = str(_("Identity verification is not available right now; please try again later."))
        super().__init__(self.message)


class IdentityVerifier(Protocol):
    """Confirms that a real name and a resident ID number belong to the same living person."""

    def verify(self, *, real_name: str, resident_id: str) -> bool: ...


class PhoneOwnerVerifier(Protocol):
    """Confirms that a mobile number is registered to the person with this name and resident ID number."""

    def phone_belongs_to(self, *, real_name: str, resident_id: str, phone: str) -> bool: ...


def _configured(setting: str) -> object:
    dotted_path = getattr(settings, setting, "")
    if not dotted_path:
        raise IdentityVerificationUnavailable()
    return import_string(dotted_path)()


def get_identity_verifier() -> IdentityVerifier:
    """The configured verifier; raises :class:`IdentityVerificationUnavailable` when there is none."""
    verifier: IdentityVerifier = _configured("IDENTITY_VERIFIER")  # type: ignore[assignment]
    return verifier


def get_phone_owner_verifier() -> PhoneOwnerVerifier:
    """The configured three-element verifier; raises :class:`IdentityVerificationUnavailable` when none."""
    verifier: PhoneOwnerVerifier = _configured("PHONE_OWNER_VERIFIER")  # type: ignore[assignment]
    return verifier


class HttpPhoneOwnerVerifier:
    """POSTs ``{name, resident_id, phone}`` as JSON to ``PHONE_OWNER_VERIFIER_URL`` with a bearer key.

    The service (a carrier's 三要素核验 or the province's identity platform) answers 2xx with JSON
    ``{"match": true|false}``; anything else means the check is unavailable, never a match.
    """

    def __init__(self) -> None:
        self.url = settings.PHONE_OWNER_VERIFIER_URL
        if not self.url.startswith("https://"):
            raise IdentityVerificationUnavailable()

    def phone_belongs_to(self, *, real_name: str, resident_id: str, phone: str) -> bool:
        body = json.dumps({"name": real_name, "resident_id": resident_id, "phone": phone}, ensure_ascii=False)
        request = urllib.request.Request(  # noqa: S310 - https only, checked in __init__
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Authorization": f"Bearer {settings.PHONE_OWNER_VERIFIER_KEY}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.PHONE_OWNER_VERIFIER_TIMEOUT) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise IdentityVerificationUnavailable() from exc
        if not isinstance(answer, dict) or not isinstance(answer.get("match"), bool):
            raise IdentityVerificationUnavailable()
        return answer["match"]
