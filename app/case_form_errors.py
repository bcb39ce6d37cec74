"""What the case-file validator finds, said to a person filling in the case form.

The validator (`casefiles`) writes for people editing files: "summary: is required". The form
shows each problem next to its field as a sentence in the UI language that names the field by
its label ("Give the case a summary.").
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from .casefiles import Problem
from .forms import CaseForm

# (field, kind of problem) -> the sentence for it; a field's label is %(label)s.
SENTENCES = {
    ("title", "required"): _l("Give the case a title."),
    ("title", "taken"): _l("Another case already has this title: make the title more specific."),
    ("title", "no_letters"): _l("Give the title at least one letter or digit."),
    ("summary", "required"): _l("Give the case a summary."),
    ("city", "required"): _l("Say in which city it happened."),
    ("country", "required"): _l("Choose the country."),
    ("country", "invalid"): _l("Choose the country from the list."),
    ("themes", "required"): _l("Choose at least one theme."),
    ("themes", "invalid"): _l("Choose themes from the list."),
    ("body", "required"): _l("Tell your story: write a few sentences under the headings."),
    ("year", "invalid"): _l("Give the year it started as four digits, for example 2019."),
    ("copied_from", "invalid"): _l("Under “Copied from”, paste the web address of a case on Casebook."),
    ("copied_from", "missing"): _l("Casebook has no case at this address: open the case that was copied and paste "
                                   "the address your browser shows."),
    ("copied_from", "self"): _l("A case cannot be copied from itself: under “Copied from”, give another case."),
    ("sdg_targets", "invalid"): _l("“%(value)s” is not an SDG target: write targets such as 11.3, separated by commas."),
    ("sources", "invalid"): _l("“%(value)s” is not a web address: give addresses that start with https://, "
                               "one on each line."),
    ("lesson", "required"): _l("Write the lesson, or remove it."),
}
TOO_LONG = _l("Make “%(label)s” shorter: at most %(limit)s characters.")
CHOOSE = _l("Choose one of the options under “%(label)s”.")
CHECK = _l("Check what you wrote under “%(label)s”.")
# Only the "Copy this" guide, kept from the case file, has no field in the form.
ELSEWHERE = _l("A part of the case that this form does not show needs correcting (%(part)s): "
               "ask a moderator to correct it in the case file.")

_KINDS = (  # (how the validator's reason starts, the kind of problem)
    ("is required", "required"), ("needs at least one", "required"), ("the story is empty", "required"),
    ("unknown theme", "invalid"), ("must be an ISO", "invalid"), ("must be a year", "invalid"),
    ("must be the slug", "invalid"), ("a case cannot copy itself", "self"), ("names no case", "missing"),
    ("another case already uses this title", "taken"), ("must be one of", "choice"),
)
_LESSON = re.compile(r"^lessons\[(\d+)\]\.(kind|text|visibility)$")
_QUOTED = re.compile(r"^(.*?) is not (?:an SDG target|an http)")
_LIMIT = re.compile(r"is longer than (\d+)")


def attach(form: CaseForm, problems: list[Problem]) -> list[str]:
    """Put each problem next to its field; return those that belong to no field of the form.

    No problems at all means the title gave no address name (only punctuation, say).
    """
    if not problems:
        problems = [Problem("form", "title", "no_letters")]
    unplaced = []
    for problem in problems:
        field, kind = _field(form, problem.field), _kind(problem)
        if field is None:
            unplaced.append(str(ELSEWHERE % {"part": problem.field}))
            continue
        field.errors = [*field.errors, _sentence(field, problem, kind)]
    return unplaced


def _field(form: CaseForm, name: str):
    """The form field a validator's field name stands for (lessons count only the rows with text)."""
    lesson = _LESSON.match(name)
    if lesson:
        written = [row for row in form.lessons if (row.text.data or "").strip()] or list(form.lessons)
        row = written[min(int(lesson.group(1)), len(written)) - 1]
        return row[lesson.group(2)]
    name = re.split(r"[\[.]", name)[0]  # "sources[2].url": the sources field
    if name == "slug":
        name = "title"  # the address name is made from the title
    return form[name] if name in form and name not in ("csrf_token", "base_version", "lessons") else None


def _kind(problem: Problem) -> str:
    if problem.reason == "no_letters":
        return "no_letters"
    if problem.reason.startswith("is longer than"):
        return "too_long"
    if _QUOTED.match(problem.reason):
        return "invalid"
    return next((kind for start, kind in _KINDS if problem.reason.startswith(start)), "other")


def _sentence(field, problem: Problem, kind: str) -> str:
    label = field.label.text
    key = "lesson" if _LESSON.match(problem.field) else re.split(r"[\[.]", problem.field)[0]
    if (key, kind) in SENTENCES:
        quoted = _QUOTED.match(problem.reason)
        value = quoted.group(1).strip("'\"") if quoted else ""
        return str(SENTENCES[key, kind] % {"value": value, "label": label})
    if kind == "too_long":
        limit = _LIMIT.search(problem.reason)
        return str(TOO_LONG % {"label": label, "limit": limit.group(1) if limit else "?"})
    if kind == "choice":
        return str(CHOOSE % {"label": label})
    return str(CHECK % {"label": label})
