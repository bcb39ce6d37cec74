"""The controlled vocabularies of the content model, with labels in the UI language."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"

LANGUAGES = ("nl", "en")
VISIBILITIES = ("public", "members")
ATTRIBUTIONS = ("named", "anonymous")
STATUSES = ("idea", "pilot", "running", "completed", "stopped")
LESSON_KINDS = ("went_well", "went_badly")


@cache
def themes() -> dict[str, dict]:
    """Theme slug -> {"en": label, "nl": label, "focus": bool}, in the file's order."""
    return json.loads((DATA / "themes.json").read_text(encoding="utf-8"))


def focus_themes() -> list[str]:
    return [slug for slug, t in themes().items() if t["focus"]]


def theme_label(slug: str, locale: str) -> str:
    theme = themes().get(slug)
    return theme.get(locale, theme["en"]) if theme else slug
