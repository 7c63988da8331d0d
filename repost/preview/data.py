"""The preview page's data: each bundle under a folder, validated, its caption folded as shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import regex

from repost.bundle.manifest import Manifest
from repost.errors import RepostError
from repost.layout import MANIFEST, find_bundles
from repost.platforms.model import Profile
from repost.platforms.rules import Finding
from repost.preview.stills import grid_crop, poster, smart_window, watermark_notes
from repost.text.count import UNITS, count_text
from repost.validate.bundle import Report, validate_bundle


def fold_caption(caption: str, fold_length: int | None, counter: str) -> tuple[str, str]:
    """(visible, rest): the longest start of ``caption`` within ``fold_length`` units of the
    profile's counter, never cut inside a grapheme (an emoji or accented letter stays whole)."""
    if fold_length is None or count_text(caption, counter) <= fold_length:
        return caption, ""
    visible = ""
    for grapheme in regex.findall(r"\X", caption):
        if count_text(visible + grapheme, counter) > fold_length:
            break
        visible += grapheme
    return visible, caption[len(visible) :]


def status_of(report: Report, manifest: Manifest | None) -> str:
    """valid, warnings (the manifest or validate warns) or failed (validate found an error)."""
    if not report.ok:
        return "failed"
    if (manifest is not None and manifest.warnings) or report.findings:
        return "warnings"
    return "valid"


def _href(root: Path, bundle: Path, name: str) -> str:
    """A relative URL from ``root``/index.html to a bundle file, every segment percent-encoded."""
    parts = [*bundle.relative_to(root).parts, *Path(name).parts]
    return "/".join(quote(p, safe="") for p in parts)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _media(root: Path, bundle: Path, manifest: Manifest | None, sources: Sequence[Path]) -> dict:
    entries = [dict(e.data) for e in manifest.files] if manifest is not None else []
    inside = [e for e in entries if (bundle / e["path"]).resolve().is_relative_to(bundle.resolve())]

    def item(e):
        return {
            "src": _href(root, bundle, e["path"]),
            "name": e["path"],
            "alt": _text(e.get("alt")),
            "width": e.get("width") if isinstance(e.get("width"), int) else None,
            "height": e.get("height") if isinstance(e.get("height"), int) else None,
        }

    videos = [item(e) for e in inside if e.get("role") == "video"]
    media = {
        "video": videos[0] if videos else None,
        "images": [item(e) for e in inside if e.get("role") == "image"],
        "cover": next((item(e) for e in inside if e.get("role") == "cover"), None),
    }
    return {**media, "poster": poster(bundle, media, inside), "smart": smart_window(inside, sources)}


def _counts(text: Mapping) -> list[dict]:
    """Each count beside its limit, as the manifest's ``text.counts`` gives them."""
    rows = []
    counts = text.get("counts") if isinstance(text.get("counts"), dict) else {}
    for field, c in counts.items():
        if not isinstance(c, dict) or not isinstance(c.get("count"), int):
            continue
        limit = c.get("limit") if isinstance(c.get("limit"), int) else None
        named = c.get("unit") if isinstance(c.get("unit"), str) else None  # a manifest may hold anything
        unit = UNITS.get(named, "") if field != "hashtags" else "hashtags"
        over = limit is not None and c["count"] > limit
        rows.append({"field": str(field), "count": c["count"], "limit": limit, "unit": unit, "over": over})
    return rows


def _caption(text: Mapping, profile: Profile | None) -> dict:
    caption = _text(text.get("caption"))
    rule = profile.text.caption if profile is not None else None
    if rule is None:
        return {"visible": caption, "rest": "", "fold": None, "unit": ""}
    visible, rest = fold_caption(caption, rule.fold_length, rule.count)
    return {"visible": visible, "rest": rest, "fold": rule.fold_length, "unit": UNITS[rule.count]}


