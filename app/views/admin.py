"""Admins manage members: roles, disabling and enabling, open invitations."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from .. import auth
from ..errors import NotFound
from ..forms import ConfirmForm, MemberRoleForm
from ..i18n import label
from ..models import Member
from ..policy import Actor, require
from ..services import audit, members

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _admin() -> Actor:
    """The signed-in admin; to anyone else these pages do not exist."""
    actor = auth.acting_actor()
    require(actor, "members.manage")
    return actor


def _target(member_id: int) -> Member:
    member = members.get_member(member_id)
    if member is None:
        raise NotFound()
    return member


def _page(admin: Actor, message: str | None = None, error: str | None = None, status: int = 200):
    everyone = members.all_members(admin)
    # One role form per member, each starting at that member's current role.
    role_forms = {m.id: MemberRoleForm(formdata=None, role=m.role) for m in everyone}
    return render_template("admin/members.html", me=admin.acting, members=everyone, role_forms=role_forms,
                           invitations=members.open_invitations(admin), confirm=ConfirmForm(),
                           message=message, error=error), status


def _outcome(admin: Actor, action: Callable[[], None], message: str):
    """Run a member rule; show the page with its confirmation, or with its reason for saying no."""
    try:
        action()
    except members.MemberError as problem:
        return _page(admin, error=str(problem), status=400)
    return _page(admin, message=message)


@bp.get("/members")
@login_required
def member_list():
    return _page(_admin())


@bp.post("/members/<int:member_id>/role")
@login_required
def change_role(member_id: int):
    admin, target = _admin(), _target(member_id)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        abort(400)
    role = form.role.data
    return _outcome(admin, lambda: members.change_role(admin, target, role),
                    _("%(name)s is now %(role)s.", name=target.display_name, role=label("role", role)))


@bp.post("/members/<int:member_id>/disable")
@login_required
def disable(member_id: int):
    admin, target = _admin(), _target(member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _outcome(admin, lambda: members.disable_member(admin, target),
                    _("%(name)s is disabled: they are signed out and their API tokens no longer work.",
                      name=target.display_name))


@bp.post("/members/<int:member_id>/enable")
@login_required
def enable(member_id: int):
    admin, target = _admin(), _target(member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _outcome(admin, lambda: members.enable_member(admin, target),
                    _("%(name)s can sign in again.", name=target.display_name))


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id: int):
    admin = _admin()
    invitation = members.get_invitation(invitation_id)
    if invitation is None:
        raise NotFound()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    email = invitation.email
    return _outcome(admin, lambda: members.revoke_invitation(admin, invitation),
                    _("The invitation for %(email)s is revoked: its link no longer works.", email=email))


@bp.get("/audit")
@login_required
def audit_log():
    actor = auth.acting_actor()
    page = audit.entries(actor, action=request.args.get("action") or None,
                         page=request.args.get("page", 1, type=int))
    return render_template("admin/audit.html", page=page, actions=audit.ACTIONS)
