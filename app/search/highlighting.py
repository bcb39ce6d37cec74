"""Snippets: the best window of a text around the matched words, those words in <mark>."""
from __future__ import annotations

import re
import unicodedata
from html import escape


def highlight_window(text: str, analyzer, wanted: set[str], width: int) -> str:
    """Escaped text of about `width` characters with the most matched words, each marked.

    Words are compared after the field's own analysis, so `waterpleinen` marks a
    search for `waterplein`. Cheaper than a general highlighter: one pass, one window.
    """
    spans = _matches(text, analyzer, wanted) if wanted else []
    if not spans:
        return _clip(text, width)
    # Slide a window over the matches and keep the one holding most of them.
    best_start, best_count, j = spans[0][0], 0, 0
    for i, (start, _end) in enumerate(spans):
        while spans[j][0] < start - width // 2:
            j += 1
        if i - j + 1 > best_count:
            best_count, best_start = i - j + 1, spans[j][0]
    begin = max(0, best_start - width // 4)
    if begin:
        space = text.rfind(" ", 0, begin)
        begin = space + 1 if space >= 0 else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin else end
    out, pos = [], begin
    for start, stop in spans:
        if start < begin or stop > end:
            continue
        out += [escape(text[pos:start]), "<mark>", escape(text[start:stop]), "</mark>"]
        pos = stop
    out.append(escape(text[pos:end]))
    return ("… " if begin else "") + "".join(out) + (" …" if end < len(text) else "")


_WORD = re.compile(r"\w+(?:\.?\w+)*")


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def _matches(text: str, analyzer, wanted: set[str]) -> list[tuple[int, int]]:
    """Spans of the words whose analysed form is wanted.

    Stems begin like their words, so only words sharing a stem's first letters are analysed:
    a snippet costs a regex pass instead of stemming every word of the excerpt.
    """
    prefixes = {w[:3] for w in wanted}
    if all(p.isascii() for p in prefixes):
        return _quick_matches(text, analyzer, wanted, prefixes)
    spans = []
    for m in _WORD.finditer(text):
        word = m.group()
        start = word[:4].lower()
        if (start if start.isascii() else _fold(start))[:3] in prefixes and any(t.text in wanted for t in analyzer(word)):
            spans.append(m.span())
    return spans


# Where a word begins: not inside a word, nor after a dot inside one (`e.g`, `3.5` are one word).
_WORD_START = r"(?<!\w)(?<!\w\.)"


class _Folding(dict):
    """For str.translate: each character to its letter without accents where that is one
    character (`ë` -> `e`), else itself, so a folded text keeps every character's place."""

    def __missing__(self, code: int) -> int:
        bare = _fold(chr(code)) if code > 127 else chr(code)
        self[code] = ord(bare) if len(bare) == 1 else code
        return self[code]


_FOLDING = _Folding()


def _quick_matches(text: str, analyzer, wanted: set[str], prefixes: set[str]) -> list[tuple[int, int]]:
    """As _matches, but the regex engine finds the words with a wanted beginning (in the text
    without accents): most words of an excerpt are then never looked at in Python."""
    starts = re.compile(_WORD_START + "(?:" + "|".join(sorted(map(re.escape, prefixes))) + ")", re.IGNORECASE)
    spans = []
    for found in starts.finditer(text if text.isascii() else text.translate(_FOLDING)):
        m = _WORD.match(text, found.start())
        if m is not None and any(t.text in wanted for t in analyzer(m.group())):
            spans.append(m.span())
    return spans


def _clip(text: str, width: int) -> str:
    """The start of the text, cut at a word, when no word matched."""
    if len(text) <= width:
        return escape(text)
    cut = text.rfind(" ", 0, width)
    return escape(text[:cut if cut > 0 else width]) + " …"
