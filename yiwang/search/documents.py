"""What the search index (搜索索引) holds, and how apps feed it.

Apps describe their searchable things as :class:`SearchDocument` and register a :class:`DocumentSource` per kind
(service items, bundles; later policies, answered questions, datasets). The search app indexes whatever the
sources yield, so it never imports the apps that feed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.utils.functional import Promise


@dataclass(frozen=True)
class SearchDocument:
    """One searchable thing, e.g. a service item (事项) or a life-event bundle (一件事)."""

    kind: str  # "item", "bundle", ...
    code: str  # unique within its kind; for items the implementation code as imported
    title: str
    body: str = ""  # guide text: conditions, materials, results …
    keywords: tuple[str, ...] = ()  # extra words: short names, old names
    department_code: str = ""
    department_name: str = ""
    item_type: str = ""  # e.g. "licence", "benefit" (the catalogue's item type code)
    audiences: tuple[str, ...] = ()  # "person" (个人) and/or "company" (法人)
    popularity: float = 0.0  # 0..1, higher ranks first among equals
    url: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class DocumentSource(Protocol):
    """Yields the documents of one kind: all of them, or only those with the given codes."""

    def documents(self, codes: Iterable[str] | None = None) -> Iterable[SearchDocument]: ...


_sources: dict[str, DocumentSource] = {}
_labels: dict[str, str | Promise] = {}


def register_source(kind: str, source: DocumentSource, label: str | Promise) -> None:
    """Called by an app's ``AppConfig.ready()`` to make its documents searchable; ``label`` names the kind
    in the search page's filter (a lazily translated string)."""
    _sources[kind] = source
    _labels[kind] = label


def registered_sources() -> dict[str, DocumentSource]:
    return dict(_sources)


def kind_label(kind: str) -> str | Promise:
    return _labels.get(kind, kind)
