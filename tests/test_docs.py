"""The README stays short and true: its size, its links, its configuration table and its map of
the code; the topic files it links to stay linked and their links resolve."""

from __future__ import annotations

import re
from pathlib import Path

from eldercare.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_MAX_BYTES = 12 * 1024

# Markdown inline links: [text](target). Images and reference links are not used here.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
# A word of the layout map that names a file or directory: a path with a slash, or a file
# name with an extension (`*` allowed for a family of files).
PATHLIKE = re.compile(r"^[\w.*\-]+(/[\w.*\-]*)*$")
# Directories at the top of a checkout that are local state, not part of the code.
LOCAL_DIRS = {"var", "build", "test-artifacts"}


def _markdown_files() -> list[Path]:
    return [README, ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _section(text: str, heading: str) -> str:
    """The body of the `## heading` section of a markdown text."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README has no '## {heading}' section"
    return match.group(1)


def _layout_lines() -> list[str]:
    body = _section(README.read_text(encoding="utf-8"), "Layout")
    block = re.search(r"^```\n(.*?)^```", body, re.M | re.S)
    assert block, "the Layout section has no code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def _layout_paths() -> list[tuple[Path, str]]:
    """(base directory, name) for every path the layout map names.

    An unindented line starts with a path from the repository root; every other path-like
    word on it, and on the indented lines below it, is inside that path."""
    named: list[tuple[Path, str]] = []
    base = ROOT
    for line in _layout_lines():
        words = [w.strip("(),;:") for w in line.split()]
        if not line[0].isspace():
            head, words = words[0], words[1:]
            named.append((ROOT, head))
            base = ROOT / head
        for word in words:
            if PATHLIKE.match(word) and ("/" in word or re.search(r"\.\w+$", word)):
                named.append((base, word))
    return named


def _exists(base: Path, name: str) -> bool:
    if "*" in name:
        return any(base.rglob(name))
    return (base / name).exists()


def test_readme_is_at_most_12_kib():
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, (
        f"README.md is {size} bytes (limit {README_MAX_BYTES}): move detail to docs/"
    )


def test_every_relative_link_of_the_readme_and_docs_resolves():
    broken = []
    for md in _markdown_files():
        for target in LINK.findall(md.read_text(encoding="utf-8")):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a URL or an anchor on the same page
            path = target.split("#", 1)[0]
            if not (md.parent / path).exists():
                broken.append(f"{md.relative_to(ROOT)}: {target}")
    assert not broken, broken


def test_every_docs_file_is_linked_from_the_readme():
    linked = {
        (ROOT / target.split("#", 1)[0]).resolve()
        for target in LINK.findall(README.read_text(encoding="utf-8"))
    }
    topics = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]
    missing = [str(p.relative_to(ROOT)) for p in topics if p.resolve() not in linked]
    assert not missing, f"not linked from README.md: {missing}"


def test_every_path_of_the_layout_exists():
    named = _layout_paths()
    assert len(named) > 20, named  # the map was parsed
    missing = [str((b / n).relative_to(ROOT)) for b, n in named if not _exists(b, n)]
    assert not missing, f"the README's Layout names paths that do not exist: {missing}"


def test_the_layout_names_every_top_level_directory_and_backend_package():
    named = {(b / n).resolve() for b, n in _layout_paths() if "*" not in n}
    top = [
        d
        for d in ROOT.iterdir()
        if d.is_dir()
        and not d.name.startswith(".")
        and d.name not in LOCAL_DIRS
        and not d.name.endswith(".egg-info")
    ]
    packages = [d.parent for d in (ROOT / "backend" / "eldercare").glob("*/__init__.py")]
    unnamed = [
        str(d.relative_to(ROOT))
        for d in [*top, *packages]
        if not any(p == d.resolve() or d.resolve() in p.parents for p in named)
    ]
    assert not unnamed, f"missing from the README's Layout: {unnamed}"


def test_the_configuration_table_lists_every_setting():
    body = _section(README.read_text(encoding="utf-8"), "Configuration")
    documented: set[str] = set()
    for row in re.findall(r"^\|([^|]*)\|", body, re.M):
        names = re.findall(r"`([A-Z_]+)`", row)
        full = [n.removeprefix("ELDERCARE_") for n in names if not n.startswith("_")]
        documented.update(full)
        # `THROTTLE_IP_FREE` / `_MAX_SECONDS`: a suffix replaces the tail of the name before it
        for suffix in (n for n in names if n.startswith("_")):
            for name in full:
                cuts = [i for i, c in enumerate(name) if c == "_"]
                documented.update(name[:i] + suffix for i in cuts)
    settings = {name.upper() for name in Settings.model_fields}
    missing = sorted(settings - documented)
    assert not missing, f"settings missing from the README's Configuration table: {missing}"
