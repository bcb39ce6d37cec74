"""Every text the UI or a mail can show has its Dutch translation."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
METHODS = [("app/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]


def _msgids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_text_has_a_dutch_translation():
    with open(ROOT / "app/translations/nl/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle, locale="nl")
    missing = sorted(m for m in _msgids()
                     if m and (catalog.get(m) is None or not catalog.get(m).string
                               or (isinstance(catalog.get(m).string, tuple) and not all(catalog.get(m).string))))
    assert not missing, f"{len(missing)} texts without Dutch: {missing[:20]}"
