"""Introductions: a member asks to meet the people behind a case, and the conversation that follows.

The other side is the case's contributor or, for a case without one (an imported case), the
moderators, who pass it on to the case's contact. An anonymous contributor stays "the
contributor" to the asker until they sign a message with their name; askers are never anonymous.
No one ever sees another member's email address: pages and mails name people by name and
organisation only.

Blocks are silent. A message from a member whom the other side blocked is kept, and shown to its
sender as sent, but never shown or mailed to the member who blocked them. A refusal would tell
the sender they were blocked and, worse, would let them find out which anonymous cases share a
contributor with a named one: every case of the member who blocked them would refuse alike.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from .. import db
from ..audience import Audience
from ..errors import Conflict, Invalid, NotFound
from ..models import Block, Case, Conversation, Member, Message, OutboxMail, Report, aware, utcnow
from ..policy import (
    INBOX_MAIL_KINDS,
    MODERATOR_ROLES,
    Actor,
    acting_as,
    can,
    case_visible,
    conversation_anonymous,
    conversation_side,
    require,
)
from . import outbox
from .unit_of_work import UnitOfWork, unit_of_work

MAX_MESSAGE_CHARS = 5000
MAX_REASON_CHARS = 2000
INBOX_LIMIT = 200
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class IntroductionError(Invalid):
    """A reason shown to the member, next to what they typed."""


@dataclass(frozen=True)
class Party:
    """Someone in a conversation as one viewer may see them.

    kind: "you"; "member" (named: name, organisation, member_id); "contributor" (anonymous: no name
    at all); "moderator" (a moderator's message: their name); "moderators" (the moderators as the
    other side); "gone" (a member who left); "someone" (a member, no more said).
    """

    kind: str
    name: str = ""
    organisation: str = ""
    member_id: int | None = None


YOU, THE_CONTRIBUTOR, THE_MODERATORS = Party("you"), Party("contributor"), Party("moderators")
GONE, SOMEONE = Party("gone"), Party("someone")


def _named(member: Member | None) -> Party:
    if member is None:
        return GONE
    return Party("member", member.name.strip(), member.organisation.strip(), member.id)


@dataclass
class MessageView:
    message: Message
    sender: Party
    mine: bool
    may_report: bool
    reported: bool = False  # the viewer reported it already


@dataclass
class ConversationView:
    conversation: Conversation
    side: str
    other: Party
    messages: list[MessageView]
    case: Case | None  # when the viewer may still open it
    unread: bool = False
    may_block: bool = False
    block: Block | None = None  # the viewer's block of the other side
    may_pass_on: bool = False
    may_sign: bool = False  # an anonymous contributor chooses per reply
    signed_before: bool = False  # ...and has replied under their name here: the asker knows it now
    contact: str | None = None  # the case's contact, for the moderators passing it on
    contact_address: str | None = None  # the email address in it, if any: passing on mails it there

    @property
    def last(self) -> MessageView | None:
        return self.messages[-1] if self.messages else None


@dataclass
class BlockView:
    block: Block
    who: Party
    case_title: str


@dataclass
class ReportView:
    report: Report
    sender: Party
    reporter: Party
    case: Case | None
    case_title: str
    anonymous: bool  # the asker does not know who wrote it
    before: list[MessageView] = field(default_factory=list)  # the messages before it, for context


@dataclass
class Asked:
    conversation: Conversation
    added: bool = False  # the asker had asked about this case before: the message went there


@dataclass
class PassedOn:
    contact: str
    mailed_to: str | None = None  # the address it was mailed to; None: the moderator passes it on by hand


@dataclass
class Inbox:
    conversations: list[ConversationView]
    notices: list[OutboxMail] = field(default_factory=list)
    blocks: list[BlockView] = field(default_factory=list)


def _clean(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise IntroductionError(_("Write a message."))
    if len(body) > MAX_MESSAGE_CHARS:
        raise IntroductionError(_("Keep the message under %(n)s characters.", n=MAX_MESSAGE_CHARS))
    return body


def _blocked(member: Member, sender: Member) -> bool:
    """Whether MEMBER blocked SENDER."""
    return db.session().scalar(select(exists().where(Block.member_id == member.id,
                                                     Block.blocked_id == sender.id))) or False


def moderators() -> list[Member]:
    return list(db.session().scalars(select(Member).where(Member.role.in_(MODERATOR_ROLES),
                                                          Member.disabled_at.is_(None)).order_by(Member.id)))


# --- asking ------------------------------------------------------------------------------------

def asked_today(member: Member) -> int:
    since = utcnow() - timedelta(days=1)
    return db.session().scalar(select(func.count()).select_from(Conversation)
                               .where(Conversation.asker_id == member.id, Conversation.created_at > since)) or 0


def daily_limit() -> int:
    return int(current_app.config.get("INTRODUCTIONS_PER_DAY", 5))


def start(actor: Actor, case: Case, body: str) -> Asked:
    """Ask for an introduction: a conversation with the case's contributor, or with the moderators.

    Asking again about the same case adds the message to the conversation already there, as a
    reply: no second conversation, and it does not count against the daily number.
    """
    require(actor, "case.introduce", case)
    asker = actor.acting
    assert asker is not None  # the policy lets only a member ask
    if not asker.name.strip():
        raise IntroductionError(_("Add your name on your account page first: the people you ask want to know "
                                  "who asks."))
    body = _clean(body)
    earlier = asked_about(actor, case)
    if earlier:
        reply(actor, earlier[0], body)
        return Asked(earlier[0], added=True)
    if asked_today(asker) >= daily_limit():
        raise IntroductionError(_("You can ask for at most %(n)s introductions a day. Please send this one "
                                  "tomorrow; your message is still below.", n=daily_limit()))
    # A disabled contributor cannot read their inbox: the moderators answer for the case instead.
    contributor = case.author if case.author is not None and case.author.is_active else None
    withheld = contributor is not None and _blocked(contributor, asker)
    with unit_of_work(actor) as uow:
        now = utcnow()
        conversation = Conversation(case_id=case.id, case_title=case.title[:300], asker_id=asker.id,
                                    contributor_id=contributor.id if contributor else None,
                                    anonymous=contributor is not None and case.attribution == "anonymous",
                                    created_at=now, updated_at=now, asker_read_at=now)
        message = Message(sender_id=asker.id, side="asker", signed=True, body=body, created_at=now,
                          withheld=withheld)
        conversation.messages.append(message)
        uow.session.add(conversation)
        uow.session.flush()
        if not withheld:
            for recipient in _recipients(conversation, "asker", asker):
                outbox.queue(uow, recipient, "introductions", "introduction", asker=_named(asker),
                             case_title=conversation.case_title, body=body,
                             to_moderators=conversation.contributor_id is None,
                             anonymous=conversation.anonymous, conversation_id=conversation.id)
    return Asked(conversation)


def _recipients(conversation: Conversation, sender_side: str, sender: Member) -> list[Member]:
    if sender_side != "asker":
        return [conversation.asker]
    if conversation.contributor is not None:
        return [conversation.contributor]
    return [m for m in moderators() if m.id != sender.id]


def asked_about(actor: Actor, case: Case) -> list[Conversation]:
    """The actor's own introductions about this case, newest first (for the case page)."""
    if actor.acting is None:
        return []
    return list(db.session().scalars(select(Conversation).where(Conversation.asker_id == actor.acting.id,
                                                                Conversation.case_id == case.id)
                                     .order_by(Conversation.created_at.desc())))


