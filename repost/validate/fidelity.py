"""`validate --against-source`: each bundle file measured against the source its manifest names."""

from __future__ import annotations

import functools
from pathlib import Path

from repost.bundle.manifest import Manifest
from repost.bundle.provenance import window_box
from repost.errors import InputError, MediaError
from repost.inputs import recorded_source
from repost.media import compare
from repost.media.measure import measure_loudness
from repost.media.probe import probe_media
from repost.platforms.rules import Finding

# repost's own fidelity goals (issue 13), not platform rules:
# - an output lasts as long as its source, or its recorded window, within one of its frames;
MIN_SSIM = 0.95  # - its picture area is structurally the source's (SSIM, Wang et al. 2004);
LOUDNESS_TOLERANCE_LU = 1.0  # - it is as loud as its source (ITU-R BS.1770 integrated), or the target;
MAX_TRUE_PEAK_DBTP = -1.0  # - and leaves headroom for the platforms' own AAC encode (EBU R128 s1);
OPENING_S = 2.0  # - and its first seconds are no more black or frozen than the source's,
OPENING_SLACK_S = 0.1  #   give or take this (3 frames at 30 fps; a shorter flash is not seen).
# The output times the pictures are compared at, as fractions of its own (unheld) length: past
# a fade-in, before an end card, and cheap (one seek each).
SAMPLE_FRACTIONS = (0.2, 0.5, 0.8)
SNAP_SHARE = 0.1


def add_source_checks(reports) -> None:
    """Add the against-source findings to each bundle's validate Report (in place)."""
    for report in reports:
        if report.path.is_dir():
            report.findings += check_against_source(report.path)


def check_against_source(bundle: Path) -> list[Finding]:
    """Findings for every media file of ``bundle`` measured against its recorded source."""
    manifest = Manifest.find(bundle)
    if manifest is None:
        return []  # plain validate names what is wrong with it
    post_dir = _post_dir(manifest)
    findings: list[Finding] = []
    for entry in (dict(e.data) for e in manifest.files):
        if entry.get("role") not in ("video", "image", "cover"):
            continue
        name, output = str(entry.get("path")), bundle / str(entry.get("path"))
        record = entry.get("source")
        if not isinstance(record, dict) or not isinstance(record.get("edit"), dict):
            why = "the manifest records no source (made by an older repost: export again with --force)"
            findings.append(_finding(name, "source", "recorded", "not recorded", why, "warning"))
            continue
        others = [r for r in record.get("others") or [] if isinstance(r, dict)]
        problems = [_source_problem(name, r, post_dir) for r in [record, *others]]
        problems = [p for p in problems if p is not None]
        if problems or not output.is_file():  # a missing output: plain validate says so
            findings += problems
            continue
        source = _find_source(record, post_dir)
        try:
            findings += _check_file(name, output, source, entry, record)
        except MediaError as exc:
            findings.append(_finding(name, "source", "measurable", "unreadable", exc.one_line()))
        except (KeyError, TypeError, ValueError, IndexError):  # a hand-edited record, not a crash
            why = "the manifest's source record is malformed (export again with --force)"
            findings.append(_finding(name, "source", "a source record", "malformed", why))
    return findings


def _finding(file, field, limit, actual, message, severity="error") -> Finding:
    return Finding(file, field, limit, actual, f"{file}: {message}", severity)


def _post_dir(manifest: Manifest) -> Path | None:
    source = manifest.post_source
    # Only a post.yaml's own absolute path: an importer's "source" may be a URL or an id.
    if not isinstance(source, str) or "://" in source or not Path(source).is_absolute():
        return None
    return Path(source).parent


def _find_source(record: dict, post_dir: Path | None) -> Path | InputError:
    """The source where it was, else beside the post as it names it (a backlog moved); else why
    not. The user asked for exactly these files, so they are read wherever they are, but only a
    regular file within the media size cap (a manifest naming a FIFO or /dev/zero would hang)."""
    named = record.get("path")
    beside = post_dir / named if post_dir is not None and isinstance(named, str) and named else None
    refusal = None
    for candidate in (record.get("resolved"), beside and str(beside)):
        if not candidate:
            continue
        try:
            return recorded_source(candidate, None, "a source media file")
        except InputError as exc:
            if refusal is None or refusal.what == "no such file":  # the more telling reason
                refusal = exc
    return refusal or InputError("the manifest records no source path")


def _source_problem(name: str, record: dict, post_dir: Path | None) -> Finding | None:
    """An error where the recorded source is gone, unreadable or no longer the same size."""
    path = _find_source(record, post_dir)
    if isinstance(path, InputError):
        if path.what == "no such file":
            where = record.get("resolved") or record.get("path")
            return _finding(name, "source", "present", "missing", f"source {where} is gone")
        return _finding(name, "source", "a readable media file", "unreadable", f"source {path.one_line()}")
    size = path.stat().st_size
    if size != record.get("bytes"):
        was = record.get("bytes")
        text = f"source {path} changed since the bundle was made ({was} bytes, now {size})"
        return _finding(name, "source_bytes", was, size, text)
    return None


