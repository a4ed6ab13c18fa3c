"""App configuration: 消息通知."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "yiwang.notify"
    label = "notify"
    verbose_name = _("Notifications")