# --- reading -----------------------------------------------------------------------------------

def get(actor: Actor, conversation_id: int) -> Conversation:
    """The conversation, for a participant; to anyone else it does not exist."""
    conversation = db.session().get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound()
    require(actor, "conversation.read", conversation)
    return conversation


def conversation_of_message(actor: Actor, message_id: int) -> int:
    """The id of the conversation holding MESSAGE_ID, for a participant who may see the message."""
    message = db.session().get(Message, message_id)
    if message is None:
        raise NotFound()
    conversation = get(actor, message.conversation_id)
    if message.withheld and not (actor.acting is not None and message.sender_id == actor.acting.id):
        raise NotFound()
    return conversation.id


def _revealed(conversation: Conversation) -> bool:
    """The contributor signed a message the asker could read: they chose to be known."""
    return any(m.side == "contributor" and m.signed and not m.withheld for m in conversation.messages)


def other_side(actor: Actor, conversation: Conversation) -> Party:
    side = conversation_side(actor, conversation)
    if side != "asker":
        return _named(conversation.asker)
    if conversation.contributor_id is None:
        return THE_MODERATORS
    if can(actor, "conversation.see_contributor", conversation) or _revealed(conversation):
        return _named(conversation.contributor)
    return THE_CONTRIBUTOR


