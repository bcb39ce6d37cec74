"""`flask --app app import-cases PATH`: reports problems, imports what is valid, idempotent by slug."""
from __future__ import annotations

from conftest import case_text


def test_import_reports_bad_files_and_imports_the_good_ones(runner, client, tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "good.md").write_text(case_text(slug="good-case", title="Good heat network case"))
    (folder / "bad.md").write_text(case_text(slug="bad-case", country="Nederland"))
    result = runner.invoke(args=["import-cases", str(folder)])
    assert result.exit_code != 0
    assert f"{folder / 'bad.md'}: country: must be an ISO 3166-1 alpha-2 code" in result.output
    assert "Imported 1 new" in result.output
    assert client.get("/cases/good-case").status_code == 200
    assert client.get("/cases/bad-case").status_code == 404
    assert client.get("/api/v1/search?q=heat+network").get_json()["total"] == 1


def test_importing_again_updates_by_slug(runner, client, tmp_path):
    path = tmp_path / "case.md"
    path.write_text(case_text(title="First title"))
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    assert "Imported 0 new, 0 updated, 1 unchanged" in runner.invoke(args=["import-cases", str(path)]).output
    path.write_text(case_text(title="Second title"))
    result = runner.invoke(args=["import-cases", str(path)])
    assert "0 new, 1 updated" in result.output
    page = client.get("/cases/sample-case").get_data(as_text=True)
    assert "Second title" in page and "First title" not in page
    assert client.get("/api/v1/search?q=second").get_json()["total"] == 1
    assert client.get("/api/v1/search?q=first").get_json()["total"] == 0


def test_two_files_with_one_slug_are_refused(runner, tmp_path):
    (tmp_path / "a.md").write_text(case_text())
    (tmp_path / "b.md").write_text(case_text())
    result = runner.invoke(args=["import-cases", str(tmp_path)])
    assert result.exit_code != 0
    assert f"{tmp_path / 'b.md'}: slug: 'sample-case' is also used by {tmp_path / 'a.md'}" in result.output


def test_export_case_command_prints_the_file(runner, add_case):
    add_case()
    result = runner.invoke(args=["export-case", "sample-case"])
    assert result.exit_code == 0 and result.output.startswith("---\nslug: sample-case\n")
    assert runner.invoke(args=["export-case", "nope"]).exit_code != 0


def test_export_cases_writes_every_published_case_and_imports_back_unchanged(runner, seeded, tmp_path):
    out = tmp_path / "backup"
    exported = runner.invoke(args=["export-cases", str(out)])
    count = len(seeded.created)
    assert exported.exit_code == 0 and f"Wrote {count} case file(s)" in exported.output
    assert len(list(out.glob("*.md"))) == count
    again = runner.invoke(args=["import-cases", str(out)])
    assert again.exit_code == 0 and f"0 new, 0 updated, {count} unchanged" in again.output
