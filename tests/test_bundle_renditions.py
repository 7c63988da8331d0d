"""Grouping a run's encodes: identical renditions once, shared decodes within the memory budget."""

from pathlib import Path

from repost.bundle.renditions import (
    MAX_ENCODER_THREADS,
    SHARED_DECODE_MAX_PIXELS,
    group_encodes,
    threads_per_encode,
)
from repost.ops import AudioPlan, Conform, Remux, Rendition, SourceVideo
from repost.plan.step import Step

SOURCE = SourceVideo(1920, 1080, 30.0, "h264", 3.0)


def conform_step(source: str, w: int, h: int, *, start=0.0, audio="copy") -> Step:
    r = Rendition("encode", w, h, "blur", w, h // 2, "30/1", start_s=start, audio=AudioPlan(audio))
    return Step(Path(source), "01.mp4", "video", Conform(r, SOURCE), 3.0)


def sizes(groups):
    return [[(s.rendition.width, s.rendition.height) for s in g] for g in groups]


def test_small_renditions_of_one_source_share_a_decode_and_duplicates_collapse():
    steps = [
        conform_step("/a.mp4", 640, 1138),
        conform_step("/a.mp4", 720, 960),
        conform_step("/a.mp4", 640, 1138),
    ]
    assert sizes(group_encodes(steps)) == [[(640, 1138), (720, 960)]]


def test_full_size_renditions_run_apart_to_bound_memory():
    steps = [conform_step("/a.mp4", 1080, 1920), conform_step("/a.mp4", 1080, 1440)]
    assert SHARED_DECODE_MAX_PIXELS < 1080 * 1920 + 1080 * 1440
    assert sizes(group_encodes(steps)) == [[(1080, 1920)], [(1080, 1440)]]


def test_other_sources_parts_silent_tracks_and_remuxes_never_share():
    remux = Step(Path("/a.mp4"), "01.mp4", "video", Remux("h264", drop_edit_list=True))
    steps = [
        conform_step("/a.mp4", 360, 640),
        conform_step("/b.mp4", 360, 640),
        conform_step("/a.mp4", 360, 640, start=10.0),
        conform_step("/a.mp4", 368, 640, audio="silent"),
        remux,
    ]
    assert [len(g) for g in group_encodes(steps)] == [1, 1, 1, 1, 1]


def test_remuxes_of_one_source_share_a_reading_of_it():
    def remux(source: str, drop: bool) -> Step:
        return Step(Path(source), "01.mp4", "video", Remux("h264", drop_edit_list=drop))

    steps = [remux("/a.mp4", True), conform_step("/a.mp4", 360, 640), remux("/a.mp4", False)]
    steps += [remux("/b.mp4", True), remux("/a.mp4", True)]  # the last one a duplicate
    groups = group_encodes(steps)
    shapes = [
        [(str(s.source), s.op.drop_edit_list if isinstance(s.op, Remux) else None) for s in g] for g in groups
    ]
    assert shapes == [[("/a.mp4", True), ("/a.mp4", False)], [("/a.mp4", None)], [("/b.mp4", True)]]


def test_threads_are_split_between_parallel_runs_and_capped():
    import os

    cores = len(os.sched_getaffinity(0))
    assert threads_per_encode(1) == max(1, min(MAX_ENCODER_THREADS, cores))
    assert threads_per_encode(2) == max(1, min(MAX_ENCODER_THREADS, cores // 2))
    assert threads_per_encode(1000) == 1


def test_covers_that_come_out_the_same_are_made_once(write_post, clip_169, run, tmp_path, monkeypatch):
    """TikTok's and Reels' covers of a 16:9 clip differ only in Reels' safe area, which places
    a cover text: without one they are one picture, made once and placed in both bundles."""
    import repost.media.files as files

    made = []
    real = files.make_cover
    monkeypatch.setattr(files, "make_cover", lambda step, dest: made.append(step.op) or real(step, dest))
    plain = write_post("title: t\nmedia: [clip.mp4]\n", {"clip.mp4": clip_169})
    assert run("export", plain, "--to", "tiktok,reels", "--fit", "blur", "--out", tmp_path / "a").code == 0
    assert len(made) == 1
    covers = [(tmp_path / "a" / plain.name / p / "cover.jpg").read_bytes() for p in ("tiktok", "reels")]
    assert covers[0] == covers[1]
    made.clear()
    texted = write_post("title: t\ncover_text: Day one\nmedia: [clip.mp4]\n", {"clip.mp4": clip_169})
    assert run("export", texted, "--to", "tiktok,reels", "--fit", "blur", "--out", tmp_path / "b").code == 0
    assert len(made) == 2 and made[0].safe_aspect != made[1].safe_aspect  # the text sits apart