def sender_of(actor: Actor, message: Message) -> Party:
    """Who sent MESSAGE, as the actor may know them."""
    if actor.acting is not None and message.sender_id == actor.acting.id:
        return YOU
    if message.side == "moderators":
        return Party("moderator", message.sender.name.strip() if message.sender else "")
    if not can(actor, "message.see_sender", message):
        return THE_CONTRIBUTOR
    return _named(message.sender)


def _visible_messages(actor: Actor, conversation: Conversation) -> list[Message]:
    me = actor.acting.id if actor.acting else None
    return [m for m in conversation.messages if not m.withheld or m.sender_id == me]


def _read_at(conversation: Conversation, side: str) -> datetime | None:
    return aware(conversation.asker_read_at if side == "asker" else conversation.contributor_read_at)


def _unread(conversation: Conversation, side: str, messages: list[Message]) -> bool:
    read_at = _read_at(conversation, side)
    return any(m.side != side and (read_at is None or aware(m.created_at) > read_at)
               for m in messages)


def view(actor: Actor, conversation: Conversation, listed: bool = False) -> ConversationView:
    """The conversation as the actor sees it; `listed`: for the inbox's list, without the page's block."""
    side = conversation_side(actor, conversation)
    assert side is not None  # get() let only a participant in
    messages = _visible_messages(actor, conversation)
    case = conversation.case if case_visible(actor.audience, conversation.case) else None
    result = ConversationView(
        conversation=conversation, side=side, other=other_side(actor, conversation), case=case,
        messages=[MessageView(m, sender_of(actor, m), m.sender_id == actor.acting.id if actor.acting else False,
                              can(actor, "message.report", m)) for m in messages],
        unread=_unread(conversation, side, messages),
        may_block=can(actor, "conversation.block", conversation),
        may_pass_on=can(actor, "conversation.pass_on", conversation),
        may_sign=side == "contributor" and conversation_anonymous(conversation),
    )
    # As the contributor sees it: a signed reply that a block withheld still looks sent to them.
    result.signed_before = result.may_sign and any(m.side == "contributor" and m.signed for m in messages)
    if result.may_block and not listed:  # a query per conversation: the list does not show it
        result.block = _block_of(actor, conversation)
    if not listed:
        _mark_reported(actor, result.messages)
    if result.may_pass_on and conversation.case is not None:
        result.contact = conversation.case.contact
        result.contact_address = contact_address(conversation.case.contact)
    return result


def _mark_reported(actor: Actor, messages: list[MessageView]) -> None:
    """Mark the messages the viewer reported already (one query), so they are not offered again."""
    reportable = [m.message.id for m in messages if m.may_report]
    if not reportable or actor.acting is None:
        return
    reported = set(db.session().scalars(select(Report.message_id).where(Report.reporter_id == actor.acting.id,
                                                                        Report.message_id.in_(reportable))))
    for m in messages:
        m.reported = m.message.id in reported


