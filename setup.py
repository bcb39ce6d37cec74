"""The build step that makes an installed wheel complete (everything else is in setup.cfg).

The checkout keeps `templates/` at the top level, beside `app/`, and commits translations only
as `.po` sources. A wheel has no checkout around it, so building it copies the templates into
the package and compiles each catalogue to the `.mo` that Flask-Babel reads. An editable
install runs from the checkout, where `make translations` compiles the catalogues.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def compile_catalog(po: Path, mo: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name)
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as target:
        write_mo(target, catalog, use_fuzzy=True)  # as `make translations` (pybabel compile --use-fuzzy)


class BuildWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        package = Path(self.build_lib) / "app"
        # Replaced, not merged: a template deleted from the checkout must not live on in build/.
        shutil.rmtree(package / "templates", ignore_errors=True)
        shutil.copytree(HERE / "templates", package / "templates")
        for po in (HERE / "app" / "translations").glob("*/LC_MESSAGES/*.po"):
            compile_catalog(po, package / po.relative_to(HERE / "app").with_suffix(".mo"))


setup(cmdclass={"build_py": BuildWithTemplates})
