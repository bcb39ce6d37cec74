"""Who is asking. Every service that returns content is given an Audience explicitly."""
from __future__ import annotations

from enum import Enum


class Audience(Enum):
    ANONYMOUS = "anonymous"
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"

    @property
    def index_name(self) -> str:
        """The search index this audience is answered from (DESIGN.md: two indexes)."""
        return "public" if self is Audience.ANONYMOUS else "members"

    @property
    def is_member(self) -> bool:
        return self is not Audience.ANONYMOUS
