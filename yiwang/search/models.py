"""Search models: the synonym table (同义词) staff edit, and the PostgreSQL index tables.

``SearchEntry`` and ``SearchTermKey`` hold the index when the database is PostgreSQL (backend ``postgres``); on
SQLite the tables exist but stay empty, as the ``sqlite_fts5`` backend keeps its index in its own file.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Synonym(models.Model):
    """An everyday phrase and the official words it stands for (开饭店 → 食品经营许可 开办餐饮店一件事).

    Applied when a query is read, so a change takes effect at once, without reindexing.
    """

    phrase = models.CharField(
        _("everyday phrase"),
        max_length=50,
        unique=True,
        help_text=_("What citizens type, e.g. 开饭店. Matched anywhere in the query."),
    )
    expansion = models.CharField(
        _("official terms"),
        max_length=200,
        help_text=_("Words added to the search, separated by spaces, e.g. 食品经营许可 开办餐饮店一件事."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")
        ordering = ["phrase"]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.expansion}"


class SearchEntry(models.Model):
    """One indexed document in the PostgreSQL backend: filters, ranking boost and pre-tokenised text."""

    kind = models.CharField(max_length=20)
    code = models.CharField(max_length=120)
    title = models.CharField(max_length=300)
    department_code = models.CharField(max_length=40, blank=True)
    department_name = models.CharField(max_length=100, blank=True)
    item_type = models.CharField(max_length=40, blank=True)
    audiences = models.CharField(max_length=100, blank=True)  # " person company "
    boost = models.FloatField(default=1.0)
    url = models.CharField(max_length=500, blank=True)
    # Space-joined index terms per weight; the tsvector columns (document, names_document) and their GIN indexes
    # are added by the migration on PostgreSQL only.
    title_terms = models.TextField(blank=True)
    keyword_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="search_entry_kind_code")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


class SearchTermKey(models.Model):
    """Vocabulary for one-typo correction (错字纠正): an indexed word under each one-wildcard key (社?卡 → 社保卡)."""

    key = models.CharField(max_length=60)
    term = models.CharField(max_length=60)

    class Meta:
        # The unique index (key, term) also serves lookups by key.
        constraints = [models.UniqueConstraint(fields=["key", "term"], name="search_term_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} → {self.term}"