def _check_file(name: str, output: Path, source: Path, entry: dict, record: dict) -> list[Finding]:
    edit = record["edit"]
    if edit.get("slideshow"):
        return []  # made of several photos: only that they are all still there is checked
    if entry.get("role") == "video":
        return [
            *check_duration(name, output, source, entry, edit),
            *check_pictures(name, output, source, edit),
            *check_loudness(name, output, source, edit),
            *check_opening(name, output, source, edit),
        ]
    return check_picture_file(name, output, source, record)


def check_duration(name, output, source, entry, edit) -> list[Finding]:
    """The picture lasts as long as the source (or the recorded window, plus any hold)."""
    out_len, src_len = compare.video_length_s(output), compare.video_length_s(source)
    start, window, hold = edit.get("start_s") or 0.0, edit.get("duration_s"), edit.get("hold_s") or 0.0
    expected = min(window, src_len - start) if window is not None else src_len - start
    expected += hold
    frame = 1 / (entry.get("fps") or 30.0)
    if abs(out_len - expected) <= frame + 1e-3:
        return []
    why = "recorded window" if window is not None or hold else "source (no trim, split or hold recorded)"
    text = f"picture lasts {out_len:.2f} s where the {why} gives {expected:.2f} s"
    limit = f"{expected:.3f} ± {frame:.3f}"
    return [
        _finding(name, "duration_s", limit, round(out_len, 3), f"{text} (limit ± one frame, {frame:.3f} s)")
    ]


def check_pictures(name, output, source, edit) -> list[Finding]:
    """SSIM of the output's content box against the source box, at a few times."""
    if picture_copied(output, source, edit):
        return []  # the source's own coded pictures: identical, nothing to decode
    start, hold = edit.get("start_s") or 0.0, edit.get("hold_s") or 0.0
    span = compare.video_length_s(output) - hold
    times = _sample_times(output, source, start, span)
    turn = probe_media(output).rotation
    out_frames = [f[0] for f in compare.sample_frames(output, times, turn) if f]
    src_times = [start + t for t, _ in out_frames]
    src_frames = compare.sample_frames(source, src_times, probe_media(source).rotation, pick="both")
    size = compare.compare_size(edit["content_box"], edit["source_box"])
    box_at = _source_boxes(edit, source)
    worst = None
    for (t, out), candidates in zip(out_frames, src_frames, strict=False):
        mine = compare.region(out, edit["content_box"], size)
        # Each candidate frame through the window of its own time: a pan moves it every frame.
        scores = [compare.ssim(mine, compare.region(src, box_at(st - start), size)) for st, src in candidates]
        score = max(scores, default=0.0)
        worst = min(worst or (score, t), (score, t))
    if worst is None or worst[0] >= MIN_SSIM:
        return []
    return [_ssim_finding(name, worst[0], f" at {worst[1]:.2f} s", edit)]


def _source_boxes(edit: dict, source: Path):
    """The source box at each output time: fixed, or with fit smart the moving window along the
    path the manifest records (bundle/provenance.py), so the crop compared is the crop made."""
    path = edit.get("path")
    if not isinstance(path, dict):
        return lambda t: edit["source_box"]
    facts = probe_media(source)
    size = tuple(edit["source_box"][2:])
    return lambda t: window_box(path, t, size, (facts.width, facts.height))


def _sample_times(output: Path, source: Path, start: float, span: float) -> list[float]:
    """The output times compared: each moved to the source's nearest keyframe within a tenth of
    the length (that source frame is decoded alone, nothing before it; a stream copy shares its
    source's keyframes), else to the output's own, else left where it is."""
    within = span * SNAP_SHARE
    wanted = [span * k for k in SAMPLE_FRACTIONS]
    keys = compare.keyframes_of(source)
    at_source, moved = compare.snap_to_keyframes([start + t for t in wanted], keys, within)
    times = [max(0.0, a - start) if m else t for a, m, t in zip(at_source, moved, wanted, strict=True)]
    own, _ = compare.snap_to_keyframes(times, compare.keyframes_of(output), within)
    return [t if m else o for t, m, o in zip(times, moved, own, strict=True)]


def _ssim_finding(name: str, score: float, when: str, edit: dict) -> Finding:
    boxes = f"source box {_box(edit['source_box'])} in output box {_box(edit['content_box'])}"
    text = f"picture SSIM {score:.3f}{when} < {MIN_SSIM} against the source ({edit.get('fit')}: {boxes})"
    return _finding(name, "ssim", MIN_SSIM, round(score, 3), text)


