"""The case form helps: errors in the reader's language next to each field and in a summary that
links to them, plain labels, a country list and theme boxes, a story outline, confirmations after
saving, an author's view of a submitted case, and deleting only after a confirmation."""
from __future__ import annotations

import re

import pytest
from lxml import html
from test_contribute import FORM, draft_id, post_case

from app.case_form_errors import attach
from app.casefiles import Problem

from conftest import csrf_token, sign_in


@pytest.fixture
def author(client, make_member):
    sign_in(client, make_member("author@example.org"))
    return client


@pytest.fixture
def dutch_author(author):
    author.set_cookie("casebook_lang", "nl")
    return author


def page_of(response) -> html.HtmlElement:
    return html.fromstring(response.get_data(as_text=True))


def test_errors_are_sentences_in_the_readers_language_next_to_each_field(dutch_author):
    response = post_case(dutch_author, summary="", themes=[], year="twintig", sources="geen adres")
    assert response.status_code == 400
    page = page_of(response)
    assert page.get_element_by_id("summary-error").text_content().endswith("Geef de case een samenvatting.")
    assert "Kies minstens één thema." in page.get_element_by_id("themes-error").text_content()
    assert "vier cijfers" in page.get_element_by_id("year-error").text_content()
    assert "„geen adres” is geen webadres" in page.get_element_by_id("sources-error").text_content()
    text = page.text_content()
    assert "is required" not in text and "summary:" not in text and "needs at least one theme" not in text


def test_a_field_in_error_is_marked_and_described_by_its_message(author):
    page = page_of(post_case(author, summary="", city="", themes=[]))
    invalid = page.xpath('//*[@aria-invalid="true"]')
    assert {e.get("name") for e in invalid} >= {"summary", "city", "themes"}
    for element in invalid:
        described = (element.get("aria-describedby") or element.xpath("ancestor::fieldset[1]")[0].get("aria-describedby"))
        ids = described.split()
        assert all(page.xpath(f'//*[@id="{i}"]') for i in ids)
        assert any("field-error" in page.get_element_by_id(i).get("class") for i in ids)
    valid = page.get_element_by_id("title")
    assert valid.get("aria-invalid") is None and "title-error" not in (valid.get("aria-describedby") or "")


def test_the_error_summary_takes_the_focus_and_links_to_each_field(author):
    page = page_of(post_case(author, summary="", city="", themes=[]))
    summary = page.find_class("error-summary")[0]
    assert summary.get("role") == "alert" and summary.get("tabindex") == "-1" and summary.get("autofocus") is not None
    links = [(a.get("href"), a.text_content()) for a in summary.iter("a")]
    assert links == [("#summary", "Give the case a summary."), ("#city", "Say in which city it happened."),
                     ("#themes-0", "Choose at least one theme.")]  # in the order of the fields on the page
    for target, _message in links:
        assert page.xpath(f'//form//*[@id="{target[1:]}"]')
    assert page_of(author.get("/contribute/new")).find_class("error-summary") == []


def test_a_lesson_problem_is_shown_at_that_lesson(app, author):
    with app.test_request_context():
        from app.forms import CaseForm
        form = CaseForm(data={"lessons": [{"text": "Eerste."}, {"text": "Tweede."}]})
        unplaced = attach(form, [Problem("form", "lessons[2].kind", "must be went_well or went_badly (got 'x')"),
                                 Problem("form", "transfer.costs[1].amount", "is required")])
        assert form.lessons[1].kind.errors and not form.lessons[0].kind.errors
        assert "Did it go well or badly?" in form.lessons[1].kind.errors[0]
        assert len(unplaced) == 1 and "transfer.costs[1].amount" in unplaced[0]


def test_the_country_is_chosen_from_a_list_named_in_the_readers_language(author, dutch_author):
    dutch = page_of(dutch_author.get("/contribute/new")).get_element_by_id("country")
    options = {o.get("value"): o.text_content() for o in dutch.iter("option")}
    assert options["DE"] == "Duitsland" and options["BE"] == "België" and "EU" not in options
    values = [o.get("value") for o in dutch.iter("option") if o.get("value")]
    assert values[0] == "NL" and dutch.value == "NL"  # first, and chosen for a new case
    assert values.index("BE") < values.index("DE") < values.index("AT")  # België, Duitsland, Oostenrijk
    author.set_cookie("casebook_lang", "en")
    english = page_of(author.get("/contribute/new")).get_element_by_id("country")
    assert {o.get("value"): o.text_content() for o in english.iter("option")}["DE"] == "Germany"


def test_a_saved_country_code_comes_back_selected(author):
    post_case(author, action="save", country="be")
    edit = page_of(author.get(f"/contribute/{draft_id(author)}/edit"))
    assert edit.get_element_by_id("country").value == "BE"


def test_themes_are_checkboxes_with_their_labels(dutch_author):
    page = page_of(dutch_author.get("/contribute/new"))
    boxes = page.xpath('//input[@type="checkbox"][@name="themes"]')
    labels = {box.get("value"): box.getparent().text_content().strip() for box in boxes}
    assert labels["energy-transition"] == "Energietransitie" and labels["housing"] == "Wonen"
    assert page.xpath('//fieldset[.//input[@name="themes"]]/legend')[0].text_content() == "Thema's"


