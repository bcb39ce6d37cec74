"""SDG targets by number, with their short names in the UI language (a data file)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from .vocabulary import DATA


@cache
def _names() -> dict[str, dict[str, str]]:
    return json.loads((DATA / "sdg_targets.json").read_text(encoding="utf-8"))["targets"]


@dataclass(frozen=True)
class Target:
    number: str  # "11.3"
    name: str | None  # None: a target the data file does not know is shown by its number alone


def target(number: str, locale: str) -> Target:
    names = _names().get(number)
    return Target(number, (names.get(locale) or names.get("en")) if names else None)


def targets(numbers: list[str], locale: str) -> list[Target]:
    return [target(n, locale) for n in numbers]


# How many numbered and lettered targets each of the 17 goals has (169 in all, UN resolution 71/313):
# "8.10" and "3.d" exist, "11.8" and "99.9" do not.
_NUMBERED = {1: 5, 2: 5, 3: 9, 4: 7, 5: 6, 6: 6, 7: 3, 8: 10, 9: 5, 10: 7, 11: 7, 12: 8, 13: 3, 14: 7, 15: 9,
             16: 10, 17: 19}
_LETTERED = {1: "ab", 2: "abc", 3: "abcd", 4: "abc", 5: "abc", 6: "ab", 7: "ab", 8: "ab", 9: "abc", 10: "abc",
             11: "abc", 12: "abc", 13: "ab", 14: "abc", 15: "abc", 16: "ab", 17: ""}


def exists(number: str) -> bool:
    goal, _dot, part = number.partition(".")
    if not goal.isdigit() or int(goal) not in _NUMBERED:
        return False
    if part.isdigit():
        return str(int(part)) == part and 1 <= int(part) <= _NUMBERED[int(goal)]
    return len(part) == 1 and part in _LETTERED[int(goal)]