def _box(box) -> str:
    x, y, w, h = box
    return f"{w}x{h}+{x}+{y}"


def check_loudness(name, output, source, edit) -> list[Finding]:
    """Integrated loudness within ±1 LU of the source's (or the recorded target), true peak at
    most -1 dBTP (a warning where the source itself peaks over it and a copy kept that)."""
    if edit.get("audio") in ("none", "silent", None):
        return []
    src = measure_loudness(source, start_s=edit.get("start_s") or None, duration_s=edit.get("duration_s"))
    try:
        # Measured, never read from the manifest: a recorded figure proves nothing about the file.
        out = measure_loudness(output)
    except MediaError:
        return [_finding(name, "audio", "an audio track", "none", "has no audio where the source has")]
    found = []
    target = edit.get("loudness_lufs")
    ref, what = (target, "the target") if target is not None else (src.integrated_lufs, "the source")
    have = out.integrated_lufs
    if ref is not None and (have is None or abs(have - ref) > LOUDNESS_TOLERANCE_LU):
        shown = "silent" if have is None else f"{have:.1f} LUFS"
        limit = f"{ref:.1f} ± {LOUDNESS_TOLERANCE_LU:g}"
        text = f"loudness {shown} where {what} is {ref:.1f} LUFS (limit ± {LOUDNESS_TOLERANCE_LU:g} LU)"
        found.append(_finding(name, "integrated_lufs", limit, have, text))
    peak = out.true_peak_dbtp
    if peak is not None and peak > MAX_TRUE_PEAK_DBTP:
        inherited = target is None and src.true_peak_dbtp is not None and src.true_peak_dbtp >= peak - 0.5
        note = f" (the source's own peak is {src.true_peak_dbtp:.1f} dBTP)" if inherited else ""
        text = f"true peak {peak:.1f} dBTP > {MAX_TRUE_PEAK_DBTP:g} dBTP{note}"
        severity = "warning" if inherited else "error"
        found.append(_finding(name, "true_peak_dbtp", MAX_TRUE_PEAK_DBTP, peak, text, severity))
    return found


def picture_copied(output: Path, source: Path, edit: dict) -> bool:
    """A stream copy, whole, whose video packets are the source's own, byte for byte."""
    whole = (
        not (edit.get("start_s") or edit.get("hold_s") or edit.get("fps")) and edit.get("duration_s") is None
    )
    if edit.get("fit") != "none" or not whole:
        return False
    stamps = tuple((p.stat().st_size, p.stat().st_mtime_ns) for p in (output, source))
    return _same_pictures(str(output), str(source), stamps)


@functools.lru_cache(maxsize=16)  # asked by the picture and the opening checks of one file
def _same_pictures(output: str, source: str, _stamps) -> bool:
    return compare.same_pictures(output, source)


def check_opening(name, output, source, edit) -> list[Finding]:
    """No black or frozen opening longer than the source's own (at its recorded start)."""
    if picture_copied(output, source, edit):
        return []  # the same coded pictures open the same way
    out = compare.measure_opening(output, 0.0, OPENING_S)
    src = compare.measure_opening(source, edit.get("start_s") or 0.0, OPENING_S)
    found = []
    for field, word, have, ref in (
        ("black_opening_s", "black", out.black_s, src.black_s),
        ("frozen_opening_s", "frozen", out.frozen_s, src.frozen_s),
    ):
        if have - ref > OPENING_SLACK_S:
            text = f"opens on {have:.2f} s of {word} picture where the source has {ref:.2f} s"
            limit = round(ref + OPENING_SLACK_S, 3)
            found.append(_finding(name, field, limit, have, f"{text} (limit + {OPENING_SLACK_S:g} s)"))
    return found


def check_picture_file(name, output, source, record) -> list[Finding]:
    """A photo or cover: SSIM of its content box against the source box (for a cover from a
    video, against the best of its candidate frames). A cover with text is not compared."""
    edit = record["edit"]
    if edit.get("text"):
        return []
    size = compare.compare_size(edit["content_box"], edit["source_box"])
    out = compare.region(compare.open_image_grey(output), edit["content_box"], size)
    if record.get("kind") == "video":
        # The frame an automatic pick chose, where the manifest records it; else its candidates.
        chosen = edit.get("frame_s")
        times = [chosen] if isinstance(chosen, int | float) else edit.get("times") or [0.0]
        turn = record.get("rotation") or 0
        frames = compare.sample_frames(source, times, turn, pick="at_or_after")
        pictures = [grey for found in frames for _, grey in found]
    else:
        pictures = [compare.open_image_grey(source)]
    score = max(compare.ssim(out, compare.region(p, edit["source_box"], size)) for p in pictures)
    if score >= MIN_SSIM:
        return []
    return [_ssim_finding(name, score, "", edit)]
