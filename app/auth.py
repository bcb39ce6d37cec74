"""Who is asking, for the views. Sign-in arrives with membership; until then everyone is anonymous."""
from __future__ import annotations

from .audience import Audience


def current_audience() -> Audience:
    return Audience.ANONYMOUS
