"""Profiles as people read them: a summary row each, or every figure with its source."""

from __future__ import annotations

import re
from collections import Counter

from repost.platforms.model import Figure, Profile


def _figure_dict(fig: Figure) -> dict:
    return {
        "value": fig.value,
        "source": fig.source,
        "checked": fig.checked.isoformat(),
        "confidence": fig.confidence,
        "note": fig.note,
    }


_TAG_RE = re.compile(r"^(?:[A-Z]{1,2}\d+|3P)\b")


def _source_tags(source: str) -> list[str]:
    """'T1 developers.tiktok.com/...; T3 ...' -> ['T1', 'T3'] (tags defined in profiles/SOURCES.md)."""
    tags = [m.group(0) for part in source.split(";") if (m := _TAG_RE.match(part.strip()))]
    return tags or [source.split(";")[0].strip()]


def profile_summary(p: Profile) -> dict:
    conf = Counter(f.confidence for f in p.figures.values())
    sources = sorted({tag for f in p.figures.values() for tag in _source_tags(f.source)})
    return {
        "id": p.id,
        "name": p.name,
        "aliases": list(p.aliases),
        "version": p.version,
        "kinds": list(p.kinds),
        "upload_path": p.upload_path,
        "figures": len(p.figures),
        "confidence": dict(sorted(conf.items())),
        "sources": sources,
        "file": str(p.file),
    }


def profile_detail(p: Profile) -> dict:
    figures = {}
    for key, fig in p.figures.items():
        entry = _figure_dict(fig)
        if key in p.by_path:
            entry["by_path"] = {path: _figure_dict(f) for path, f in p.by_path[key].items()}
        figures[key] = entry
    return {
        **profile_summary(p),
        "summary": p.summary,
        "default_path": p.default_path,
        "digest": p.digest,
        "rules": figures,
    }


def render_detail(d: dict) -> str:
    lines = [
        f"{d['name']} ({d['id']}) v{d['version']}: {d['summary']}",
        f"kinds: {', '.join(d['kinds'])}; upload path in effect: {d['upload_path']} "
        f"(default {d['default_path']})",
        f"file: {d['file']}",
        "",
    ]
    if d["aliases"]:
        lines.insert(2, f"also called: {', '.join(d['aliases'])}")
    for key, fig in d["rules"].items():
        lines.append(f"{key} = {fig['value']}")
        lines.append(f"    {fig['confidence']}, checked {fig['checked']}: {fig['source']}")
        if fig.get("note"):
            lines.append(f"    note: {fig['note']}")
        for path, alt in (fig.get("by_path") or {}).items():
            if path != d["upload_path"]:
                lines.append(f"    on the {path} path: {alt['value']} ({alt['confidence']}: {alt['source']})")
    return "\n".join(lines)