def _other_member(actor: Actor, conversation: Conversation) -> Member | None:
    side = conversation_side(actor, conversation)
    if side == "asker":
        return conversation.contributor
    return conversation.asker if side == "contributor" else None


def _block_of(actor: Actor, conversation: Conversation) -> Block | None:
    """The viewer's block of the other side, as this conversation may show it.

    A block made in another conversation shows here only when the other side is named in both:
    "you blocked Cora" under a block of "the contributor" would tie an anonymous contributor to her.
    """
    other = _other_member(actor, conversation)
    if other is None or actor.acting is None:
        return None
    found = list(db.session().scalars(select(Block).where(Block.member_id == actor.acting.id,
                                                          Block.blocked_id == other.id)))
    here = next((b for b in found if b.conversation_id == conversation.id), None)
    if here is not None or other_side(actor, conversation) == THE_CONTRIBUTOR:
        return here
    for elsewhere in found:
        origin = db.session().get(Conversation, elsewhere.conversation_id) if elsewhere.conversation_id else None
        if origin is not None and can(actor, "conversation.read", origin) and \
                other_side(actor, origin) != THE_CONTRIBUTOR:
            return elsewhere
    return None


def _mine_clause(actor: Actor, member: Member):
    clauses = [Conversation.asker_id == member.id, Conversation.contributor_id == member.id]
    if actor.is_moderator:
        clauses.append(Conversation.contributor_id.is_(None))
    return or_(*clauses)


def inbox(actor: Actor) -> Inbox:
    """The actor's conversations, newest activity first, their mail notices and their blocks."""
    require(actor, "inbox.open")
    member = actor.acting
    assert member is not None
    found = db.session().scalars(select(Conversation).where(_mine_clause(actor, member))
                                 .options(selectinload(Conversation.messages))
                                 .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
                                 .limit(INBOX_LIMIT))
    conversations = [view(actor, c, listed=True) for c in found if can(actor, "conversation.read", c)]
    return Inbox(conversations=conversations, notices=notices(actor), blocks=blocks(actor))


def unread_count(actor: Actor) -> int:
    """How many of the actor's conversations hold a message they have not read (for the member bar)."""
    member = actor.acting
    if member is None:
        return 0

    def newer(from_other_side, read_at):
        return exists().where(Message.conversation_id == Conversation.id, from_other_side,
                              Message.withheld.is_(False), or_(read_at.is_(None), Message.created_at > read_at))

    mine = [and_(Conversation.asker_id == member.id, newer(Message.side != "asker", Conversation.asker_read_at)),
            and_(Conversation.contributor_id == member.id,
                 newer(Message.side == "asker", Conversation.contributor_read_at))]
    if actor.is_moderator:
        mine.append(and_(Conversation.contributor_id.is_(None), Conversation.asker_id != member.id,
                         newer(Message.side == "asker", Conversation.contributor_read_at)))
    return db.session().scalar(select(func.count()).select_from(Conversation).where(or_(*mine))) or 0


def mark_read(actor: Actor, conversation: Conversation) -> None:
    """The viewer has read it (for moderators' conversations: one moderator reads for all)."""
    side = conversation_side(actor, conversation)
    if side is None or not _unread(conversation, side, _visible_messages(actor, conversation)):
        return
    with unit_of_work(actor):
        if side == "asker":
            conversation.asker_read_at = utcnow()
        else:
            conversation.contributor_read_at = utcnow()


# --- answering ---------------------------------------------------------------------------------

