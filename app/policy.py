"""Who may do what: the one place that answers `can(actor, action, object)`.

Services ask `require(...)` before they change anything; views and templates receive the
answers (`can` is a template global bound to the request's actor), never the rules.
Every check is given the object it is about.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .audience import Audience
from .errors import NotAllowed, NotFound
from .models import Block, Case, CaseRevision, Conversation, Lesson, Member, Message, OutboxMail, Proposal

MODERATOR_ROLES = ("moderator", "admin")
# Who may invite whom: moderators bring in members and moderators, admins anyone.
MAY_INVITE = {"moderator": ("member", "moderator"), "admin": ("member", "moderator", "admin")}
# While a moderator reviews a case its author waits; before and after, the author may edit.
AUTHOR_EDITABLE = ("draft", "returned", "published")
UNPUBLISHED = ("draft", "returned", "submitted")


@dataclass(frozen=True)
class Actor:
    """Who is asking.

    `as_public`: a member checking what visitors see; they read as a visitor and are
    offered nothing a visitor is not. `system`: the command line, with the server's authority.
    """

    member: Member | None = None
    as_public: bool = False
    system: bool = False

    @property
    def audience(self) -> Audience:
        if self.system:
            return Audience.ADMIN
        if self.member is None or self.as_public or not self.member.is_active:
            return Audience.ANONYMOUS
        return Audience(self.member.role)

    @property
    def acting(self) -> Member | None:
        """The member acting as themselves, or None (a visitor, or a member viewing as public)."""
        return None if self.as_public or self.member is None or not self.member.is_active else self.member

    @property
    def is_moderator(self) -> bool:
        return self.system or (self.acting is not None and self.acting.role in MODERATOR_ROLES)

    @property
    def is_admin(self) -> bool:
        return self.system or (self.acting is not None and self.acting.role == "admin")

    def is_(self, member: Member | None) -> bool:
        return self.acting is not None and member is not None and self.acting.id == member.id

    @property
    def label(self) -> str:
        """How the audit log names this actor."""
        if self.system:
            return "command line"
        return self.member.email if self.member is not None else "visitor"


ANONYMOUS = Actor()
SYSTEM = Actor(system=True)


def acting_as(member: Member | None) -> Actor:
    return Actor(member=member)


# --- reading: what an audience may see ------------------------------------------------------

def case_visible(audience: Audience, case: Case | None) -> bool:
    """Whether this audience may know the case exists. Fail closed on anything unexpected."""
    if case is None or not case.is_published:
        return False
    if case.visibility == "public":
        return True
    return case.visibility == "members" and audience.is_member


def lesson_visible(audience: Audience, lesson: Lesson) -> bool:
    if lesson.visibility == "public":
        return True
    return lesson.visibility == "members" and audience.is_member


def update_lesson_visible(audience: Audience, update_visibility: str, lesson: Lesson) -> bool:
    """The lesson of a contributor's update, shown with the update only where both the update's choice
    and the lesson as the case holds it now allow (the stricter wins)."""
    chosen = update_visibility == "public" or (update_visibility == "members" and audience.is_member)
    return chosen and lesson_visible(audience, lesson)


def contributor_visible(audience: Audience, case: Case) -> bool:
    """An anonymous case names no one, except to moderators."""
    return case.author is not None and (case.attribution == "named" or audience in (Audience.MODERATOR,
                                                                                    Audience.ADMIN))


# --- the rules --------------------------------------------------------------------------------

def _is_author(actor: Actor, case: Case) -> bool:
    return actor.acting is not None and case.author_id is not None and case.author_id == actor.acting.id


def _open_draft(actor: Actor, case: Case) -> bool:
    return actor.is_moderator or _is_author(actor, case)


def _edit(actor: Actor, case: Case) -> bool:
    return actor.is_moderator or (_is_author(actor, case) and case.review_state in AUTHOR_EDITABLE)


def _delete(actor: Actor, case: Case) -> bool:
    return actor.is_moderator or (_is_author(actor, case) and not case.is_published
                                  and case.review_state in UNPUBLISHED)


def _propose(actor: Actor, case: Case) -> bool:
    return actor.acting is not None and case_visible(Audience(actor.acting.role), case)


def _member_page(actor: Actor, _member: Member) -> bool:
    return actor.acting is not None


def _invite(actor: Actor, role: str) -> bool:
    if actor.system:
        return True
    return actor.acting is not None and role in MAY_INVITE.get(actor.acting.role, ())


def _revision_editor_name(actor: Actor, revision: CaseRevision) -> bool:
    """An author may be anonymous: only moderators (and the editor) learn who made a revision."""
    return actor.is_moderator or actor.is_(revision.editor)


# --- introductions: an asker and a case's contributor (or, for a case without one, the moderators) ---

# Mail a member may read again in their inbox. Never account mail: a password-reset link shown
# there would let anyone holding a session take the account over.
INBOX_MAIL_KINDS = ("introductions", "follow_ups", "alerts")


def conversation_side(actor: Actor, conversation: Conversation) -> str | None:
    """The actor's side of a conversation: "asker", "contributor", "moderators", or None."""
    member = actor.acting
    if member is None:
        return None
    if conversation.asker_id == member.id:
        return "asker"
    if conversation.contributor_id is not None:
        return "contributor" if conversation.contributor_id == member.id else None
    return "moderators" if actor.is_moderator else None


def conversation_anonymous(conversation: Conversation) -> bool:
    """The contributor stays unnamed when the case was anonymous when asked, or has become so since."""
    case = conversation.case
    return conversation.anonymous or (case is not None and case.attribution == "anonymous")


def _introduce(actor: Actor, case: Case) -> bool:
    return actor.acting is not None and case_visible(Audience(actor.acting.role), case) and not _is_author(actor, case)


