"""Markdown to safe HTML: the only place that knows Markdown and bleach."""
from __future__ import annotations

import functools
import html
import logging
import re
import threading
from dataclasses import dataclass
from functools import partial

import markdown
from bleach.linkifier import LinkifyFilter, build_url_re
from bleach.sanitizer import Cleaner
from markupsafe import Markup, escape

log = logging.getLogger(__name__)

# Safe extensions only: no attr_list (it lets authors set on* attributes), no raw HTML passthrough.
_MD_EXTENSIONS = ["markdown.extensions.tables", "markdown.extensions.fenced_code",
                  "markdown.extensions.sane_lists", "markdown.extensions.def_list",
                  "markdown.extensions.abbr"]

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "dl", "dt", "dd", "abbr", "del", "sup", "sub",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _nofollow(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = "nofollow noopener ugc"
    return attrs


# Bare addresses become links for the web only (bleach's default also links ftp:, ssh:, ...).
_WEB_URL = build_url_re(protocols=["http", "https"])
_local = threading.local()


def _cleaner() -> Cleaner:
    """This thread's cleaner: bleach's parser keeps state while it works, so threads sharing one
    mix each other's text (and fail with html5lib's IndexError). One pass: the allowlist first,
    then bare URLs become links (rel added after the allowlist ran)."""
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = Cleaner(
            tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True,
            strip_comments=True, filters=[partial(LinkifyFilter, callbacks=[_nofollow], skip_tags={"pre", "code"},
                                                  url_re=_WEB_URL)])
    return cleaner


# A case page renders the same texts again and again; each render costs milliseconds.
@functools.lru_cache(maxsize=1024)
def render_markdown(text: str) -> Markup:
    """Render user Markdown: raw HTML escaped, then every tag and URL checked against an allowlist.

    No text may take a page down: should the parser or the cleaner fail on some input, the text
    is shown as escaped plain paragraphs and the failure is logged.
    """
    if _too_intricate(text or ""):
        log.warning("a text of %d characters has more than %d brackets in a paragraph; shown as plain text",
                    len(text), MAX_BRACKETS)
        return plain_paragraphs(text)
    try:
        return _render(text or "")
    except Exception as error:  # no traceback: a RecursionError's would run to thousands of lines
        log.error("rendering a text of %d characters failed (%s: %.200s); it is shown as plain text",
                  len(text or ""), type(error).__name__, error)
        return plain_paragraphs(text or "")


# Python-Markdown's link patterns take time quadratic in the brackets of a paragraph: 2,500 of
# them take seconds. No real story has hundreds of links in one paragraph.
MAX_BRACKETS = 200


def _too_intricate(text: str) -> bool:
    return text.count("[") > MAX_BRACKETS and any(p.count("[") > MAX_BRACKETS for p in re.split(r"\n\s*\n", text))


def _render(text: str) -> Markup:
    md = markdown.Markdown(extensions=_MD_EXTENSIONS, output_format="html")
    # Raw HTML in the source is escaped, not passed through: authors write Markdown only.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return Markup(_cleaner().clean(md.convert(text)))


def plain_paragraphs(text: str) -> Markup:
    """The text escaped, in paragraphs (blank lines) and lines: safe whatever it holds."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return Markup("".join(f"<p>{'<br>'.join(escape(line) for line in p.splitlines())}</p>" for p in paragraphs))


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # [text](url) and ![alt](src): keep the text
_TAG = re.compile(r"<[^>]*>")
# Block markers only at the start of a line: "in 2009. A foundation" keeps its year.
_MARKUP = re.compile(r"^[ \t]*(?:#{1,6}|[-*+]|\d+\.|>)[ \t]+|[*_`~|]+|^-{3,}$", re.M)


def plain_text(text: str) -> str:
    """Markdown reduced to its words, for the search index and snippets.

    A few regular expressions instead of a full render: it runs for every case on a
    rebuild, and only the words matter here (never shown as HTML: snippets are escaped).
    """
    text = _TAG.sub(" ", _LINK.sub(r"\1", text or ""))
    return " ".join(html.unescape(_MARKUP.sub(" ", text)).split())


@dataclass(frozen=True)
class Heading:
    id: str
    text: str


@dataclass(frozen=True)
class Contents:
    """A rendered text with an id on each h2, and those h2s in order, for a contents list."""

    html: Markup
    headings: list[Heading]


_H2 = re.compile(r"<h2(?: id=\"([^\"]*)\")?>(.*?)</h2>", re.S)
HEADING_PREFIX = "story-"  # keeps a story's ids apart from the page's own (`sources`, `lessons-title`)


def with_contents(rendered: Markup) -> Contents:
    """Give every h2 of sanitized HTML an id (one it already has is kept) and list them.

    Runs on render_markdown's output only, where an h2 carries no attribute but an id we set.
    """
    headings: list[Heading] = []
    taken: set[str] = set()

    def anchor(match: re.Match) -> str:
        text = html.unescape(_TAG.sub("", match.group(2))).strip()
        given = match.group(1)
        if given:
            ident = given
        else:
            base = HEADING_PREFIX + (re.sub(r"[^\w]+", "-", text.lower(), flags=re.U).strip("-") or "section")
            ident, n = base, 2
            while ident in taken:
                ident, n = f"{base}-{n}", n + 1
        taken.add(ident)
        headings.append(Heading(ident, text))
        return f'<h2 id="{escape(ident)}">{match.group(2)}</h2>'

    return Contents(Markup(_H2.sub(anchor, str(rendered))), headings)
