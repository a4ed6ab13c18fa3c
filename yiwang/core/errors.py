"""Domain errors raised by actions (业务错误) and shown the same way on pages and in the API."""

from __future__ import annotations


class ActionConflict(Exception):
    """The object changed under the caller (another person acted first): HTTP 409 (并发冲突)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RateLimited(Exception):
    """Too many attempts from this address, number or account: HTTP 429 with ``Retry-After`` (请求过于频繁)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, int(retry_after))