def reply(actor: Actor, conversation: Conversation, body: str, signed: bool = True) -> Message:
    """Write a message; the other side gets it in their inbox and by mail (unless they blocked the sender)."""
    require(actor, "conversation.reply", conversation)
    side = conversation_side(actor, conversation)
    sender = actor.acting
    assert side is not None and sender is not None
    body = _clean(body)
    if side != "contributor" or not conversation_anonymous(conversation):
        signed = True  # only an anonymous contributor has a name to keep to themselves
    other = _other_member(actor, conversation)
    # An introduction that was withheld stays so: what follows it never arrives either.
    withheld = (other is not None and _blocked(other, sender)) or (
        side == "asker" and bool(conversation.messages) and conversation.messages[0].withheld)
    with unit_of_work(actor) as uow:
        now = utcnow()
        message = Message(sender_id=sender.id, side="moderators" if side == "moderators" else side, signed=signed,
                          body=body, created_at=now, withheld=withheld)
        conversation.messages.append(message)
        conversation.updated_at = now
        if side == "asker":
            conversation.asker_read_at = now
        else:
            conversation.contributor_read_at = now
        uow.session.flush()
        if not withheld:
            _mail_reply(uow, conversation, message, side, sender)
    return message


def _mail_reply(uow: UnitOfWork, conversation: Conversation, message: Message, side: str, sender: Member) -> None:
    for recipient in _recipients(conversation, side, sender):
        outbox.queue(uow, recipient, "introductions", "introduction_reply",
                     sender=sender_of(acting_as(recipient), message), case_title=conversation.case_title,
                     body=message.body, conversation_id=conversation.id)


def contact_address(contact: str | None) -> str | None:
    """The email address in a case's free-text contact, if it holds one."""
    found = _EMAIL.search(contact or "")
    return found.group(0) if found else None


def pass_on(actor: Actor, conversation: Conversation) -> PassedOn:
    """Moderators hand an introduction about a case without a contributor to the case's contact.

    A contact with an email address is mailed the asker's messages (no account needed) and asked to
    answer through the moderators; any other contact is shown to the moderator to reach by hand.
    """
    require(actor, "conversation.pass_on", conversation)
    if conversation.passed_on_at is not None:
        raise Conflict(_("Another moderator already passed this on."))
    case = conversation.case
    contact = (case.contact or "").strip() if case is not None else ""
    if not contact or case is None:
        raise IntroductionError(_("The case names no contact to pass this on to."))
    address = contact_address(contact)
    with unit_of_work(actor) as uow:
        conversation.passed_on_at = utcnow()
        if address:
            language = case.language if case.language in current_app.config["LANGUAGES"] else \
                current_app.config["BABEL_DEFAULT_LOCALE"]
            # The contact answers the moderators' shared mailbox, else the moderator who passed it on.
            reply_to = current_app.config.get("MODERATORS_EMAIL") or (actor.acting.email if actor.acting else None)
            outbox.queue_to_address(uow, address, language, "introduction_contact", reply_to=reply_to,
                                    asker=_named(conversation.asker), case_title=conversation.case_title,
                                    bodies=[m.body for m in conversation.messages if m.side == "asker"])
        uow.audit("introduction.pass_on", "case", case.id, case.slug,
                  f"conversation {conversation.id}: {'mailed to the contact' if address else 'to pass on by hand'}")
    return PassedOn(contact=contact, mailed_to=address)


# --- blocking and reporting ----------------------------------------------------------------------

def block(actor: Actor, conversation: Conversation) -> None:
    """Nothing the other side sends reaches the actor any more (they are not told)."""
    require(actor, "conversation.block", conversation)
    other = _other_member(actor, conversation)
    if other is None or actor.acting is None:
        raise NotFound()
    if _block_of(actor, conversation) is not None:
        return  # blocked already, as this conversation shows
    with unit_of_work(actor) as uow:
        uow.session.add(Block(member_id=actor.acting.id, blocked_id=other.id, conversation_id=conversation.id,
                              created_at=utcnow()))


def unblock(actor: Actor, block_id: int) -> None:
    found = db.session().get(Block, block_id)
    if found is None:
        raise NotFound()
    require(actor, "block.remove", found)
    with unit_of_work(actor) as uow:
        uow.session.delete(found)