def test_a_new_story_starts_from_the_outline_of_the_seed_cases(author, dutch_author):
    body = page_of(dutch_author.get("/contribute/new")).get_element_by_id("body").text_content().lstrip("\n")
    assert body.startswith("## Wat deden ze?") and "## Hoe kopieer je het?" in body
    author.set_cookie("casebook_lang", "en")
    body = page_of(author.get("/contribute/new")).get_element_by_id("body").text_content().lstrip("\n")
    assert re.findall(r"^## (.+)$", body, re.M) == ["What they did", "Results", "Why it worked", "What went wrong",
                                                     "How to copy it"]
    # The outline alone is no story: submitting it is refused, next to the story field.
    refused = page_of(post_case(author, body=body))
    assert "Tell your story" in refused.get_element_by_id("body-error").text_content()


def test_labels_say_what_to_fill_in(author):
    page = author.get("/contribute/new").get_data(as_text=True)
    assert "Markdown" not in page and "address name" not in page
    assert "Your story" in page and "Copied from (a case on Casebook)" in page


def test_copied_from_takes_the_web_address_of_a_case_on_casebook(author, add_case):
    add_case(slug="water-square", title="Water square", city="Rotterdam")
    missing = page_of(post_case(author, action="save", copied_from="https://casebook.example/cases/no-such-case"))
    assert "Casebook has no case at this address" in missing.get_element_by_id("copied_from-error").text_content()
    post_case(author, action="save", copied_from="https://casebook.example/cases/water-square?x=1")
    edit = page_of(author.get(f"/contribute/{draft_id(author)}/edit"))
    assert edit.get_element_by_id("copied_from").value == "water-square"


def test_saving_says_what_happened_on_the_next_page(author, dutch_author):
    saved = dutch_author.get(post_case(dutch_author, action="save").headers["Location"])
    status = page_of(saved).xpath('//*[@role="status"]')
    assert any(re.search(r"Concept opgeslagen om \d{1,2}:\d{2}", s.text_content()) for s in status)
    author.set_cookie("casebook_lang", "en")
    url = f"/contribute/{draft_id(author)}/edit"
    sent = author.get(post_case(author, url, action="submit").headers["Location"])
    assert "Sent for review: a moderator will look at it." in page_of(sent).xpath('//*[@role="status"]')[0].text_content()
    assert "Sent for review" not in author.get("/contribute").get_data(as_text=True)  # said once


def test_an_author_opens_their_submitted_case_but_no_one_else_can(app, author, make_member):
    post_case(author, action="submit")
    case_id = int(re.search(r'href="/contribute/(\d+)"', author.get("/contribute").get_data(as_text=True)).group(1))
    shown = author.get(f"/contribute/{case_id}")
    text = page_of(shown).text_content()
    assert shown.status_code == 200 and "Waiting for review" in text and "How your case will read" in text
    assert "Buurtwarmte in Zwolle jaguarmarker" in text and "tapirmarker" in text and "Netherlands" in text
    assert author.get(f"/contribute/{case_id}/edit").status_code == 404  # read-only while it is reviewed
    other = app.test_client()
    sign_in(other, make_member("other@example.org"))
    assert other.get(f"/contribute/{case_id}").status_code == 404
    visitor = app.test_client().get(f"/contribute/{case_id}")
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]


def test_delete_is_apart_from_the_title_and_needs_a_confirmation(app, author):
    post_case(author, action="save")
    case_id = draft_id(author)
    mine = page_of(author.get("/contribute"))
    assert not mine.xpath(f'//a[contains(@href, "/contribute/{case_id}/delete")]')
    edit = page_of(author.get(f"/contribute/{case_id}/edit"))
    zone = edit.find_class("danger-zone")[0]
    assert not zone.xpath("ancestor::form")  # outside the case form
    link = zone.xpath(".//a")[0]
    assert link.get("href") == f"/contribute/{case_id}/delete"
    confirm = page_of(author.get(link.get("href")))
    assert confirm.xpath('//form[@method="post"]//button')
    assert author.get(f"/contribute/{case_id}/edit").status_code == 200  # opening the confirmation deletes nothing
    author.post(f"/contribute/{case_id}/delete", data={"csrf_token": csrf_token(author, link.get("href"))})
    assert author.get(f"/contribute/{case_id}/edit").status_code == 404


def test_share_a_case_in_the_member_bar_opens_the_new_case_form(author):
    bar = page_of(author.get("/")).find_class("member-bar")[0]
    links = {a.text_content().strip(): a.get("href") for a in bar.iter("a")}
    assert links["Share a case"] == "/contribute/new" and links["Your cases"] == "/contribute"


def test_the_preview_is_the_case_page_with_its_facts(author):
    page = page_of(post_case(author, action="preview"))
    preview = page.find_class("case-preview")[0]
    text = preview.text_content()
    assert "Zwolle" in text and "Netherlands" in text and "Energy transition" in text and "Gemeente Zwolle" in text
    assert preview.find_class("case-facts") and "Nothing is saved yet" in text
    assert FORM["summary"] in text