def _validate(bundle: Path, manifest: Manifest | None, profiles: Mapping[str, Profile]) -> Report:
    """validate's report; one unreadable bundle is shown failed and the page still covers the rest."""
    try:
        return validate_bundle(bundle, profiles)
    except RepostError as exc:
        platform = manifest.platform if manifest is not None else None
        message = f"{bundle.name}: {exc.one_line()}"
        return Report(bundle, platform, [Finding(MANIFEST, "bundle", "readable", "unreadable", message)])


def read_card(
    root: Path, bundle: Path, profiles: Mapping[str, Profile], sources: Sequence[Path] = ()
) -> dict:
    """One card: a bundle's media, texts, changes, warnings and validation, as plain JSON data;
    a smart crop's source is read only inside ``sources``."""
    manifest = Manifest.find(bundle)  # None: unreadable, and validate's finding says why
    report = _validate(bundle, manifest, profiles)
    pid = report.platform if isinstance(report.platform, str) else bundle.name
    profile = profiles.get(pid)
    text = manifest.text if manifest is not None else {}
    post_id = manifest.post_id if manifest is not None else None
    media = _media(root, bundle, manifest, sources)
    warnings = list(manifest.warnings) if manifest is not None else []
    return {
        "post": _text(post_id) or bundle.parent.name,
        "platform": pid,
        "platform_name": profile.name if profile else pid,
        "path": "/".join(bundle.relative_to(root).parts),
        "status": status_of(report, manifest),
        "title": _text(text.get("title")),
        "caption": _caption(text, profile),
        "hashtags": [t for t in text.get("hashtags") or [] if isinstance(t, str)],
        "machine": _machine_note(text),
        "counts": _counts(text),
        "changes": list(manifest.changes) if manifest is not None else [],
        "warnings": warnings,
        "findings": [{"severity": f.severity, "message": f.message} for f in report.findings],
        **media,
        "aspect": _aspect(profile, "photos" if media["images"] else "video"),
        "grid": grid_crop(profile),
        "watermark": watermark_notes(pid, warnings),
    }


def _machine_note(text: dict) -> str | None:
    """'Machine-translated (deepl, 2026-12-02): zh title, caption; not reviewed', or None."""
    drafts = [m for m in text.get("machine_translation") or [] if isinstance(m, dict)]
    parts = [
        f"{_text(m.get('lang'))} {', '.join(str(f) for f in m.get('fields') or [])} "
        f"({_text(m.get('engine'))}, {_text(m.get('date'))})"
        for m in drafts
    ]
    return f"Machine-translated, not reviewed: {'; '.join(parts)}" if parts else None


def _aspect(profile: Profile | None, kind: str) -> str:
    """The shape a platform shows the post in, as CSS aspect-ratio ("9 / 16")."""
    rules = None
    if profile is not None:
        rules = profile.image if kind == "photos" else profile.video
    if rules is None:
        return "9 / 16"
    w, h = rules.preferred_aspect.split(":")
    return f"{w} / {h}"


def collect_posts(
    root: Path, profiles: Mapping[str, Profile], jobs: int = 1, sources: Sequence[Path] = ()
) -> list[dict]:
    """Every bundle under ``root`` as cards, grouped by post in folder order; ``jobs`` bundles are
    validated at a time (hashing and probing wait on the disk more than on the interpreter)."""
    root = Path(root)
    bundles = find_bundles(root)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        cards = list(pool.map(lambda b: read_card(root, b, profiles, sources), bundles))
    posts: dict[str, dict] = {}
    for bundle, card in zip(bundles, cards, strict=True):
        key = "/".join(bundle.relative_to(root).parts[:-1]) or card["post"]
        post = posts.setdefault(key, {"id": card["post"], "title": card["title"], "cards": []})
        # the longest: platforms without a title field show none, short ones show it cut
        post["title"] = max(post["title"], card["title"], key=len)
        post["cards"].append(card)
    return list(posts.values())
