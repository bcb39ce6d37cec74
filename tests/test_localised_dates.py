"""Dates and counts in the reader's language on the admin and member pages; ISO dates only for machines."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from conftest import csrf_token

# A moment whose date is the same in UTC and in Amsterdam, the alliance's time zone.
MOMENT = datetime(2025, 3, 7, 11, 30, tzinfo=UTC)
SHOWN = {"nl": "7 mrt 2025", "en": "Mar 7, 2025"}
SHOWN_LONG = {"nl": "7 maart 2025", "en": "March 7, 2025"}
# An invitation is listed only while it is open.
LATER = datetime(2031, 10, 2, 9, 0, tzinfo=UTC)
SHOWN_LATER = {"nl": "2 okt 2031", "en": "Oct 2, 2031"}


def at_moment(app, model, *columns: str, moment: datetime = MOMENT) -> None:
    """Move these date columns of every row of MODEL to MOMENT."""
    from app import db
    with app.app_context():
        session = db.session()
        session.execute(update(model).values({name: moment for name in columns}))
        session.commit()


def visible(page: str) -> str:
    """What a reader sees: the text without tags (so without `datetime="…"` attributes)."""
    return re.sub(r"<[^>]+>", " ", page)


@pytest.fixture
def admin(signed_in):
    return signed_in("admin@example.org", "admin")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_admin_members_shows_joined_last_sign_in_and_expiry_in_the_readers_language(app, admin, lang):
    from app.models import Invitation, Member
    admin.post("/members/invite", data={"email": "new@example.org", "role": "member",
                                        "csrf_token": csrf_token(admin, "/members/invite")})
    at_moment(app, Member, "created_at", "last_login_at")
    at_moment(app, Invitation, "expires_at", moment=LATER)
    admin.set_cookie("casebook_lang", lang)
    page = admin.get("/admin/members").get_data(as_text=True)
    text = visible(page)
    assert text.count(SHOWN[lang]) == 2 and SHOWN_LATER[lang] in text  # joined, last sign-in; invitation expires
    assert "2025-03-07" not in text and "2031-10-02" not in text
    assert page.count('<time datetime="2025-03-07T11:30:00') == 2 and '<time datetime="2031-10-02T09:00:00' in page


def test_admin_members_says_never_for_a_member_who_never_signed_in(app, admin, make_member):
    make_member("quiet@example.org")
    admin.set_cookie("casebook_lang", "nl")
    row = admin.get("/admin/members").get_data(as_text=True).split("quiet@example.org", 1)[1].split("</tr>", 1)[0]
    assert "nooit" in row


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_audit_log_shows_when_in_the_readers_language(app, admin, make_member, lang):
    from app.models import AuditEntry
    other = make_member("other@example.org")
    page = admin.get("/admin/members").get_data(as_text=True)
    member_id = re.search(r"/admin/members/(\d+)/disable", page).group(1)
    admin.post(f"/admin/members/{member_id}/disable", data={"csrf_token": csrf_token(admin, "/admin/members")})
    at_moment(app, AuditEntry, "at")
    admin.set_cookie("casebook_lang", lang)
    page = admin.get("/admin/audit").get_data(as_text=True)
    body = visible(page[page.index("<tbody>"):page.index("</tbody>")])
    assert SHOWN[lang] in body and other in body
    assert "2025-03-07" not in body


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_api_tokens_on_the_profile_show_dates_in_the_readers_language(app, signed_in, lang):
    from app.models import ApiToken
    member = signed_in("tokens@example.org")
    member.post("/profile/tokens", data={"name": "dashboard", "csrf_token": csrf_token(member, "/profile")})
    at_moment(app, ApiToken, "created_at", "last_used_at")
    member.set_cookie("casebook_lang", lang)
    page = member.get("/profile").get_data(as_text=True)
    tokens = visible(page[page.index('class="tokens"'):])
    assert tokens.count(SHOWN[lang]) == 2  # made, last used
    assert "2025-03-07" not in tokens


def test_saved_searches_show_when_they_were_saved_in_dutch(app, signed_in):
    from app.models import SavedSearch
    member = signed_in("searcher@example.org")
    member.post("/profile/searches", data={"q": "warmtenet", "frequency": "weekly",
                                           "csrf_token": csrf_token(member, "/profile/searches")})
    at_moment(app, SavedSearch, "created_at")
    member.set_cookie("casebook_lang", "nl")
    text = visible(member.get("/profile/searches").get_data(as_text=True))
    assert SHOWN_LONG["nl"] in text and "2025-03-07" not in text


@pytest.mark.parametrize("lang, expected", [("nl", "12.345"), ("en", "12,345")])
def test_counts_are_written_the_way_the_reader_writes_them(app, lang, expected):
    from app.i18n import number_text
    with app.test_request_context(headers={"Cookie": f"casebook_lang={lang}"}):
        assert number_text(12345) == expected
