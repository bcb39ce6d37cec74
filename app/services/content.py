"""A case as stored (the model) and as exchanged (`CaseData`, the `cases/` format), mapped both ways."""
from __future__ import annotations

from ..casefiles import CaseData, LessonData
from ..models import Case, Lesson

CASE_FIELDS = ("title", "summary", "body", "city", "country", "language", "visibility",
               "attribution", "status", "year", "copied_from", "contact", "themes",
               "organisations", "sdg_targets", "sources", "transfer")


def case_data(case: Case) -> CaseData:
    return CaseData(
        slug=case.slug, lessons=[LessonData(l.kind, l.text, l.visibility) for l in case.lessons],
        **{name: getattr(case, name) for name in CASE_FIELDS},
    )


def apply_data(case: Case, data: CaseData) -> None:
    """Copy data onto the case (callers compare with case_data first to learn whether it changes)."""
    for name in CASE_FIELDS:
        if getattr(case, name) != getattr(data, name):
            setattr(case, name, getattr(data, name))
    lessons = [(l.kind, l.text, l.visibility) for l in data.lessons]
    # Lessons are replaced only when they differ, so who added an unchanged lesson is kept.
    if [(l.kind, l.text, l.visibility) for l in case.lessons] != lessons:
        case.lessons = [Lesson(position=i, kind=k, text=t, visibility=v) for i, (k, t, v) in enumerate(lessons)]