def _read_conversation(actor: Actor, conversation: Conversation) -> bool:
    side = conversation_side(actor, conversation)
    if side == "contributor" and conversation.messages and conversation.messages[0].withheld:
        return False  # asked by a member they had blocked: to them it never arrived
    return side is not None


def _see_contributor_in(actor: Actor, conversation: Conversation) -> bool:
    """A moderator who asks is an asker: the contributor was promised the asker sees "the contributor"."""
    if not conversation_anonymous(conversation) or actor.is_(conversation.contributor):
        return True
    return actor.is_moderator and not actor.is_(conversation.asker)


def _see_sender(actor: Actor, message: Message) -> bool:
    """An anonymous contributor's unsigned message says "the contributor" to all but them and moderators."""
    if message.side != "contributor" or message.signed:
        return True
    return _see_contributor_in(actor, message.conversation)


def _block_in(actor: Actor, conversation: Conversation) -> bool:
    """Blocking is between two members; the moderators' conversations have other remedies."""
    return conversation.contributor_id is not None and _read_conversation(actor, conversation)


def _report(actor: Actor, message: Message) -> bool:
    """A member reports what the other side wrote; moderators act on their own conversations themselves."""
    conversation = message.conversation
    side = conversation_side(actor, conversation)
    return (_read_conversation(actor, conversation) and not message.withheld and side != "moderators"
            and message.side != side)


def _inbox_mail(actor: Actor, mail: OutboxMail) -> bool:
    return actor.acting is not None and mail.member_id == actor.acting.id and mail.kind in INBOX_MAIL_KINDS


def _own_block(actor: Actor, block: Block) -> bool:
    return actor.acting is not None and block.member_id == actor.acting.id


RULES: dict[str, Callable[[Actor, Any], bool]] = {
    "case.read": lambda actor, case: case_visible(actor.audience, case),
    "case.see_contributor": lambda actor, case: contributor_visible(actor.audience, case),
    "case.open_draft": _open_draft,
    "case.edit": _edit,
    "case.submit": lambda actor, case: _edit(actor, case) and case.review_state in ("draft", "returned"),
    "case.delete": _delete,
    "case.history": lambda actor, case: _open_draft(actor, case) and case.is_published,
    "case.restore": lambda actor, case: actor.is_moderator and case.is_published,
    "case.decide": lambda actor, case: actor.is_moderator,
    "case.propose": _propose,
    "case.copy_into": lambda actor, case: _is_author(actor, case) and case.is_published,
    "cases.import": lambda actor, _none: actor.is_moderator,
    "moderation.open": lambda actor, _none: actor.is_moderator,
    "proposal.decide": lambda actor, _proposal: actor.is_moderator,
    "member.page": _member_page,
    "member.invite": _invite,
    "members.manage": lambda actor, _member: actor.is_admin,
    "audit.read": lambda actor, _none: actor.is_admin,
    "revision.editor_name": _revision_editor_name,
    # Saved searches and the member directory: members acting as themselves ("view as public" sees neither).
    "search.save": lambda actor, _none: actor.acting is not None,
    "saved_search.manage": lambda actor, saved: actor.acting is not None and saved.member_id == actor.acting.id,
    "members.directory": lambda actor, _none: actor.acting is not None,
    # "How is it going now?": the contributor answers for their case (moderators may too); others see nothing.
    "case.follow_up": lambda actor, case: case.is_published and (actor.is_moderator or _is_author(actor, case)),
    "case_update.decide": lambda actor, _update: actor.is_moderator,
    "case.introduce": _introduce,
    "inbox.open": lambda actor, _none: actor.acting is not None,
    "inbox.mail": _inbox_mail,
    "conversation.read": _read_conversation,
    "conversation.reply": _read_conversation,
    "conversation.see_contributor": _see_contributor_in,
    "conversation.block": _block_in,
    "conversation.pass_on": lambda actor, conversation: conversation_side(actor, conversation) == "moderators",
    "message.see_sender": _see_sender,
    "message.report": _report,
    "block.remove": _own_block,
    "reports.read": lambda actor, _none: actor.is_moderator,
    "report.handle": lambda actor, _report: actor.is_moderator,
    # Meetings: everyone reads them, moderators keep them. Notes are for members unless made public
    # (anything but "public" is members-only); a speaker is named only when they agreed (Chatham House),
    # and never with an anonymous case (their name would tie them to it) but to moderators.
    "meeting.read": lambda actor, _meeting: True,
    "meeting.manage": lambda actor, _meeting: actor.is_moderator,
    "meeting.read_notes": lambda actor, meeting: meeting.notes_visibility == "public" or actor.audience.is_member,
    "meeting_item.name_speaker": lambda actor, item: bool(item.speaker_agreed and item.speaker.strip()) and (
        actor.is_moderator or item.case is None or item.case.attribution != "anonymous"),
}


def can(actor: Actor, action: str, obj: Any = None) -> bool:
    rule = RULES[action]  # an unknown action is a programming error, not a "no"
    return bool(rule(actor, obj))


def _may_know_of(actor: Actor, obj: Any) -> bool:
    """Whether a refusal may say "not allowed" instead of "not found" (the thing's existence is no secret)."""
    if isinstance(obj, Case):
        return case_visible(actor.audience, obj) or _open_draft(actor, obj)
    if isinstance(obj, Proposal):
        return actor.is_moderator or actor.is_(obj.author)
    return False


def require(actor: Actor, action: str, obj: Any = None) -> None:
    """Go on when the actor may; otherwise NotFound (when the thing is a secret to them) or NotAllowed."""
    if can(actor, action, obj):
        return
    if _may_know_of(actor, obj):
        raise NotAllowed()
    raise NotFound()
