"""Validate bundles and media files: re-probe everything and check every rule of the profile."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from repost.bundle.manifest import Manifest
from repost.bundle.norms import bundle_findings
from repost.errors import InputError, MediaError, ProfileError, RepostError
from repost.inputs import TEXT_FILE_MAX, read_bounded
from repost.layout import CAPTION, COMMENT, HASHTAGS, MANIFEST, PUBLISH_JSON, TITLE, TOPICS, find_bundles
from repost.media.files import sha256_of
from repost.media.probe import probe_media
from repost.plan.size import check_file_size
from repost.platforms.model import Profile, aspect_name
from repost.platforms.rules import Finding, aspect_matches, check_image_count, check_media
from repost.text.check import check_texts
from repost.text.hashtags import read_hashtags_file

# Files a bundle may hold beyond its manifest's list: publishing records its result here.
UNLISTED_OK = {MANIFEST, PUBLISH_JSON}
MEDIA_ROLES = ("video", "image")


@dataclass
class Report:
    """The findings for one bundle or media file."""

    path: Path
    platform: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict:
        return {
            "path": str(self.path),
            "platform": self.platform,
            "ok": self.ok,
            "findings": [f.to_dict() for f in self.findings],
        }


def _error(file, field, limit, actual, message, severity="error") -> Finding:
    return Finding(file, field, limit, actual, f"{file}: {message}", severity)


def validate_paths(
    paths, profiles: Mapping[str, Profile], profile_id: str | None = None, *, norms: bool = True
) -> list[Report]:
    """Reports for every PATH: a bundle, a folder of bundles, or a media file with a profile."""
    if profile_id is not None and profile_id not in profiles:
        raise ProfileError(
            "--profile", [f"unknown platform {profile_id}"], hint=f"known platforms: {', '.join(profiles)}"
        )
    reports = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            if profile_id is None:
                raise InputError("a media file needs --profile ID to be checked against", path)
            reports.append(validate_media_file(path, profiles[profile_id]))
        elif path.is_dir():
            bundles = find_bundles(path)
            if not bundles:
                raise InputError(
                    "no bundle here (no manifest.json)",
                    path,
                    hint="PATH is a bundle, a folder of bundles, or a media file with --profile: "
                    "see docs/commands.md#validate",
                )
            reports += [_validate_alone(b, profiles, profile_id, norms) for b in bundles]
        elif path.exists():  # a FIFO or a device: never opened
            raise InputError("not a regular file or a folder", path, hint="PATH is a bundle or a media file")
        else:
            raise InputError("no such file or folder", path)
    return reports


def validate_media_file(path: Path, profile: Profile) -> Report:
    facts = probe_media(path)
    return Report(
        path, profile.id, check_media(path.name, facts, profile) + check_file_size(path.name, facts, profile)
    )


def _validate_alone(
    bundle: Path, profiles: Mapping[str, Profile], profile_id: str | None, norms: bool = True
) -> Report:
    """One bundle's report; what stops it (a file that cannot be read) is its finding, and the
    other bundles of the folder are still checked."""
    try:
        return validate_bundle(bundle, profiles, profile_id, norms=norms)
    except RepostError as exc:
        return Report(
            bundle, profile_id, [_error(MANIFEST, "bundle", "readable", "unreadable", exc.one_line())]
        )


def validate_bundle(
    bundle: Path, profiles: Mapping[str, Profile], profile_id: str | None = None, *, norms: bool = True
) -> Report:
    try:
        manifest = Manifest.read(bundle)
    except InputError as exc:
        return Report(
            bundle, profile_id, [_error(MANIFEST, "manifest", "JSON object", "unreadable", exc.what)]
        )
    pid = profile_id or manifest.platform
    report = Report(bundle, pid)
    if pid not in profiles:
        report.findings.append(_error(MANIFEST, "profile", list(profiles), pid, f"unknown platform {pid!r}"))
        return report
    profile = profiles[pid]
    entries = _check_integrity(bundle, manifest, report.findings)
    _check_media(bundle, entries, profile, report.findings)
    kind = "photos" if any(e.get("role") == "image" for e in entries) else "video"
    _check_text_files(bundle, profile, kind, report.findings)
    if norms:
        report.findings += bundle_findings(bundle, profile, entries)
    return report


def _check_integrity(bundle: Path, manifest: Manifest, findings: list[Finding]) -> list[dict]:
    """Every listed file present with its sha256; no file the manifest does not list."""
    entries = [dict(e.data) for e in manifest.files]
    listed = set()
    present = []
    for e in entries:
        name = e["path"]
        listed.add(name)
        p = bundle / name
        if not p.resolve().is_relative_to(bundle.resolve()):
            findings.append(_error(name, "path", "inside the bundle", name, "path leaves the bundle"))
            continue
        if not p.is_file():
            findings.append(
                _error(name, "missing", "present", "missing", "listed in the manifest but missing")
            )
            continue
        try:
            digest = sha256_of(p)
        except OSError as exc:
            findings.append(_error(name, "read", "readable", "unreadable", f"cannot read: {exc.strerror}"))
            continue
        if digest != e.get("sha256"):
            findings.append(
                _error(
                    name,
                    "sha256",
                    e.get("sha256"),
                    digest,
                    "changed since the bundle was made (sha256 differs)",
                )
            )
        present.append(e)
    for p in sorted(bundle.iterdir()):
        if p.name not in listed and p.name not in UNLISTED_OK:
            findings.append(_error(p.name, "extra", "listed", "unlisted", "not listed in the manifest"))
    return present


def _check_media(bundle: Path, entries: list[dict], profile: Profile, findings: list[Finding]) -> None:
    images = 0
    kind = "photos" if any(e.get("role") == "image" for e in entries) else "video"
    for e in entries:
        role = e.get("role")
        path = bundle / e["path"]
        if role not in (*MEDIA_ROLES, "cover"):
            continue
        try:
            facts = probe_media(path)
        except MediaError as exc:
            findings.append(_error(e["path"], "media", "readable", "unreadable", exc.what))
            continue
        if role == "cover":
            findings += _check_cover(e["path"], facts, profile)
            findings += check_file_size(e["path"], facts, profile, kind)
            continue
        images += role == "image"
        findings += check_media(e["path"], facts, profile)
        findings += check_file_size(e["path"], facts, profile)  # below the recommended: a warning
    if images:
        findings += check_image_count("bundle", images, profile)


def _check_cover(name: str, facts, profile: Profile) -> list[Finding]:
    out = []
    if facts.kind != "image" or facts.format != "jpeg":
        out.append(
            _error(name, "format", "jpeg", getattr(facts, "format", facts.kind), "cover is not a JPEG")
        )
    elif not aspect_matches(facts.width, facts.height, profile.cover.aspect, 0.02):
        actual = aspect_name(facts.width, facts.height)
        out.append(
            _error(
                name,
                "aspect",
                profile.cover.aspect,
                actual,
                f"cover aspect {actual} is not {profile.cover.aspect}",
                "warning",
            )
        )
    return out


def _read_text(bundle: Path, name: str, findings: list[Finding]) -> str | None:
    p = bundle / name
    if not p.exists():
        return None
    try:
        raw = read_bounded(p, TEXT_FILE_MAX, f"a bundle's {name}")
    except InputError as exc:
        findings.append(_error(name, "file", "readable", "unreadable", exc.what))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        findings.append(_error(name, "encoding", "UTF-8", "not UTF-8", "is not UTF-8 text"))
        return None
    if "\r" in text:
        findings.append(_error(name, "line_endings", "LF", "CRLF", "has CR line endings (LF expected)"))
    return text[:-1] if text.endswith("\n") else text


def _check_text_files(bundle: Path, profile: Profile, kind: str, findings: list[Finding]) -> None:
    caption = _read_text(bundle, CAPTION, findings)
    if caption is None and not (bundle / CAPTION).exists():
        findings.append(_error(CAPTION, "missing", "present", "missing", f"the bundle has no {CAPTION}"))
    title = _read_text(bundle, TITLE, findings)
    tags_text = _read_text(bundle, HASHTAGS, findings) or ""
    hashtags = read_hashtags_file(tags_text)
    findings += check_texts(profile, caption or "", title, hashtags, kind)
    _read_text(bundle, COMMENT, findings)  # a first comment (--overflow comment): UTF-8, LF
    _read_text(bundle, TOPICS, findings)  # topics to pick in the app: UTF-8, LF


def reports_json(reports: list[Report]) -> str:
    """``{"ok", "bundles": [...]}`` exactly as docs/bundles.md gives it."""
    return json.dumps(
        {"ok": all(r.ok for r in reports), "bundles": [r.to_dict() for r in reports]},
        indent=2,
        ensure_ascii=False,
    )
