"""A public list of thousands of XSS payloads, for the tests that no text breaks or scripts a page.

They come from brs-kb (an XSS knowledge base of 4,462 distinct payloads; MIT licence,
https://github.com/EPTLLC/BRS-KB), pinned in setup.cfg's test extra so that every run
sees the same list. This module alone imports it.
"""
from __future__ import annotations

import random
from functools import cache

import brs_kb


@cache
def xss_payloads() -> tuple[str, ...]:
    """Every distinct payload, in a stable order."""
    return tuple(sorted({entry["payload"] for entry in brs_kb.get_all_payloads().values()}))


def sample(count: int, seed: int = 11) -> list[str]:
    """COUNT payloads chosen the same way on every run."""
    return random.Random(seed).sample(xss_payloads(), count)
