"""Factories shared by the whole suite (factory-boy)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from yiwang.accounts.models import User
from yiwang.notify.models import Channel, NotificationTemplate


class UserFactory(DjangoModelFactory):
    """A citizen with a unique mobile number; password ``correct horse battery``."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.cn")
    real_name = factory.Sequence(lambda n: f"张{n}")
    password = factory.django.Password("correct horse battery")


class NotificationTemplateFactory(DjangoModelFactory):
    class Meta:
        model = NotificationTemplate
        django_get_or_create = ("key", "channel")

    key = factory.Sequence(lambda n: f"test-template-{n}")
    channel = Channel.SMS
    name = "测试模板"
    subject = ""
    body = "您好((name))，您的事项((item))已受理。"
