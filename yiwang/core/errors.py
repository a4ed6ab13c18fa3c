"""Domain errors raised by actions (业务错误) and shown the same way on pages and in the API."""

from __future__ import annotations


class ActionConflict(Exception):
    """The object changed under the caller (another person acted first): HTTP 409 (并发冲突)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
