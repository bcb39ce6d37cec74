"""The built wheel runs on its own, away from the checkout: templates, static files, the Dutch
translation and the migrations travel inside it, and it writes nothing into site-packages."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow
CASE = ROOT / "cases" / "amsterdam-de-ceuvel.md"
# Left out of the copy the wheel is built from: what a fresh clone does not have.
NOT_IN_A_CLONE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.mo", "search_index",
                  "instance", "bench-results", "docs")
# Run inside the installed package: create the app as a server would and fetch pages.
FETCH = """
import json, sys
import app
from app import create_app
client = create_app().test_client()
pages = {}
for path, language in json.loads(sys.argv[1]):
    answer = client.get(path, headers={"Accept-Language": language})
    pages[f"{language} {path}"] = [answer.status_code, answer.content_type, answer.get_data(as_text=True)]
print(json.dumps({"package": app.__file__, "pages": pages}))
"""


def run(*args, **kwargs) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The wheel (built from an sdist, as a release is) installed into a site-packages of its own."""
    work = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, work / "source", ignore=shutil.ignore_patterns(*NOT_IN_A_CLONE))
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", str(work / "dist"), str(work / "source"))
    wheel = next((work / "dist").glob("casebook-*.whl"))
    site = work / "env" / "site-packages"
    run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", "--target", str(site),
        str(wheel))
    return site


@pytest.fixture
def installed(site, tmp_path):
    """Run Python with the installed package instead of this checkout, from a folder elsewhere."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CASEBOOK_", "FLASK_"))}
    env.update(PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()

    def python(*args: str) -> str:
        return run(sys.executable, *args, cwd=cwd, env=env)
    return python


def files_in(folder: Path) -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob("*")}


def test_the_installed_wheel_creates_its_database_imports_and_serves_in_english_and_dutch(site, installed):
    shipped = files_in(site)
    assert "Database is up to date" in installed("-m", "flask", "--app", "app", "init-db")
    assert "Imported 1 new" in installed("-m", "flask", "--app", "app", "import-cases", str(CASE))
    wanted = [["/", "en"], ["/", "nl"], ["/cases/amsterdam-de-ceuvel", "en"], ["/search?q=houseboats", "en"],
              ["/static/casebook.css", "en"]]
    answer = json.loads(installed("-c", FETCH, json.dumps(wanted)))
    assert Path(answer["package"]).is_relative_to(site)  # the wheel's code, not the checkout's
    pages = answer["pages"]
    for key, (status, content_type, _text) in pages.items():
        assert status == 200, (key, pages[key])
        assert content_type.startswith("text/css" if key.endswith(".css") else "text/html"), key
    assert "Learn from cities that did it before" in pages["en /"][2]
    assert "Leer van steden die het al eerder deden" in pages["nl /"][2]  # the compiled catalogue is inside
    assert "De Ceuvel" in pages["en /cases/amsterdam-de-ceuvel"][2]
    assert "/cases/amsterdam-de-ceuvel" in pages["en /search?q=houseboats"][2]  # the index was written
    # The database, secret key and index live in the instance folder beside site-packages, not inside it.
    assert files_in(site) == shipped
    instance = site.parent / "var" / "app-instance"
    assert {"casebook.sqlite3", "secret_key", "search_index"} <= {path.name for path in instance.iterdir()}
