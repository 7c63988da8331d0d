"""Where the user-facing reference (docs/ in the project) answers a hint: file and section."""

from __future__ import annotations

import re

POST_YAML = "docs/post-yaml.md"
COMMANDS = "docs/commands.md"

# post.yaml keys with a section of their own in docs/post-yaml.md (the anchor is the key).
POST_KEYS = (
    "id", "title", "caption", "hashtags", "mentions", "media", "cover", "created", "lang",
    "translations", "platforms", "source", "fit", "audio", "cover_text", "strict_photos",
)  # fmt: skip
_NOT_FOUND = re.compile(r": (?:media|cover|audio) file not found: ")
_TOP_KEY = re.compile(r"^(?:platforms\.[^.\[:]+\.)?([A-Za-z_]+)")


def doc_ref(section: str, page: str = POST_YAML) -> str:
    """``docs/post-yaml.md#media``: a path from the project's top folder, and the section."""
    return f"{page}#{section}"


def post_problem_hint(problems: list[str] | tuple[str, ...]) -> str:
    """The hint under a post.yaml's problems: where to read about the key at fault. Files not
    found are about paths, not keys."""
    if problems and all(_NOT_FOUND.search(p) for p in problems):
        return (
            "paths in post.yaml are relative to the folder holding it, and letter case counts: "
            f"see {doc_ref('paths')}"
        )
    sections = {_section(p) for p in problems}
    section = sections.pop() if len(sections) == 1 else "keys"
    return f"see {doc_ref(section)}"


def _section(problem: str) -> str:
    """'platforms.rednote.caption: ...' -> 'caption'; an unknown key or the file -> 'keys'."""
    if "unknown key" in problem:
        return "keys"
    if "unknown platform" in problem:
        return "platforms"
    found = _TOP_KEY.match(problem)
    key = found.group(1) if found else ""
    return key if key in POST_KEYS else "keys"
