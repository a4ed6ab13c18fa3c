"""Cleaning free text that others will read (公开文本清洗).

Bidirectional control characters (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, U+200E/U+200F
and U+061C marks) have no use in Chinese text and let a writer make published text display differently from what
it is: "‮gpj.exe" shows as "exe.jpg", a resident ID number with an override inside escapes the masking that looks
for 18 consecutive digits. Text that citizens write for others to read is cleaned with :func:`clean_free_text`
when it is taken in, and :func:`strip_bidi_controls` again when it is published.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi_controls(text: str) -> str:
    """``text`` without bidirectional control characters."""
    return BIDI_CONTROLS.sub("", text)


def clean_free_text(text: str | None) -> str:
    """Free text as it is stored and shown: bidirectional controls removed, surrounding white space stripped."""
    return strip_bidi_controls(text or "").strip()
