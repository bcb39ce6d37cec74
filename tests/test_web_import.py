"""Moderators import `cases/` files through the web; anyone downloads a case as a file, seeing only what they may."""
from __future__ import annotations

import io

import pytest

from app import casefiles
from app.policy import acting_as
from app.services import contributions, library, members

from conftest import PASSWORD, case_text, csrf_token, sign_in

IMPORT = "/moderate/import"


def upload(client, *files: tuple[str, str | bytes], token: bool = True, token_from: str = "/"):
    """POST files (name, content) to the import page as a browser's multiple file input does."""
    data: dict = {"files": [(io.BytesIO(c.encode() if isinstance(c, str) else c), name) for name, c in files]}
    if token:
        data["csrf_token"] = csrf_token(client, token_from)
    return client.post(IMPORT, data=data, content_type="multipart/form-data")


def file_report(page: str, name: str) -> str:
    """The part of the import report about one file."""
    start = page.index(f"<strong>{name}</strong>")
    end = page.find("</li>\n", page.index("status", start))
    return page[start:end]


@pytest.fixture
def moderator(signed_in):
    return signed_in("mod@example.org", "moderator")


@pytest.fixture
def member(signed_in):
    return signed_in("member@example.org")


# --- importing ------------------------------------------------------------------------------

def test_valid_files_are_imported_and_invalid_ones_reported_per_file(moderator, client):
    response = upload(
        moderator,
        ("good.md", case_text(slug="good-case", title="Okapimarker heat network")),
        ("bad.md", case_text(slug="bad-case", country="Nederland", themes=["parking"])),
        ("second.md", case_text(slug="second-case", title="Second good case")),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400  # something failed, as the CLI exits non-zero
    bad = file_report(page, "bad.md")
    assert "bad.md: country: must be an ISO 3166-1 alpha-2 code like NL (got &#39;Nederland&#39;)" in bad
    assert "bad.md: themes: unknown theme &#39;parking&#39;" in bad
    assert "Not imported" in bad
    for name, slug in (("good.md", "good-case"), ("second.md", "second-case")):
        report = file_report(page, name)
        assert "Created" in report and f'href="/cases/{slug}"' in report
    assert "2 of 3 file(s) imported" in page
    # Visitors find the valid cases at once; the invalid one does not exist.
    assert client.get("/cases/good-case").status_code == 200
    assert client.get("/cases/second-case").status_code == 200
    assert client.get("/cases/bad-case").status_code == 404
    assert client.get("/api/v1/search?q=okapimarker").get_json()["total"] == 1


def test_an_upload_reports_updated_and_unchanged_by_slug(moderator, client, add_case):
    add_case(title="First title")
    same = upload(moderator, ("sample-case.md", case_text(title="First title")))
    assert same.status_code == 200
    assert "Unchanged" in file_report(same.get_data(as_text=True), "sample-case.md")
    changed = upload(moderator, ("sample-case.md", case_text(title="Second title")))
    report = file_report(changed.get_data(as_text=True), "sample-case.md")
    assert "Updated" in report and 'href="/cases/sample-case"' in report
    page = client.get("/cases/sample-case").get_data(as_text=True)
    assert "Second title" in page and "First title" not in page


def test_two_uploaded_files_with_one_slug_are_refused_like_the_cli(moderator, client):
    response = upload(moderator, ("a.md", case_text(title="Version A")), ("b.md", case_text(title="Version B")))
    page = response.get_data(as_text=True)
    assert "b.md: slug: &#39;sample-case&#39; is also used by a.md" in page
    assert "Version A" in client.get("/cases/sample-case").get_data(as_text=True)


def test_files_that_are_not_md_or_not_utf8_are_refused_with_a_reason(moderator, client):
    response = upload(
        moderator,
        ("notes.txt", case_text(slug="text-case")),
        ("latin.md", case_text(slug="latin-case", title="Café in Maastricht").encode("latin-1")),
        ("cases/good.md", case_text(slug="good-case")),
    )
    page = response.get_data(as_text=True)
    assert "notes.txt: file: is not a .md case file" in page
    assert "latin.md: file: is not UTF-8 text" in page
    assert "Created" in file_report(page, "good.md")  # a folder sent along is not part of the name
    assert client.get("/cases/text-case").status_code == 404
    assert client.get("/cases/latin-case").status_code == 404
    assert client.get("/cases/good-case").status_code == 200


def test_an_upload_without_files_asks_for_one(moderator):
    response = upload(moderator)
    assert response.status_code == 400
    assert "Choose one or more .md case files" in response.get_data(as_text=True)


def test_a_too_large_upload_gets_a_friendly_page_and_imports_nothing(app, moderator, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 2 * 1024 * 1024
    huge = case_text(slug="huge-case", body="Word " * (limit // 5 + 1))
    response = upload(moderator, ("huge.md", huge))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "The upload is too large" in page and "at most 2 MB" in page
    assert client.get("/cases/huge-case").status_code == 404


def test_members_get_404_on_the_import_page_and_import_nothing(member, moderator, client):
    assert member.get(IMPORT).status_code == 404
    response = upload(member, ("good.md", case_text(slug="good-case")))
    assert response.status_code == 404
    assert client.get("/cases/good-case").status_code == 404
    assert 'href="/moderate/import"' not in member.get("/").get_data(as_text=True)
    assert 'href="/moderate/import"' in moderator.get("/").get_data(as_text=True)


def test_visitors_are_sent_to_sign_in_and_import_nothing(client):
    assert client.get(IMPORT).status_code == 302
    response = upload(client, ("good.md", case_text(slug="good-case")), token_from="/login")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/cases/good-case").status_code == 404


def test_an_upload_without_csrf_token_is_refused(moderator, client):
    response = upload(moderator, ("good.md", case_text(slug="good-case")), token=False)
    assert response.status_code == 400
    assert client.get("/cases/good-case").status_code == 404


# --- exporting ------------------------------------------------------------------------------

LESSONS = [
    {"kind": "went_well", "text": "Residents joined early."},
    {"kind": "went_badly", "text": "The wombatmarker contractor went bankrupt.", "visibility": "members"},
    {"kind": "went_badly", "text": "The budget ran out."},
]


def export(client, slug: str = "sample-case"):
    return client.get(f"/cases/{slug}/export")


def test_a_visitor_downloads_a_public_case_with_its_public_lessons_only(client, add_case):
    add_case(lessons=LESSONS)
    response = export(client)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=sample-case.md"
    assert "Residents joined early." in text and "The budget ran out." in text
    assert "wombatmarker" not in text
    data = casefiles.read_text("sample-case.md", text)  # a valid cases/ file
    assert [l.visibility for l in data.lessons] == ["public", "public"]


def test_a_members_only_case_cannot_be_downloaded_by_visitors_and_looks_missing(client, member, add_case):
    add_case(slug="secret-case", title="Secret case", visibility="members")
    hidden, missing = export(client, "secret-case"), export(client, "no-such-case")
    assert hidden.status_code == missing.status_code == 404
    # The same page, but for the address itself (the sign-in link leads back to it).
    assert hidden.get_data(as_text=True).replace("secret-case", "no-such-case") == missing.get_data(as_text=True)
    assert export(member, "secret-case").status_code == 200


def test_a_member_downloads_every_lesson_privately(member, add_case):
    add_case(lessons=LESSONS)
    response = export(member)
    text = response.get_data(as_text=True)
    assert "wombatmarker" in text
    assert [l.visibility for l in casefiles.read_text("x.md", text).lessons] == ["public", "members", "public"]
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_visitors_download_does_not_name_a_members_only_case_it_was_copied_from(client, member, add_case):
    add_case(slug="secret-source", title="Secret source", visibility="members")
    add_case(slug="public-copy", title="Public copy", copied_from="secret-source")
    assert "secret-source" not in export(client, "public-copy").get_data(as_text=True)
    assert "copied_from: secret-source" in export(member, "public-copy").get_data(as_text=True)


def test_the_case_page_links_to_the_download(client, add_case):
    add_case()
    assert 'href="/cases/sample-case/export"' in client.get("/cases/sample-case").get_data(as_text=True)


def test_a_members_export_imported_again_is_the_same_case(member, moderator, runner, add_case, tmp_path):
    add_case(
        body="## What they did\n\nA **cooperative** of residents in Zwolle — with *coöperatie* funds.\n\n- one\n- two",
        title="Buurtwarmte: “warm” together", organisations=["Gemeente Zwolle", "Buurtcoöperatie"],
        sdg_targets=["7.2", "11.3"], copied_from="some-other-case", contact="Gemeente Zwolle, team energie",
        lessons=LESSONS, visibility="members", attribution="anonymous",
    )
    text = export(member).get_data(as_text=True)
    response = upload(moderator, ("sample-case.md", text))
    assert response.status_code == 200
    assert "Unchanged" in file_report(response.get_data(as_text=True), "sample-case.md")
    path = tmp_path / "sample-case.md"
    path.write_bytes(export(member).get_data())
    assert "0 new, 0 updated, 1 unchanged" in runner.invoke(args=["import-cases", str(path)]).output


def test_an_export_never_names_the_contributor(app, client, member, moderator):
    with app.app_context():
        author = members.create_member("jane.quetzal@example.org", PASSWORD, name="Jane Quetzal",
                                       organisation="Gemeente Tilburg")
        mod = members.create_member("boss@example.org", PASSWORD, "moderator")
        data = casefiles.read_text("form", case_text(slug="anonymous-case", title="An anonymous case",
                                                     attribution="anonymous"))
        case = contributions.save(acting_as(author), data)
        contributions.submit(acting_as(author), case)
        contributions.approve(acting_as(mod), case)
    for asker in (client, member, moderator):
        text = export(asker, "anonymous-case").get_data(as_text=True)
        assert "An anonymous case" in text and "attribution: anonymous" in text
        for trace in ("jane", "quetzal", "tilburg", "@"):
            assert trace not in text.lower()


def test_an_unpublished_case_cannot_be_downloaded_even_by_its_author(app, client):
    with app.app_context():
        author = members.create_member("author@example.org", PASSWORD)
        contributions.save(acting_as(author), casefiles.read_text("form", case_text(slug="draft-case")))
    sign_in(client, "author@example.org")
    assert export(client, "draft-case").status_code == 404


def test_a_service_export_for_the_cli_still_holds_everything(app, add_case):
    add_case(lessons=LESSONS)
    with app.app_context():
        assert "wombatmarker" in library.export_case("sample-case")
