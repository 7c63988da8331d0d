"""Help from inside the project: every hint and every link points at a file and section in the repository."""

import re
from pathlib import Path

import pytest

from repost import docs

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "repost").rglob("*.py"))
# "docs/post-yaml.md#media", "profiles/README.md": a file of the project, from its top folder.
LITERAL_REF = re.compile(r"\b((?:docs|profiles)/[\w./-]+\.md)(?:#([\w-]+))?")
# doc_ref('media') or doc_ref("auth", COMMANDS): a section named in code.
CALLED_REF = re.compile(r"doc_ref\(\s*['\"]([\w-]+)['\"]\s*(?:,\s*(\w+))?\s*\)")
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(md: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings: lower case, punctuation but - and _ gone,
    spaces as hyphens (## manifest.json -> #manifestjson, ## validate --json -> #validate---json)."""
    found = set()
    in_code = False
    for line in md.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (m := re.match(r"#{1,6} (.+)", line)):
            found.add(re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-"))
    return found


def target_exists(path: str, anchor: str | None) -> bool:
    file = ROOT / path
    return file.is_file() and (anchor is None or anchor in anchors(file))


def hint_refs() -> list[tuple[str, str, str | None]]:
    """(source file, doc path, anchor) for every reference to a doc in the package's code."""
    refs = []
    for src in SOURCES:
        text = src.read_text(encoding="utf-8")
        rel = src.relative_to(ROOT).as_posix()
        refs += [(rel, path, anchor) for path, anchor in LITERAL_REF.findall(text)]
        for section, page in CALLED_REF.findall(text):
            refs.append((rel, getattr(docs, page) if page else docs.POST_YAML, section))
    return refs


def test_the_code_refers_to_docs_and_never_to_a_file_outside_the_repository():
    refs = hint_refs()
    assert {path for _, path, _ in refs} >= {docs.POST_YAML, docs.COMMANDS, "profiles/README.md"}
    for src in SOURCES:
        assert "DESIGN.md" not in src.read_text(encoding="utf-8"), src


@pytest.mark.parametrize("where,path,anchor", hint_refs())
def test_every_hint_target_exists(where, path, anchor):
    assert target_exists(path, anchor or None), f"{where} points at {path}#{anchor}, which is not there"


def test_every_post_key_and_every_post_problem_hint_has_its_section():
    from repost.post.model import POST_SCHEMA
    from repost.post.schema import Problems

    page = ROOT / docs.POST_YAML
    assert set(docs.POST_KEYS) | {"keys", "paths"} <= anchors(page)
    # every key schema 1 takes is documented (a key added to the schema needs its section)
    problems = Problems()
    POST_SCHEMA({"zz_unknown": 1}, "", problems)
    known = re.search(r"known keys: (.+)\)", problems.items[0]).group(1).split(", ")
    assert set(known) == set(docs.POST_KEYS)
    for key in known:
        hint = docs.post_problem_hint([f"{key}: must be text, not a list"])
        assert hint == f"see {docs.POST_YAML}#{key}" and target_exists(docs.POST_YAML, key)
        over = docs.post_problem_hint([f"platforms.rednote.{key}: must be text"])
        assert over == hint
    assert docs.post_problem_hint(["media[0].path: media file not found: a.jpg"]).endswith(
        f"{docs.POST_YAML}#paths"
    )


def test_links_in_the_docs_and_readme_resolve_inside_the_repository():
    pages = [ROOT / "README.md", ROOT / "CONTRACT.md", *sorted((ROOT / "docs").glob("*.md"))]
    assert {p.name for p in pages} >= {"post-yaml.md", "bundles.md", "commands.md"}
    checked = 0
    for page in pages:
        for link in MD_LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", link):
                continue  # an outside address (https:, mailto:) is not a file of the project
            path, _, anchor = link.partition("#")
            file = (page.parent / path).resolve() if path else page
            assert ROOT in file.parents or file == ROOT, f"{page.name}: {link} leads outside the repository"
            assert file.exists(), f"{page.name}: {link} is not there"
            if anchor:
                assert anchor in anchors(file), f"{page.name}: {link}: no such section"
            checked += 1
    assert checked >= 20


def test_a_post_error_ends_with_a_hint_that_resolves(run, write_post, image_jpeg_34, tmp_path):
    post = write_post("media: [a.jpg]\ncaption: [not, text]\n", media={"a.jpg": image_jpeg_34})
    result = run("export", post, "--to", "tiktok", "--out", tmp_path / "out")
    hint = result.err.strip().splitlines()[-1]
    assert hint == "Hint: see docs/post-yaml.md#caption"
    missing = write_post("media: [Clip.MP4]\n")
    said = run("export", missing, "--to", "tiktok", "--out", tmp_path / "out").err
    assert "media file not found: Clip.MP4" in said
    assert "Hint: paths in post.yaml are relative to the folder holding it" in said and "#paths" in said
