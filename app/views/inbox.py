"""Introductions and the inbox: asking to meet the people behind a case, conversations, blocks,
reports, and the mail Casebook kept for the member. Members only."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import auth
from ..errors import Conflict, NotFound
from ..forms import ConfirmForm, IntroductionForm, ReplyForm, ReportForm
from ..models import Case
from ..policy import can
from ..services import cases, introductions
from ..services.introductions import IntroductionError

bp = Blueprint("inbox", __name__)


@bp.app_template_global()
def inbox_unread() -> int:
    """For the member bar: conversations with something new for the signed-in member."""
    member = auth.current_member()
    return introductions.unread_count(auth.acting_actor()) if member is not None else 0


@bp.app_template_global()
def reports_open() -> int:
    """For the member bar: reports waiting for a moderator (0 for everyone else)."""
    return introductions.open_report_count(auth.acting_actor()) if auth.current_member() is not None else 0


@bp.app_template_global()
def introductions_asked(case: Case) -> list:
    """The signed-in member's own introductions about this case (for the case page)."""
    return introductions.asked_about(auth.acting_actor(), case)


def _posted(form) -> bool:
    """A valid POST; a POST without a valid CSRF token is refused outright."""
    if request.method != "POST":
        return False
    if not form.validate_on_submit():
        abort(400)
    return True


@bp.route("/cases/<slug>/introduce", methods=["GET", "POST"])
@login_required
def introduce(slug: str):
    actor = auth.acting_actor()  # acting as themselves, never "as public"
    view = cases.case_for(actor, slug)
    if not can(actor, "case.introduce", view.case):
        raise NotFound()  # their own case: there is no one to be introduced to
    form = IntroductionForm()
    error = None
    if _posted(form):
        try:
            asked = introductions.start(actor, view.case, form.body.data)
        except IntroductionError as problem:
            error = problem.message
        else:
            # The notice shows at the top of the page: no jump down to the new message.
            flash(_("Added to your conversation about this case.") if asked.added
                  else _("Your message is on its way. Replies come to your inbox."))
            return redirect(url_for("inbox.conversation", conversation_id=asked.conversation.id))
    return render_template("inbox/introduce.html", view=view, form=form, error=error,
                           asked=introductions.asked_about(actor, view.case),
                           limit=introductions.daily_limit()), 400 if error else 200


@bp.get("/inbox")
@login_required
def inbox():
    actor = auth.acting_actor()
    return render_template("inbox/inbox.html", inbox=introductions.inbox(actor), confirm=ConfirmForm(),
                           reports=can(actor, "reports.read"))


def _conversation_page(conversation_id: int, form: ReplyForm | None = None, error: str | None = None,
                       status: int = 200, report_error: tuple[int, str] | None = None):
    actor = auth.acting_actor()
    conversation = introductions.get(actor, conversation_id)
    shown = introductions.view(actor, conversation)
    introductions.mark_read(actor, conversation)
    if form is None:
        form = ReplyForm()
        form.signed.data = "anonymous" if shown.may_sign and not shown.signed_before else "named"
    return render_template("inbox/conversation.html", view=shown, form=form, error=error,
                           report_form=ReportForm(), report_error=report_error, confirm=ConfirmForm()), status


@bp.get("/inbox/<int:conversation_id>")
@login_required
def conversation(conversation_id: int):
    return _conversation_page(conversation_id)


@bp.post("/inbox/<int:conversation_id>/reply")
@login_required
def reply(conversation_id: int):
    actor = auth.acting_actor()
    found = introductions.get(actor, conversation_id)
    form = ReplyForm()
    _posted(form)
    try:
        introductions.reply(actor, found, form.body.data, signed=form.signed.data == "named")
    except IntroductionError as problem:
        return _conversation_page(conversation_id, form=form, error=problem.message, status=400)
    return redirect(url_for("inbox.conversation", conversation_id=conversation_id, _anchor="last"))


@bp.post("/inbox/<int:conversation_id>/block")
@login_required
def block(conversation_id: int):
    actor = auth.acting_actor()
    _posted(ConfirmForm())
    introductions.block(actor, introductions.get(actor, conversation_id))
    flash(_("Blocked. Nothing they send reaches you any more; they are not told. You can undo this in your inbox."))
    return redirect(url_for("inbox.conversation", conversation_id=conversation_id))


@bp.post("/inbox/blocks/<int:block_id>/unblock")
@login_required
def unblock(block_id: int):
    _posted(ConfirmForm())
    introductions.unblock(auth.acting_actor(), block_id)
    flash(_("Unblocked. What they send from now on reaches you again."))
    back = request.form.get("conversation", "")
    return redirect(url_for("inbox.conversation", conversation_id=int(back)) if back.isdigit()
                    else url_for("inbox.inbox"))


@bp.post("/inbox/messages/<int:message_id>/report")
@login_required
def report(message_id: int):
    actor = auth.acting_actor()
    form = ReportForm()
    _posted(form)
    conversation_id = introductions.conversation_of_message(actor, message_id)
    try:
        introductions.report(actor, message_id, form.reason.data)
    except IntroductionError as problem:
        return _conversation_page(conversation_id, error=None, status=400, report_error=(message_id, problem.message))
    flash(_("Thank you. The moderators will look at the message."))
    return redirect(url_for("inbox.conversation", conversation_id=conversation_id))


@bp.post("/inbox/<int:conversation_id>/pass-on")
@login_required
def pass_on(conversation_id: int):
    actor = auth.acting_actor()
    _posted(ConfirmForm())
    try:
        outcome = introductions.pass_on(actor, introductions.get(actor, conversation_id))
    except (IntroductionError, Conflict) as problem:
        flash(problem.message)
    else:
        if outcome.mailed_to:
            flash(_("Passed on: the case's contact got the message by mail and will answer through the moderators."))
        else:
            flash(_("Marked as passed on. Reach the contact by hand: %(contact)s", contact=outcome.contact))
    return redirect(url_for("inbox.conversation", conversation_id=conversation_id))


@bp.get("/inbox/mail/<int:mail_id>")
@login_required
def mail(mail_id: int):
    return render_template("inbox/mail.html", mail=introductions.notice(auth.acting_actor(), mail_id))


@bp.get("/moderate/reports")
@login_required
def reports():
    actor = auth.acting_actor()
    return render_template("inbox/reports.html", reports=introductions.open_reports(actor), confirm=ConfirmForm())


@bp.post("/moderate/reports/<int:report_id>/handled")
@login_required
def handled(report_id: int):
    _posted(ConfirmForm())
    introductions.handle_report(auth.acting_actor(), report_id)
    flash(_("Marked as handled."))
    return redirect(url_for("inbox.reports"))
