"""Files the server needs at run time that live at the top of the repository (Alembic's
``migrations/``, the demo's ``data/regions/``): a wheel ships them inside the package
(``eldercare/migrations``, ``eldercare/data/regions``; see ``[tool.setuptools]`` in
pyproject.toml), a source checkout or an editable install reads them where they are."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped(*parts: str) -> Path:
    """The directory ``parts`` inside the installed package, else at the checkout's top."""
    inside = PACKAGE_DIR.joinpath(*parts)
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parents[1].joinpath(*parts)
