"""A fake SMS gateway behind the real interface: it records what it was asked to send, or fails on demand."""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.notify.sms import SmsGateway, SmsGatewayError


@dataclass
class SentText:
    phone: str
    text: str
    reference: str


class RecordingSmsGateway(SmsGateway):
    sent: list[SentText] = []
    failures_left = 0

    def send(self, phone: str, text: str, reference: str) -> str:
        if RecordingSmsGateway.failures_left > 0:
            RecordingSmsGateway.failures_left -= 1
            raise SmsGatewayError("gateway answered HTTP 503: busy")
        RecordingSmsGateway.sent.append(SentText(phone, text, reference))
        return f"fake-{reference}"

    @classmethod
    def reset(cls) -> None:
        cls.sent = []
        cls.failures_left = 0
