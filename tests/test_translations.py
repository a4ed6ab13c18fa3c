"""Translations: every user-facing string has one zh-Hans translation, and the compiled catalogues match."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import polib
import pytest

CATALOGUES = sorted(
    Path(__file__).resolve().parent.parent.glob("yiwang/*/locale/zh_Hans/LC_MESSAGES/django.po")
)


def entries(path: Path) -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(path)) if not entry.obsolete]


def translation(entry: polib.POEntry) -> str:
    return entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr


def test_every_app_with_pages_has_a_catalogue() -> None:
    apps = {path.parts[-5] for path in CATALOGUES}
    assert {"core", "accounts", "org", "notify", "portal", "office", "catalog", "search"} <= apps


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-5])
def test_every_string_is_translated(path: Path) -> None:
    missing = [entry.msgid for entry in entries(path) if not translation(entry) or "fuzzy" in entry.flags]
    assert not missing, f"untranslated or fuzzy in {path.parts[-5]}: {missing}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-5])
def test_compiled_catalogue_matches_its_source(path: Path) -> None:
    compiled = {
        (entry.msgctxt, entry.msgid): translation(entry)
        for entry in polib.mofile(str(path.with_suffix(".mo")))
    }
    source = {
        (entry.msgctxt, entry.msgid): translation(entry)
        for entry in entries(path)
        if "fuzzy" not in entry.flags
    }
    assert compiled == source, "run `make messages` to recompile"


def test_one_english_string_has_one_chinese_translation_across_apps() -> None:
    """Django merges every app's catalogue, so a msgid translated two ways shows one of them at random places.

    Where the meanings really differ, use a different msgid or pgettext with a context.
    """
    translations: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for path in CATALOGUES:
        for entry in entries(path):
            translations[(entry.msgctxt, entry.msgid)][path.parts[-5]] = translation(entry)
    conflicts = {key: apps for key, apps in translations.items() if len(set(apps.values())) > 1}
    assert not conflicts
