""""Copy this": a case's transfer guide as text for search and diffs, and how often a case was copied.

The guide itself is front matter (`transfer:`, checked in casefiles.py) stored on `Case.transfer`.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from .. import db, gazetteer
from ..audience import Audience
from ..i18n import money
from ..models import Case
from ..policy import case_visible

# The facet (and URL parameter) of cases that have a guide, and its one value.
FACET = "guide"
HAS_GUIDE = "yes"


def searchable_text(guide: dict[str, Any] | None) -> str:
    """The words of a guide a search should find: what you need, who did what, the pitfalls and
    what each cost covered (amounts and currencies are figures, not words)."""
    if not guide:
        return ""
    texts = [*guide.get("needs", []), *guide.get("roles", []), *guide.get("pitfalls", []),
             *(cost["covers"] for cost in guide.get("costs", []))]
    return "\n".join(texts)


def cost_text(cost: dict[str, Any]) -> str:
    """`€1,500,000 (2013): building the square`, in the UI language."""
    amount = money(cost["amount"], cost["currency"])
    when = f" ({cost['year']})" if cost.get("year") else ""
    return f"{amount}{when}: {cost['covers']}"


def duration_text(months: int) -> str:
    return ngettext("%(num)s month", "%(num)s months", months)


def readable_lines(guide: dict[str, Any] | None) -> list[str]:
    """The guide as lines a person reads in a comparison of two versions, one item a line."""
    if not guide:
        return []
    lines = [f"{_('What you need')}: {need}" for need in guide.get("needs", [])]
    lines += [f"{_('What it cost')}: {cost_text(cost)}" for cost in guide.get("costs", [])]
    if guide.get("duration_months"):
        lines.append(f"{_('How long it took')}: {duration_text(guide['duration_months'])}")
    lines += [f"{_('Who did what')}: {role}" for role in guide.get("roles", [])]
    lines += [f"{_('Pitfalls')}: {pitfall}" for pitfall in guide.get("pitfalls", [])]
    return lines


def copied_in_cities(audience: Audience, cases: Iterable[Case]) -> dict[str, int]:
    """slug -> in how many cities a case this audience may see copied it (cases never copied are left out).

    One query for all the cases of a page. A members-only copy counts for members alone: a visitor
    must not learn that it exists. One city however its cases write it (`Kopenhagen`, `Copenhagen`).
    """
    slugs = {c.slug for c in cases}
    if not slugs:
        return {}
    stmt = select(Case).where(Case.copied_from.in_(slugs), Case.published_at.is_not(None))
    if not audience.is_member:
        stmt = stmt.where(Case.visibility == "public")  # the SQL pre-filter; case_visible decides
    copies = [c for c in db.session().scalars(stmt) if case_visible(audience, c)]
    gazetteer.places((c.city, c.country) for c in copies)  # the city files read once for all
    cities: defaultdict[str, set[str]] = defaultdict(set)
    for copy in copies:
        if copy.copied_from is not None:
            cities[copy.copied_from].add(gazetteer.place(copy.city, copy.country).key)
    return {slug: len(keys) for slug, keys in cities.items()}
