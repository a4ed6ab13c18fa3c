"""The rate-limiting service (限流服务): named rules from ``settings.RATE_LIMITS``, counted by the ``limits`` library.

One mechanism for every limit of the platform (SMS codes, failed logins, authenticator codes, licence verification,
12345 intake, staff queries)::

    ratelimit.hit("sms-code-per-number", phone)       # count one; RateLimited (429) when over the rule
    ratelimit.check("login-failure-per-address", ip)  # RateLimited when already over, without counting
    ratelimit.clear("totp-failure-per-address", ip)   # forget the counts (e.g. after a success)

A rule is one or more windows such as ``"5/hour;10/day"`` (``limits`` notation); every window must have room. A
request refused by a rule is not counted, so waiting always helps. Counters live where the cache does: Redis
through the ``limits`` Redis storage when ``CACHE=redis``, process memory for ``CACHE=locmem``, else Django's
cache (the database cache by default) through :class:`DjangoCacheStorage`. When the counter store fails the
request is let through and the failure logged: an outage of the cache must not lock every citizen out.

Client addresses come from :func:`client_ip`: ``X-Forwarded-For`` is believed only when the direct peer is one of
``settings.TRUSTED_PROXIES``.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from yiwang.core.errors import RateLimited

logger = logging.getLogger(__name__)

KEY_PREFIX = "yiwang-rl"

# What a person is told when a rule stops them (the wait is added); rules without an entry get the general one.
RULE_MESSAGES = {
    "sms-code-per-number": gettext_lazy("Too many codes have been sent to this number."),
    "sms-code-per-address": gettext_lazy("Too many codes have been requested from your network."),
    "login-failure-per-address": gettext_lazy("Too many failed logins from your network."),
    "totp-failure-per-address": gettext_lazy("Too many wrong authenticator codes from your network."),
    "licence-verify-per-address": gettext_lazy("Too many licence verifications from your network."),
    "identity-verify-per-account": gettext_lazy("Too many failed identity verifications for this account."),
    "hotline-intake-per-address": gettext_lazy(
        "Too many messages have been sent from here in the last hour; please try again later."
    ),
    "hotline-intake-per-phone": gettext_lazy(
        "Too many messages for this phone number in the last hour; please try again later."
    ),
    "open311-per-client": gettext_lazy(
        "This app has sent too many requests in the last hour; try again later."
    ),
}


class DjangoCacheStorage(Storage):
    """A ``limits`` storage on Django's cache (fixed windows): the counter and its window's end as two keys.

    Django's cache has no atomic "increment or create" on every backend (the database cache reads and writes), so
    two requests at the same instant may be counted as one; limits are approximate by at most the concurrency.
    """

    STORAGE_SCHEME = ["djangocache"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        self.alias = str(options.get("alias", "default"))
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (DatabaseError, OSError)

    @property
    def _cache(self) -> Any:
        return caches[self.alias]

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        store = self._cache
        if store.add(key, amount, timeout=expiry):
            store.set(f"{key}:expires", time.time() + expiry, timeout=expiry)
            return amount
        try:
            return int(store.incr(key, amount))
        except ValueError:  # the window ended between add and incr
            store.set(key, amount, timeout=expiry)
            store.set(f"{key}:expires", time.time() + expiry, timeout=expiry)
            return amount

    def get(self, key: str) -> int:
        return int(self._cache.get(key, 0))

    def get_expiry(self, key: str) -> float:
        return float(self._cache.get(f"{key}:expires") or time.time())

    def check(self) -> bool:
        try:
            self._cache.get(f"{KEY_PREFIX}:health")
        except self.base_exceptions:
            return False
        return True

    def reset(self) -> int | None:
        """Not supported: the cache is shared with other uses; clear single keys instead."""
        return None

    def clear(self, key: str) -> None:
        self._cache.delete_many([key, f"{key}:expires"])


@cache
def _storage(backend: str, redis_url: str) -> Storage:
    if backend == "redis":
        storage = storage_from_string(redis_url)
        if not isinstance(storage, Storage):  # an async storage: not for this synchronous service
            raise TypeError(f"{redis_url!r} names an asynchronous rate-limit storage")
        return storage
    if backend == "locmem":
        return MemoryStorage()
    return DjangoCacheStorage()


def _limiter() -> FixedWindowRateLimiter:
    storage = _storage(getattr(settings, "CACHE_BACKEND", "database"), getattr(settings, "REDIS_URL", ""))
    return FixedWindowRateLimiter(storage)


@cache
def _parse(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec)) if spec.strip() else ()


def rule_windows(rule: str) -> tuple[RateLimitItem, ...]:
    """The windows of ``rule`` (empty when switched off); an unknown rule name is a programming error."""
    try:
        spec = settings.RATE_LIMITS[rule]
    except KeyError:
        raise KeyError(f"no rate-limit rule {rule!r} in settings.RATE_LIMITS") from None
    return _parse(spec)


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return _("Try again in %(seconds)d seconds.") % {"seconds": seconds}
    if seconds < 2 * 3600:
        return _("Try again in %(minutes)d minutes.") % {"minutes": math.ceil(seconds / 60)}
    return _("Try again in %(hours)d hours.") % {"hours": math.ceil(seconds / 3600)}


def _refusal(rule: str, retry_after: int, message: str | None) -> RateLimited:
    reason = message or str(RULE_MESSAGES.get(rule, gettext_lazy("Too many requests.")))
    return RateLimited(f"{reason}{_wait_text(retry_after)}", retry_after)


def _full_windows(limiter: FixedWindowRateLimiter, rule: str, keys: tuple[str, ...]) -> int:
    """Seconds until every full window of ``rule`` for ``keys`` has room again (0: all have room)."""
    wait = 0.0
    now = time.time()
    for item in rule_windows(rule):
        if not limiter.test(item, KEY_PREFIX, rule, *keys):
            reset_at, _remaining = limiter.get_window_stats(item, KEY_PREFIX, rule, *keys)
            wait = max(wait, reset_at - now, 1)
    return math.ceil(wait)


def check(rule: str, *keys: str, message: str | None = None) -> None:
    """Raise :class:`RateLimited` if ``rule`` is already used up for ``keys``; count nothing."""
    if not keys or not all(keys) or not rule_windows(rule):
        return
    limiter = _limiter()
    try:
        wait = _full_windows(limiter, rule, keys)
    except Exception:  # the counter store is down: let the request through, loudly
        logger.exception("rate limit %s could not be checked", rule)
        return
    if wait:
        raise _refusal(rule, wait, message)


def hit(rule: str, *keys: str, message: str | None = None) -> None:
    """Count one request against ``rule`` for ``keys`` (e.g. an address, a phone number).

    Raises :class:`RateLimited` with the wait in seconds, without counting, when a window of the rule is full.
    Empty keys (an unknown address) and a switched-off rule count nothing.
    """
    if not keys or not all(keys):
        return
    windows = rule_windows(rule)
    if not windows:
        return
    limiter = _limiter()
    try:
        wait = _full_windows(limiter, rule, keys)
        if not wait:
            for item in windows:
                limiter.hit(item, KEY_PREFIX, rule, *keys)
    except Exception:  # the counter store is down: let the request through, loudly
        logger.exception("rate limit %s could not be counted", rule)
        return
    if wait:
        raise _refusal(rule, wait, message)


def remaining(rule: str, *keys: str) -> int | None:
    """How many more requests ``rule`` allows now for ``keys`` (None when the rule is off)."""
    windows = rule_windows(rule)
    if not windows:
        return None
    limiter = _limiter()
    return min(limiter.get_window_stats(item, KEY_PREFIX, rule, *keys).remaining for item in windows)


def clear(rule: str, *keys: str) -> None:
    """Forget the counts of ``rule`` for ``keys``."""
    limiter = _limiter()
    for item in rule_windows(rule):
        try:
            limiter.clear(item, KEY_PREFIX, rule, *keys)
        except Exception:
            logger.exception("rate limit %s could not be cleared", rule)


# --- Client addresses (客户端地址) ----------------------------------------------------------------------------


@cache
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    return any(address.version == network.version and address in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address: the direct peer, unless that is a trusted proxy (``settings.TRUSTED_PROXIES``).

    Behind trusted proxies the ``X-Forwarded-For`` chain is read from the right; the first hop that is not a
    trusted proxy is the client (hops further left were written by the client and prove nothing). A malformed
    hop stops the walk at the proxy that reported it. ``X-Forwarded-For`` from an untrusted peer is ignored.
    """
    peer = _parse_address(str(request.META.get("REMOTE_ADDR", "")))
    if peer is None:
        return ""
    if not _trusted(peer):
        return str(peer)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    client = peer
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _parse_address(hop)
        if address is None:
            break
        client = address
        if not _trusted(address):
            break
    return str(client)
