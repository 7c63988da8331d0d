"""The norms that read files (profiles/norms/norms.yaml; the rules and the text checks are
platforms/norms.py): QR codes in a bundle's photos and cover, another platform's watermark in
its videos, as warnings for export, `repost check` and validate."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from repost.bundle.manifest import Manifest
from repost.errors import InputError, MediaError, RepostError
from repost.inputs import TEXT_FILE_MAX, read_bounded
from repost.media.probe import probe_media
from repost.media.qr import find_qr_codes
from repost.media.watermark import picture_evidence
from repost.platforms.norms import (
    MAX_TEXT_CHARS,
    NormFinding,
    check_text,
    message,
    rules_for,
    watermark_findings,
    watermark_rules,
)
from repost.platforms.rules import Finding


def check_images(platform: str, name: str, images: Mapping[str, Path]) -> list[NormFinding]:
    """Findings for the photos and cover of one bundle ({file name: path})."""
    rules = [r for r in rules_for(platform) if r.match == "qr_code"]
    if not rules:
        return []
    out = []
    for where, path in images.items():
        for code in find_qr_codes(path):
            for rule in rules:
                out.append(NormFinding(rule.id, where, code, message(rule, where, code, name)))
    return out


def check_videos(platform: str, name: str, videos: Mapping[str, Path]) -> list[NormFinding]:
    """Findings for the videos of one bundle ({file name: path}): a watermark in the picture."""
    if not watermark_rules(platform):
        return []
    out = []
    for where, path in videos.items():
        try:
            facts = probe_media(path)
        except RepostError:  # validate reports an unreadable video itself
            continue
        evidence = picture_evidence(path, facts.duration_s, getattr(facts, "rotation", 0))
        out += watermark_findings(platform, name, where, evidence)
    return out


def recorded_watermarks(bundle: Path, profile) -> list[NormFinding]:
    """The watermark warnings export wrote into the manifest: found in the source, they may
    no longer show in a picture fitted with a blurred border (the mark is then inside it)."""
    ids = {r.id for r in watermark_rules(profile.id)}
    manifest = Manifest.find(bundle)  # None: unreadable, which validate reports on its own
    warnings = manifest.warnings if manifest is not None else ()
    out = []
    for w in warnings:
        for rule in ids:
            if isinstance(w, str) and f"(norm {rule}," in w:
                where, _, rest = w.removeprefix("norm: ").partition(": ")
                out.append(
                    NormFinding(rule, where, rest.split(": ", 1)[0].strip("'"), w.removeprefix("norm: "))
                )
    return out


def image_warnings(plan, folder: Path) -> list[str]:
    """The image norms (QR codes) of a bundle's photos and cover, once they are made."""
    if not plan.options.norms:
        return []
    images = {s.dest: folder / s.dest for s in plan.steps if s.role in ("image", "cover")}
    return [f"norm: {f.message}" for f in check_images(plan.profile.id, plan.profile.name, images)]


def source_image_warnings(plan) -> list[str]:
    """The image norms of the photos (and an image cover) a plan will use, read from the
    sources themselves: what `repost check` shows before anything is made."""
    if not plan.options.norms:
        return []
    out: list[str] = []
    for step in plan.steps:
        if step.role not in ("image", "cover") or step.source is None:
            continue
        try:
            found = check_images(
                plan.profile.id, plan.profile.name, {Path(step.source).name: Path(step.source)}
            )
        except MediaError:  # a cover taken from a video frame: checked once made
            continue
        out += [f"norm: {f.message}" for f in found]
    return list(dict.fromkeys(out))


def bundle_findings(bundle: Path, profile, entries) -> list:
    """Validate's norms: the bundle's caption and title, and its images, as warnings. Handles
    are not checked here: which are the creator's on this platform only post.yaml knows."""
    texts = {}
    for name in ("caption.txt", "title.txt"):
        path = bundle / name
        if path.is_file() and not path.is_symlink():
            try:
                raw = read_bounded(path, TEXT_FILE_MAX, f"a bundle's {name}")
            except InputError:
                continue  # validate reports what is wrong with it
            texts[name] = raw.decode("utf-8", errors="replace")[:MAX_TEXT_CHARS]
    found = [f for f in check_text(profile.id, profile.name, texts) if f.rule != "foreign_handle"]
    images = {
        e["path"]: bundle / e["path"]
        for e in entries
        if e.get("role") in ("image", "cover") and (bundle / e["path"]).is_file()
    }
    found += check_images(profile.id, profile.name, images)
    videos = {e["path"]: bundle / e["path"] for e in entries if e.get("role") == "video"}
    marks = check_videos(profile.id, profile.name, {k: p for k, p in videos.items() if p.is_file()})
    found += marks or recorded_watermarks(bundle, profile)
    return [Finding(f.where, f"norm:{f.rule}", None, f.text, f.message, "warning") for f in found]
