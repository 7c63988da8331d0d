"""profiles/SOURCES.md: every source a figure cites is defined there, with a URL, a date and a confidence."""

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from repost.platforms.model import CONFIDENCES
from repost.platforms.profiles import builtin_profile_dir, load_profiles

ROOT = Path(__file__).resolve().parent.parent
API_RULES = ROOT / "repost" / "publish" / "api_rules.yaml"
ASSUMED = "repost assumption"
TAG_RE = re.compile(r"^([A-Z]{1,2}\d+)\b")
HEADING_RE = re.compile(r"^### ([A-Z]{1,2}\d+) · (.+)$", re.M)


def defined_sources() -> dict[str, str]:
    """Tag -> its block of SOURCES.md."""
    text = (builtin_profile_dir() / "SOURCES.md").read_text(encoding="utf-8")
    heads = list(HEADING_RE.finditer(text))
    ends = [h.start() for h in heads[1:]] + [len(text)]
    blocks = {h.group(1): text[h.start() : end] for h, end in zip(heads, ends, strict=True)}
    assert len(blocks) == len(heads), "a tag is defined twice"
    return blocks


def cited_sources() -> list[tuple[str, str]]:
    """(where, source) of every figure in the built-in profiles (both paths) and the API rules."""
    out = []
    for pid, profile in load_profiles().items():
        for key, fig in profile.figures.items():
            out.append((f"{pid} {key}", fig.source))
        for key, pair in profile.by_path.items():
            out += [(f"{pid} {key} ({path})", fig.source) for path, fig in pair.items()]

    def walk(node, where):
        if isinstance(node, dict):
            if "source" in node:
                out.append((where, node["source"]))
            for k, v in node.items():
                walk(v, f"{where}.{k}")

    walk(yaml.safe_load(API_RULES.read_text(encoding="utf-8")), "api_rules")
    return out


def test_every_defined_source_has_a_url_a_read_date_and_a_confidence():
    blocks = defined_sources()
    assert len(blocks) >= 40
    for tag, block in blocks.items():
        assert re.search(r"^- URL: https?://\S+", block, re.M), f"{tag}: no URL"
        assert re.search(r"^- Says: \S", block, re.M), f"{tag}: does not say what it says"
        read = re.search(r"^- Read: (\d{4}-\d{2}-\d{2})", block, re.M)
        assert read and dt.date.fromisoformat(read.group(1)) <= dt.date.today(), f"{tag}: read date"
        confidence = re.search(r"^- Confidence: (\w+)", block, re.M)
        assert confidence and confidence.group(1) in CONFIDENCES, f"{tag}: confidence"


def test_every_cited_tag_is_defined():
    blocks = defined_sources()
    cited = cited_sources()
    assert len(cited) > 150
    for where, source in cited:
        if source == ASSUMED:
            continue
        parts = [p.strip() for p in source.split(";")]
        # the first part names a tag; a later part names another tag, or more of the same source
        assert TAG_RE.match(parts[0]), f"{where}: {source!r} names no source tag (or say {ASSUMED!r})"
        for tag in [m.group(1) for p in parts if (m := TAG_RE.match(p))]:
            assert tag in blocks, f"{where}: {tag} is not in profiles/SOURCES.md"


def test_every_norm_cites_sources_defined_here_with_a_url_a_date_and_a_confidence():
    """The norms keep no register of their own: each tag they cite is a SOURCES.md entry."""
    from repost.platforms.norms import norms_file, source_tags

    norms = yaml.safe_load(norms_file().read_text(encoding="utf-8"))
    assert "sources" not in norms, "norms.yaml's sources belong in profiles/SOURCES.md"
    entries = [*norms["rules"], *norms["platform_tags"].values()]
    cited = {src.split(";")[0].strip() for e in entries for src in e["source"]}
    assert len(cited) >= 8
    blocks = defined_sources()
    assert source_tags() == set(blocks)  # the loader reads the headings as this test does
    for tag in sorted(cited):
        assert tag in blocks, f"norms.yaml cites {tag}, which profiles/SOURCES.md does not define"
        assert re.search(r"^- URL: https?://\S+", blocks[tag], re.M), tag
        assert re.search(r"^- Read: \d{4}-\d{2}-\d{2}", blocks[tag], re.M), tag
        assert re.search(r"^- Confidence: (official|official_indirect|third_party)\b", blocks[tag], re.M), tag


@pytest.mark.parametrize("file", sorted(p.name for p in builtin_profile_dir().glob("*.*")))
def test_shipped_profile_files_cite_nothing_outside_the_project(file):
    text = (builtin_profile_dir() / file).read_text(encoding="utf-8")
    # absolute folders of a developer's machine (spelled apart so this file does not hold one)
    assert not any("/" + root + "/" in text for root in ("work", "tmp", "root", "home"))
    if file != "SOURCES.md":
        # the research notes the figures were first taken from are not in the repository
        assert "platform" + "-specs" not in text
