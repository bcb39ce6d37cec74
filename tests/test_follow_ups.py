"""Follow-ups: a year after publishing the contributor is asked "how is it going now?" (by mail, through
a real SMTP server on loopback), answers with a confirmation or an update, and a reviewed update
shows on the case, dated, within the safe space."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import db
from app.models import Case, FollowUp, Member, OutboxMail, utcnow
from app.services import follow_ups

from conftest import csrf_token

DAYS = 365  # the default CASEBOOK_FOLLOW_UP_DAYS
AUTHOR = "author@example.org"


@pytest.fixture
def people(signed_in):
    return {"author": signed_in(AUTHOR), "other": signed_in("other@example.org"),
            "moderator": signed_in("moderator@example.org", "moderator")}


def contributed(app, add_case, slug="rotterdam-water-square", days_ago=0, author=AUTHOR, **meta) -> str:
    """A published case shared by AUTHOR, published DAYS_AGO days ago."""
    add_case(slug=slug, title=meta.pop("title", "Water square in Rotterdam"), city="Rotterdam", **meta)
    with app.app_context():
        session = db.session()
        case = session.scalar(select(Case).where(Case.slug == slug))
        case.author_id = session.scalar(select(Member.id).where(Member.email == author))
        case.published_at = utcnow() - timedelta(days=days_ago)
        session.commit()
    return slug


def age(app, slug, days_ago) -> None:
    """Time passes: the case was published DAYS_AGO days ago."""
    with app.app_context():
        session = db.session()
        session.scalar(select(Case).where(Case.slug == slug)).published_at = utcnow() - timedelta(days=days_ago)
        session.commit()


def run(runner) -> str:
    result = runner.invoke(args=["send-follow-ups"])
    assert result.exit_code == 0, result.output
    return result.output


def prompts(app, slug=None) -> list[tuple[str, int]]:
    with app.app_context():
        rows = db.session().execute(select(Case.slug, FollowUp.period).join(Case, Case.id == FollowUp.case_id)
                                    .order_by(FollowUp.id)).all()
    return [(s, p) for s, p in rows if slug is None or s == slug]


def answer(client, slug, **fields):
    url = f"/cases/{slug}/follow-up"
    data = {"status": "running", "text": "", "lesson_kind": "", "lesson_text": "", "lesson_visibility": "members",
            "story_addition": "", **fields}
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def only_update_id(moderator) -> int:
    return int(re.search(r"/moderate/updates/(\d+)", moderator.get("/moderate").get_data(as_text=True)).group(1))


def decide(moderator, update_id, action, note=""):
    url = f"/moderate/updates/{update_id}"
    return moderator.post(url, data={"action": action, "note": note, "csrf_token": csrf_token(moderator, url)})


def page(client, slug) -> str:
    return client.get(f"/cases/{slug}").get_data(as_text=True)


# --- asking --------------------------------------------------------------------------------------

def test_nothing_is_due_before_a_whole_period_has_passed(app, add_case, people, runner):
    contributed(app, add_case, days_ago=DAYS - 1)
    output = run(runner)
    assert "0 prompt(s) written" in output
    assert "no mail server set" in output  # without CASEBOOK_SMTP_URL nothing is sent, and it says so
    assert prompts(app) == []


def test_after_a_period_the_contributor_is_asked_once_however_often_cron_runs(app, add_case, people, mail_app,
                                                                              smtp, runner):
    slug = contributed(app, add_case, days_ago=DAYS + 1)
    assert "1 prompt(s) written. Mail: 1 sent, 0 failed, 0 still waiting" in run(runner)
    assert "0 prompt(s) written" in run(runner)
    assert "0 prompt(s) written" in run(runner)
    assert prompts(app) == [(slug, 1)]
    [message] = smtp.messages
    assert message.recipients == [AUTHOR]
    assert message.subject == "How is “Water square in Rotterdam” going now?"
    assert f"/cases/{slug}/follow-up" in message.text and f"/cases/{slug}/follow-up" in message.html
    # The contributor finds the question on their own page too, with the way to answer it.
    mine = people["author"].get("/contribute").get_data(as_text=True)
    assert "How is it going now?" in mine and f'href="/cases/{slug}/follow-up"' in mine
    assert "How is it going now?" not in people["other"].get("/contribute").get_data(as_text=True)


def test_three_missed_periods_are_one_prompt_for_the_current_period(app, add_case, people, mail_app, smtp, runner):
    slug = contributed(app, add_case, days_ago=3 * DAYS + 10)
    run(runner)
    run(runner)
    assert prompts(app) == [(slug, 3)]
    assert len(smtp.messages) == 1
    age(app, slug, 4 * DAYS + 1)  # a year later it is asked again, once
    run(runner)
    assert prompts(app) == [(slug, 3), (slug, 4)]
    assert len(smtp.messages) == 2


def test_a_finished_case_is_asked_after_the_first_period_and_then_no_more(app, add_case, people, mail_app, smtp,
                                                                          runner):
    done = contributed(app, add_case, slug="done-case", title="Done case", days_ago=DAYS + 1, status="completed")
    stopped = contributed(app, add_case, slug="stopped-case", title="Stopped case", days_ago=DAYS + 1, status="stopped")
    going = contributed(app, add_case, slug="going-case", title="Going case", days_ago=DAYS + 1, status="pilot")
    unsaid = contributed(app, add_case, slug="unsaid-case", title="Unsaid case", days_ago=DAYS + 1, status=None)
    run(runner)
    assert sorted(prompts(app)) == sorted([(done, 1), (stopped, 1), (going, 1), (unsaid, 1)])
    for slug in (done, stopped, going, unsaid):
        age(app, slug, 2 * DAYS + 1)
    run(runner)
    # Ended cases are not asked again; a pilot, and a case whose contributor never gave a status, are.
    assert sorted(prompts(app))[-6:] == sorted([(done, 1), (stopped, 1), (going, 1), (going, 2), (unsaid, 1),
                                                (unsaid, 2)])
    assert len(smtp.messages) == 6


def test_no_prompt_for_a_case_without_an_active_contributor(app, add_case, people, runner):
    add_case(slug="imported-one", title="Imported one")
    age(app, "imported-one", DAYS + 1)  # imported: no contributor to ask
    slug = contributed(app, add_case, days_ago=DAYS + 1)
    with app.app_context():
        session = db.session()
        session.scalar(select(Member).where(Member.email == AUTHOR)).disabled_at = utcnow()
        session.commit()
    run(runner)
    assert prompts(app) == [] and slug


def test_an_smtp_outage_keeps_the_mail_and_a_later_run_sends_it(app, add_case, people, mail_app, smtp, runner):
    slug = contributed(app, add_case, days_ago=DAYS + 1)
    smtp.refuse = True
    output = run(runner)  # exit code 0: the prompt is written, the mail waits
    assert "1 prompt(s) written. Mail: 0 sent, 1 failed, 1 still waiting" in output
    assert "the next run tries again" in output
    assert prompts(app) == [(slug, 1)] and smtp.messages == []
    smtp.refuse = False
    with app.app_context():  # the retry's back-off has passed
        for row in db.session().scalars(select(OutboxMail)):
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session().commit()
    assert "0 prompt(s) written. Mail: 1 sent, 0 failed, 0 still waiting" in run(runner)
    [message] = smtp.messages
    assert message.recipients == [AUTHOR] and f"/cases/{slug}/follow-up" in message.text
    assert prompts(app) == [(slug, 1)]


def test_a_racing_run_on_another_node_neither_prompts_nor_mails_twice(app, add_case, people):
    slug = contributed(app, add_case, days_ago=DAYS + 1)
    with app.app_context():
        [item] = follow_ups.due()
        with db.fresh_session() as other_node:  # the other node's run commits first
            other_node.add(FollowUp(case_id=item.case_id, period=item.period, prompted_at=utcnow()))
            other_node.commit()
        assert follow_ups.prompt(item) is False
        assert db.session().scalars(select(OutboxMail)).all() == []
    assert prompts(app) == [(slug, 1)]


def test_the_mail_comes_in_the_contributors_language(app, add_case, people, mail_app, smtp, runner):
    contributed(app, add_case, days_ago=DAYS + 1)
    with app.app_context():
        session = db.session()
        session.scalar(select(Member).where(Member.email == AUTHOR)).language = "nl"
        session.commit()
    run(runner)
    [message] = smtp.messages
    assert message.subject == "Hoe staat “Water square in Rotterdam” er nu voor?"
    assert "Niets veranderd?" in message.text


# --- answering -----------------------------------------------------------------------------------

def test_the_answer_form_is_for_the_contributor_and_moderators_only(app, add_case, people, make_member):
    slug = contributed(app, add_case, days_ago=DAYS + 1)
    assert people["author"].get(f"/cases/{slug}/follow-up").status_code == 200
    assert people["moderator"].get(f"/cases/{slug}/follow-up").status_code == 200
    other = people["other"]
    assert other.get(f"/cases/{slug}/follow-up").status_code == 404
    assert other.get("/cases/no-such-case/follow-up").status_code == 404
    token = csrf_token(other, "/contribute")
    assert other.post(f"/cases/{slug}/follow-up/confirm", data={"csrf_token": token}).status_code == 404
    assert other.post(f"/cases/{slug}/follow-up", data={"csrf_token": token, "status": "stopped",
                                                        "text": "Hijacked"}).status_code == 404
    assert app.test_client().get(f"/cases/{slug}/follow-up").status_code == 302  # visitors sign in first
    # Nobody but the contributor and moderators is offered the form on the case page either.
    assert f"/cases/{slug}/follow-up" not in page(other, slug)
    assert f"/cases/{slug}/follow-up" not in page(app.test_client(), slug)
    assert f"/cases/{slug}/follow-up" in page(people["author"], slug)
    assert "Hijacked" not in people["moderator"].get("/moderate").get_data(as_text=True)


def test_nothing_changed_confirms_the_case_in_one_click_without_review(app, add_case, people, runner):
    slug = contributed(app, add_case, days_ago=DAYS + 1)
    run(runner)
    author = people["author"]
    assert "Last confirmed" not in page(app.test_client(), slug)
    response = author.post(f"/cases/{slug}/follow-up/confirm",
                           data={"csrf_token": csrf_token(author, f"/cases/{slug}/follow-up")})
    assert response.status_code == 302
    assert "Last confirmed by the contributor on" in page(app.test_client(), slug)
    assert "How is it going now?" not in author.get("/contribute").get_data(as_text=True)  # the prompt is answered
    assert "No update is waiting for review." in people["moderator"].get("/moderate").get_data(as_text=True)
    with app.app_context():
        assert db.session().scalar(select(FollowUp)).answered_at is not None


def test_an_update_goes_through_review_and_shows_dated_on_the_case(app, add_case, people, runner):
    slug = contributed(app, add_case, days_ago=DAYS + 1, status="running")
    run(runner)
    author, moderator, visitor = people["author"], people["moderator"], app.test_client()
    response = answer(author, slug, status="completed", text="The square floods on purpose now, **quokkaword**.",
                      lesson_kind="went_badly", lesson_text="Maintenance was nobody's job.", lesson_visibility="public",
                      story_addition="In 2026 the city took over the **wombatstory** maintenance.")
    assert response.status_code == 302
    assert "Waiting for review" in author.get("/contribute").get_data(as_text=True)
    assert "quokkaword" not in page(visitor, slug)
    assert visitor.get("/api/v1/search?q=wombatstory").get_json()["total"] == 0
    update_id = only_update_id(moderator)
    review = moderator.get(f"/moderate/updates/{update_id}").get_data(as_text=True)
    assert "<strong>quokkaword</strong>" in review and "Completed" in review
    assert decide(moderator, update_id, "approve").status_code == 302
    shown = page(visitor, slug)
    assert "Status now:" in shown and "<strong>quokkaword</strong>" in shown
    assert "Last confirmed by the contributor on" in shown
    assert 'status-completed">Completed' in shown  # the case's own status moved too
    # The lesson and the story addition are on the page once, where they belong; the update points to them.
    assert shown.count("Maintenance was nobody") == 1 and shown.count("wombatstory") == 1
    assert len(re.findall(r"<h\d[^>]*>(?:<time[^>]*>)?Update, ", shown)) == 1  # one heading: the story's
    story = re.search(r'<h2 id="(update-[a-z0-9-]+)">Update, [^<]+</h2>\s*<p>In 2026 the city took over the '
                      r"<strong>wombatstory", shown)
    assert story, "the story's update heading has an anchor"
    lesson = re.search(r'<div class="lesson" id="(lesson-\d+)"><p>Maintenance was nobody.s job.</p>'
                       r'<p class="lesson-added" lang="en">Added in the update of ([^<]+)</p>', shown)
    assert lesson, "the lesson has an anchor and says when it came"
    assert f'Added a lesson to “<a href="#{lesson.group(1)}">What went badly</a>”' in shown
    assert f'The story was extended (see “<a href="#{story.group(1)}" lang="en">Update, ' in shown
    assert re.search(rf'<time datetime="[^"]+">{re.escape(lesson.group(2))}</time>', shown)  # the update, dated
    assert visitor.get("/api/v1/search?q=wombatstory").get_json()["total"] == 1
    with app.app_context():
        case_id = db.session().scalar(select(Case.id).where(Case.slug == slug))
    assert "Update from the contributor, after review" in moderator.get(f"/contribute/{case_id}/history").get_data(
        as_text=True)
    assert "Published" in author.get("/contribute").get_data(as_text=True)
    assert decide(moderator, update_id, "approve").status_code == 409  # decided once


def test_a_sent_back_update_tells_the_contributor_why_and_changes_nothing(app, add_case, people):
    slug = contributed(app, add_case, days_ago=10)  # an update may come before any prompt
    author, moderator = people["author"], people["moderator"]
    answer(author, slug, status="stopped", text="It ended, **lemurword**.")
    decide(moderator, only_update_id(moderator), "send_back", "Waarom stopte het?")
    mine = author.get("/contribute").get_data(as_text=True)
    assert "Sent back to you" in mine and "Waarom stopte het?" in mine
    shown = page(app.test_client(), slug)
    assert "lemurword" not in shown and "Update, " not in shown and 'status-running">Running' in shown


def test_an_answer_that_says_nothing_is_refused_with_a_message(app, add_case, people):
    slug = contributed(app, add_case, days_ago=DAYS + 1, status="running")
    response = answer(people["author"], slug, status="running")
    assert response.status_code == 400
    assert "Tell what changed" in response.get_data(as_text=True)
    response = answer(people["author"], slug, lesson_text="Half a lesson")
    assert response.status_code == 400 and "went well or badly" in response.get_data(as_text=True)
    assert "No update is waiting for review." in people["moderator"].get("/moderate").get_data(as_text=True)


def test_a_members_only_lesson_in_an_update_stays_with_members(app, add_case, people):
    slug = contributed(app, add_case, days_ago=DAYS + 1)
    author, moderator, visitor, member = people["author"], people["moderator"], app.test_client(), people["other"]
    answer(author, slug, text="Still going.", lesson_kind="went_well", lesson_text="Neighbours adopted it, okapiword.",
           lesson_visibility="members")
    decide(moderator, only_update_id(moderator), "approve")
    assert "Still going." in page(visitor, slug) and "okapiword" not in page(visitor, slug)
    for hint in ("Added a lesson", "Added in the update of"):  # not even a mention of a lesson
        assert hint not in page(visitor, slug) and hint in page(member, slug)
    assert page(member, slug).count("okapiword") == 1
    # The API tells the same: the update for everyone, its lesson for members only.
    [public_update] = visitor.get(f"/api/v1/cases/{slug}").get_json()["updates"]
    assert public_update["text"] == "Still going." and public_update["lesson"] is None
    [member_update] = member.get(f"/api/v1/cases/{slug}").get_json()["updates"]
    assert "okapiword" in member_update["lesson"]["text"]
    assert visitor.get("/api/v1/search?q=okapiword").get_json()["total"] == 0
    assert member.get("/api/v1/search?q=okapiword").get_json()["total"] == 1
    # The contributor checking what outsiders see reads it as a visitor, and is offered no answer form.
    author.post("/view-as-public", data={"on": "1", "csrf_token": csrf_token(author, "/contribute")})
    assert "okapiword" not in page(author, slug) and f"/cases/{slug}/follow-up" not in page(author, slug)


def test_an_anonymous_contributor_is_asked_privately_and_never_named(app, add_case, people, mail_app, smtp, runner):
    with app.app_context():
        session = db.session()
        session.scalar(select(Member).where(Member.email == AUTHOR)).name = "Wombat Quietname"
        session.commit()
    slug = contributed(app, add_case, days_ago=DAYS + 1, attribution="anonymous")
    run(runner)
    [message] = smtp.messages
    assert message.recipients == [AUTHOR]
    assert "anonymously" in message.text
    author, moderator = people["author"], people["moderator"]
    answer(author, slug, status="completed", text="Finished, **ibisword**.", lesson_kind="went_well",
           lesson_text="Quiet work pays.", lesson_visibility="public", story_addition="The end of it.")
    update_id = only_update_id(moderator)
    assert "Wombat Quietname" in moderator.get(f"/moderate/updates/{update_id}").get_data(as_text=True)
    decide(moderator, update_id, "approve")
    for client in (app.test_client(), people["other"], author):
        shown = page(client, slug)
        assert "ibisword" in shown
        assert "Wombat" not in shown and "Quietname" not in shown
        assert "Wombat" not in str(client.get(f"/api/v1/cases/{slug}").get_json())
    assert len(smtp.messages) == 1  # nothing went to anyone else


def test_a_contributor_bringing_their_case_up_to_date_confirms_it(app, add_case, people):
    from app.policy import acting_as
    from app.services import contributions
    from app.services.content import case_data

    slug = contributed(app, add_case, days_ago=30)
    assert "Last confirmed" not in page(app.test_client(), slug)
    with app.app_context():
        session = db.session()
        case = session.scalar(select(Case).where(Case.slug == slug))
        data = case_data(case)
        data.summary = "Now also a playground in summer."
        contributions.save(acting_as(case.author), data, case, case.version)
    assert "Last confirmed by the contributor on" in page(app.test_client(), slug)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5"])
def test_a_follow_up_period_that_is_no_whole_number_of_days_stops_with_one_line(monkeypatch, tmp_path, value):
    from app import create_app

    monkeypatch.setenv("CASEBOOK_FOLLOW_UP_DAYS", value)
    with pytest.raises(SystemExit, match=f"CASEBOOK_FOLLOW_UP_DAYS must be a whole number of 1 or more \\(got '{re.escape(value)}'\\)"):
        create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
                    "INDEX_DIR": str(tmp_path / "index")})


def test_an_update_that_only_adds_a_members_only_lesson_is_not_there_for_visitors(app, add_case, people):
    slug = contributed(app, add_case, days_ago=DAYS + 1, status="running")
    author, moderator, visitor, member = people["author"], people["moderator"], app.test_client(), people["other"]
    answer(author, slug, status="running", lesson_kind="went_badly", lesson_text="The pumps failed, tapirword.",
           lesson_visibility="members")
    decide(moderator, only_update_id(moderator), "approve")
    seen = page(visitor, slug)
    assert "tapirword" not in seen and 'class="case-update"' not in seen and "Added a lesson" not in seen
    assert visitor.get(f"/api/v1/cases/{slug}").get_json()["updates"] == []
    inside = page(member, slug)
    assert 'class="case-update"' in inside and "Added a lesson to" in inside and inside.count("tapirword") == 1


def test_the_update_box_speaks_dutch(app, add_case, people):
    slug = contributed(app, add_case, days_ago=DAYS + 1, status="running")
    author, moderator, visitor = people["author"], people["moderator"], app.test_client()
    answer(author, slug, status="running", text="Nog steeds.", lesson_kind="went_well", lesson_text="Buren hielpen.",
           lesson_visibility="public", story_addition="Een nieuw hoofdstuk.")
    decide(moderator, only_update_id(moderator), "approve")
    visitor.set_cookie("casebook_lang", "nl")
    seen = page(visitor, slug)
    assert "Een les toegevoegd aan “<a" in seen and "Toegevoegd in de update van" in seen
    assert "Het verhaal is aangevuld (zie “<a" in seen
