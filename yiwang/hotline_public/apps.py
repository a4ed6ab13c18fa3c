"""App configuration: 热线公开与分析."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlinePublicConfig(AppConfig):
    name = "yiwang.hotline_public"
    label = "hotline_public"
    verbose_name = _("Hotline Q&A, Open311 and dashboard")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from yiwang.hotline.models import Ticket
        from yiwang.hotline_public.search_sources import QuestionSource, reindex_on_close
        from yiwang.search.documents import register_source

        register_source("qa", QuestionSource(), _("Answered questions"))
        post_save.connect(reindex_on_close, sender=Ticket, dispatch_uid="hotline_public.reindex_on_close")
