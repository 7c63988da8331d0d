"""The seam between plan/ and media/: they meet only at the operations (repost/ops.py), and a
bundle's fingerprint hashes an operation, never the ffmpeg arguments media/ spells it with."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import repost
from repost.bundle.fingerprint import canonical, fingerprint
from repost.bundle.make import ExportOptions, plan_post
from repost.media import render
from repost.media.commands import ffmpeg_args
from repost.ops import OPERATIONS, Conform
from repost.platforms.profiles import load_profiles
from repost.post.model import load_post

PACKAGE = Path(repost.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import x (level 1): this package; each level more, one up
                parts = package.split(".")
                base = ".".join(p for p in [*parts[: len(parts) - node.level + 1], base] if p)
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return found


def _crossing(side: str, other: str) -> dict[str, list[str]]:
    wrong = {}
    for path in sorted((PACKAGE / side).rglob("*.py")):
        bad = sorted(m for m in _imports(path) if m == f"repost.{other}" or m.startswith(f"repost.{other}."))
        if bad:
            wrong[str(path.relative_to(PACKAGE))] = bad
    return wrong


def test_plan_and_media_import_nothing_of_each_other_but_the_operations():
    assert _crossing("plan", "media") == {}
    assert _crossing("media", "plan") == {}
    ops = {m for m in _imports(PACKAGE / "ops.py") if m.startswith("repost")}
    assert ops == set(), ops  # a leaf: importing the operations loads neither side


def test_media_runs_without_loading_the_planners():
    code = (
        "import sys, repost.media.files, repost.media.covers, repost.media.slideshow, repost.media.render;"
        "print(sorted(m for m in sys.modules if m.startswith('repost.plan')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def _reversed_pairs(settings):
    """``settings`` (flag, value, flag, value...) with its pairs in the other order."""

    def wrapped(r):
        args = settings(r)
        pairs = [args[i : i + 2] for i in range(0, len(args), 2)]
        return [a for pair in reversed(pairs) for a in pair]

    return wrapped


def test_the_fingerprint_is_the_same_when_media_emits_the_flags_in_another_order(
    write_post, clip_169, tmp_path, monkeypatch
):
    post = load_post(write_post("caption: Hi.\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_169}))
    (plan,) = plan_post(post, [load_profiles()["reels"]], ExportOptions(out=tmp_path / "out", to="reels"))
    (video,) = [s for s in plan.steps if s.dest == "01.mp4"]
    assert isinstance(video.op, Conform) and video.op.rendition.video == "encode"
    before, command = fingerprint(plan), ffmpeg_args(video, video.dest)

    monkeypatch.setattr(render, "x264_settings", _reversed_pairs(render.x264_settings))
    reordered = ffmpeg_args(video, video.dest)
    assert reordered != command and sorted(reordered) == sorted(command)  # the same flags, moved
    assert fingerprint(plan) == before

    # What the operation says does count: another CRF is another bundle.
    other = dataclasses.replace(video.op, rendition=dataclasses.replace(video.op.rendition, crf=20))
    steps = tuple(dataclasses.replace(s, op=other) if s is video else s for s in plan.steps)
    assert fingerprint(dataclasses.replace(plan, steps=steps)) != before


def test_the_encoding_of_an_operation_does_not_depend_on_the_order_of_its_fields():
    assert canonical({"b": 2, "a": (1, None)}) == canonical({"a": (1, None), "b": 2})
    for op_type in OPERATIONS:  # every operation is frozen data, hashable, with a kind of making
        assert dataclasses.is_dataclass(op_type) and op_type.__dataclass_params__.frozen
        assert op_type.action in ("ffmpeg", "copy", "photo", "cover", "slideshow")


def test_a_cover_field_keeps_covers_apart_unless_its_photo_holds_it():
    """Renditions make two platforms' covers once where ``CoverOp.picture`` is equal: a field
    added to CoverOp counts there without being listed by hand (a forgotten one would have two
    platforms share a wrong cover)."""
    from repost.ops import CoverOp, PhotoOp

    photo = PhotoOp(canvas=(720, 960), box=(0, 0, 720, 960), place=(0, 0, 720, 960))
    op = CoverOp(kind="auto", frame=(720, 960), aspect="3:4", fit="pad", photo=photo, times=(1.0, 2.0))
    names = {f.name for f in dataclasses.fields(CoverOp)}
    assert {name for name, _ in op.picture[1:]} == names - CoverOp.HELD_BY_PHOTO
    assert not CoverOp.HELD_BY_PHOTO - names  # no stale name
    # A field the planner spells into ``photo`` does not separate covers; the others do.
    assert dataclasses.replace(op, fit="crop", min_side_px=720).picture == op.picture
    assert dataclasses.replace(op, rotation=90).picture != op.picture
    # The safe area only places text: without a text it makes no other picture.
    assert dataclasses.replace(op, safe_aspect="9:16").picture == op.picture
    texted = dataclasses.replace(op, text="Day 1")
    assert dataclasses.replace(texted, safe_aspect="9:16").picture != texted.picture