def blocks(actor: Actor) -> list[BlockView]:
    """The actor's blocks, each naming the other side only as they appeared in the conversation it came from."""
    if actor.acting is None:
        return []
    result = []
    for found in db.session().scalars(select(Block).where(Block.member_id == actor.acting.id)
                                      .order_by(Block.created_at.desc())):
        conversation = db.session().get(Conversation, found.conversation_id) if found.conversation_id else None
        if conversation is None or not can(actor, "conversation.read", conversation):
            result.append(BlockView(found, SOMEONE, ""))
        else:
            result.append(BlockView(found, other_side(actor, conversation), conversation.case_title))
    return result


def report(actor: Actor, message_id: int, reason: str) -> Report:
    """Tell the moderators about a message; reporting one message twice keeps one report."""
    message = db.session().get(Message, message_id)
    if message is None:
        raise NotFound()
    require(actor, "message.report", message)
    reason = (reason or "").strip()
    if not reason:
        raise IntroductionError(_("Say briefly what is wrong with the message."))
    assert actor.acting is not None
    existing = db.session().scalar(select(Report).where(Report.message_id == message.id,
                                                        Report.reporter_id == actor.acting.id,
                                                        Report.resolved_at.is_(None)))
    if existing is not None:
        return existing
    with unit_of_work(actor) as uow:
        made = Report(message_id=message.id, reporter_id=actor.acting.id, reason=reason[:MAX_REASON_CHARS],
                      created_at=utcnow())
        uow.session.add(made)
    return made


def open_reports(actor: Actor) -> list[ReportView]:
    require(actor, "reports.read")
    found = db.session().scalars(select(Report).where(Report.resolved_at.is_(None)).order_by(Report.created_at.desc()))
    result = []
    for r in found:
        conversation = r.message.conversation
        case = conversation.case if case_visible(Audience.MODERATOR, conversation.case) else None
        # Moderators may know an anonymous contributor: the policy answers for this actor.
        sender = _named(r.message.sender) if can(actor, "message.see_sender", r.message) else THE_CONTRIBUTOR
        anonymous = r.message.side == "contributor" and not r.message.signed and conversation_anonymous(conversation)
        result.append(ReportView(r, sender, _named(r.reporter), case, conversation.case_title, anonymous,
                                 before=_context(actor, r.message)))
    return result


def _context(actor: Actor, message: Message, count: int = 2) -> list[MessageView]:
    """The COUNT messages before MESSAGE that both sides saw (a withheld one never reached the other)."""
    earlier = [m for m in message.conversation.messages if m.id < message.id and not m.withheld]  # in order
    return [MessageView(m, sender_of(actor, m), False, False) for m in earlier[-count:]]


def open_report_count(actor: Actor) -> int:
    """How many reports wait for a moderator (for the member bar); 0 for anyone who may not read them."""
    if not can(actor, "reports.read"):
        return 0
    return db.session().scalar(select(func.count()).select_from(Report).where(Report.resolved_at.is_(None))) or 0


def handle_report(actor: Actor, report_id: int) -> None:
    found = db.session().get(Report, report_id)
    if found is None:
        raise NotFound()
    require(actor, "report.handle", found)
    if found.resolved_at is not None:
        return
    with unit_of_work(actor) as uow:
        found.resolved_at = utcnow()
        found.resolved_by_id = actor.acting.id if actor.acting else None
        uow.audit("report.handle", "report", found.id, found.message.conversation.case_title,
                  f"message {found.message_id}")


# --- mail kept for the member ------------------------------------------------------------------

def notices(actor: Actor, limit: int = 50) -> list[OutboxMail]:
    """The member's own mail of the kinds the inbox shows again, newest first."""
    if actor.acting is None:
        return []
    return list(db.session().scalars(select(OutboxMail).where(OutboxMail.member_id == actor.acting.id,
                                                              OutboxMail.kind.in_(INBOX_MAIL_KINDS))
                                     .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()).limit(limit)))


def notice(actor: Actor, mail_id: int) -> OutboxMail:
    found = db.session().get(OutboxMail, mail_id)
    if found is None or not can(actor, "inbox.mail", found):
        raise NotFound()
    return found
