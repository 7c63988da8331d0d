"""Stream copies made in process come out as ffmpeg's command line makes them: the same packets,
timestamps and edit-list choice, the display matrix kept, metadata and chapters gone; sources the
in-process path does not cover go to ffmpeg."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from repost.errors import MediaError
from repost.media import files, measure
from repost.media.atoms import read_mp4_layout
from repost.media.commands import remux_args
from repost.media.ffmpeg import run_ffmpeg
from repost.media.probe import probe_media
from repost.media.remux import remux_in_process
from repost.ops import Remux
from repost.plan.step import Step


@pytest.fixture(scope="session")
def clip_late_picture(media_factory) -> Path:
    """B-frames muxed without an edit list and without negative offsets: the picture starts two
    frames after the sound (what phone apps and the benchmark's backlog write)."""
    return media_factory("late_picture.mp4", duration=2.0, sample_rate=48000,
                         extra_args=("-bf", "3", "-use_editlist", "0"))  # fmt: skip


@pytest.fixture(scope="session")
def clip_hevc_hev1(media_factory) -> Path:
    """HEVC tagged hev1 (ffmpeg's default), which a remux tags hvc1."""
    return media_factory("hevc_hev1.mp4", vcodec="libx265", duration=1.5, sample_rate=48000)


@pytest.fixture(scope="session")
def mov_timescale_600(media_factory) -> Path:
    """An iPhone-style MOV: the video in a 1/600 time base (below the mov muxer's 10,000, which
    it doubles its own track timescale up to), 30000/1001 fps, 44.1 kHz sound, B-frames."""
    return media_factory("timescale600.mov", fps=30000 / 1001, duration=1.5,
                         extra_args=("-bf", "3", "-video_track_timescale", "600"))  # fmt: skip


@pytest.fixture(scope="session")
def clip_mute(media_factory) -> Path:
    return media_factory("mute_bframes.mp4", audio=None, fps=25, extra_args=("-bf", "3"))


@pytest.fixture(scope="session")
def mov_with_extras(media_dir: Path, clip_bframes: Path) -> Path:
    """A MOV with what a remux drops: title and location tags, a chapter, a timecode track."""
    path = media_dir / "extras.mov"
    if path.exists():
        return path
    chapters = media_dir / "chapters.txt"
    chapters.write_text(";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle=one\n")
    run_ffmpeg(["-y", "-i", clip_bframes, "-i", chapters, "-map", "0", "-map_chapters", "1",
                "-c", "copy", "-metadata", "title=secret", "-metadata", "location=+12.3+045.6/",
                "-timecode", "01:00:00:00", path])  # fmt: skip
    return path


def packets(path: Path) -> dict[str, list[tuple]]:
    """Every packet of each stream: timestamps, duration, keyframe flag and a hash of its data."""
    import av

    seen: dict[str, list[tuple]] = {}
    with av.open(str(path)) as container:
        for p in container.demux():
            if p.size:
                digest = hashlib.sha1(bytes(p)).hexdigest()
                seen.setdefault(p.stream.type, []).append((p.pts, p.dts, p.duration, p.is_keyframe, digest))
    return seen


def movie_timescale(path: Path) -> int:
    """The mvhd box's timescale: the units of the movie's and the edit lists' durations."""
    data = path.read_bytes()
    at = data.index(b"mvhd") + 4  # version, flags; then the times, 4 bytes each (8 in version 1)
    offset = at + 4 + (16 if data[at] == 1 else 8)
    return int.from_bytes(data[offset : offset + 4], "big")


def stream_facts(s) -> tuple:
    if s.codec_context is None:  # a data stream: PyAV 18 crashes on its codec_tag
        return (s.type,)
    return (s.type, s.codec_context.name, s.codec_tag, str(s.time_base), s.start_time, s.duration)


def shape(path: Path) -> dict:
    """What a player and a platform read from the container besides the packets."""
    import av

    with av.open(str(path)) as container:
        streams = [stream_facts(s) for s in container.streams]
        tags = {k: v for k, v in container.metadata.items() if k not in {"major_brand", "minor_version",
                "compatible_brands", "encoder"}}  # fmt: skip
        chapters = len(container.chapters())
    layout = read_mp4_layout(path)
    facts = probe_media(path)
    return {
        "streams": streams,
        "tags": tags,
        "chapters": chapters,
        "moov_first": layout.moov_first,
        "edit_list": layout.edit_list,
        "movie_timescale": movie_timescale(path),
        "rotation": facts.rotation,
        "size": (facts.width, facts.height),
    }


SOURCES = [
    "clip_bframes",
    "clip_late_picture",
    "clip_rotated",
    "clip_hevc_hev1",
    "clip_mute",
    "mov_with_extras",
    "mov_timescale_600",
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("drop_edit_list", [False, True], ids=["edit-list", "no-edit-list"])
@pytest.mark.parametrize("source", SOURCES)
def test_an_in_process_copy_is_what_ffmpeg_writes(request, source, drop_edit_list, tmp_path):
    src = request.getfixturevalue(source)
    op = Remux(probe_media(src).codec, drop_edit_list=drop_edit_list)
    ours, theirs = tmp_path / "ours.mp4", tmp_path / "ffmpeg.mp4"
    assert remux_in_process(op, src, ours)
    run_ffmpeg(remux_args(op, src, theirs))
    assert packets(ours) == packets(theirs)
    assert shape(ours) == shape(theirs)
    made = shape(ours)
    assert made["tags"] == {} and made["chapters"] == 0 and made["moov_first"]
    assert made["edit_list"] is not drop_edit_list  # every source here has B-frames
    assert [s[0] for s in made["streams"]] == (["video"] if source == "clip_mute" else ["video", "audio"])
    if source == "clip_hevc_hev1":
        assert made["streams"][0][2] == "hvc1"
    if source == "mov_with_extras":  # what was dropped was there
        given = shape(src)
        assert given["tags"]["title"] == "secret" and given["chapters"] == 1
        assert "data" in [s[0] for s in given["streams"]]  # the timecode track
    if source == "clip_rotated":
        assert made["rotation"] == 90 and made["size"] == (360, 640)


def test_the_picture_of_a_copy_without_edit_list_starts_with_its_sound(clip_bframes, tmp_path):
    import av

    out = tmp_path / "reels.mp4"
    assert remux_in_process(Remux("h264", drop_edit_list=True), clip_bframes, out)
    with av.open(str(out)) as container:
        starts = {s.type: float(s.start_time * s.time_base) for s in container.streams}
    assert starts == {"video": 0.0, "audio": 0.0}


@pytest.mark.parametrize("name, extra", [("clip.mkv", ()), ("anamorphic.mp4", ("-aspect", "4:3"))])
def test_sources_it_does_not_cover_go_to_ffmpeg(media_factory, name, extra, tmp_path, monkeypatch):
    src = media_factory(name, duration=1.0, extra_args=extra)
    dest = tmp_path / "01.mp4"
    assert not remux_in_process(Remux("h264", drop_edit_list=True), src, dest)
    assert not dest.exists()
    ran = []
    monkeypatch.setattr(files, "run_ffmpeg", lambda args, **kw: ran.append(args) or run_ffmpeg(args, **kw))
    files.make_file(Step(src, "01.mp4", "video", Remux("h264", drop_edit_list=True), 1.0), dest)
    assert len(ran) == 1 and "copy" in ran[0] and read_mp4_layout(dest).moov_first


def test_make_file_copies_an_mp4_without_starting_ffmpeg(clip_bframes, tmp_path, monkeypatch):
    def no_ffmpeg(*args, **kwargs):
        raise AssertionError("ffmpeg started for a stream copy")

    monkeypatch.setattr(files, "run_ffmpeg", no_ffmpeg)
    done = []
    dest = tmp_path / "01.mp4"
    step = Step(clip_bframes, "01.mp4", "video", Remux("h264", drop_edit_list=False), 3.5)
    files.make_file(step, dest, progress=done.append)
    assert done == [1.0] and packets(dest)["video"] == packets(clip_bframes)["video"]


@pytest.mark.parametrize("source", ["clip_bframes", "mov_timescale_600"])
def test_both_copies_of_a_post_come_from_one_reading_of_its_source(request, source, tmp_path, monkeypatch):
    """Muxing rescales a packet in place: the second copy must not get the first's timestamps
    or durations (a 1/600 source's last frame came out 32 times as long)."""

    def no_ffmpeg(*args, **kwargs):
        raise AssertionError("ffmpeg started for a stream copy")

    src = request.getfixturevalue(source)
    monkeypatch.setattr(files, "run_ffmpeg", no_ffmpeg)
    ops = [Remux("h264", drop_edit_list=False), Remux("h264", drop_edit_list=True)]
    steps = [Step(src, "01.mp4", "video", op, 3.5) for op in ops]
    together = [tmp_path / "edit.mp4", tmp_path / "no-edit.mp4"]
    files.make_shared(steps, together)
    for op, made in zip(ops, together, strict=True):
        alone = tmp_path / f"alone-{made.name}"
        assert remux_in_process(op, src, alone)
        assert packets(made) == packets(alone) and shape(made) == shape(alone)
        assert made.read_bytes() == alone.read_bytes()


def test_copies_of_a_source_it_does_not_cover_are_each_made_by_ffmpeg(media_factory, tmp_path, monkeypatch):
    src = media_factory("clip.mkv", duration=1.0, extra_args=())
    ran = []
    monkeypatch.setattr(files, "run_ffmpeg", lambda args, **kw: ran.append(args) or run_ffmpeg(args, **kw))
    ops = [Remux("h264", drop_edit_list=False), Remux("h264", drop_edit_list=True)]
    dests = [tmp_path / "edit.mp4", tmp_path / "no-edit.mp4"]
    files.make_shared([Step(src, "01.mp4", "video", op, 1.0) for op in ops], dests)
    assert len(ran) == 2 and all(read_mp4_layout(d).moov_first for d in dests)
    assert [read_mp4_layout(d).edit_list for d in dests] == [True, False]


def test_a_copy_meters_its_sound_on_the_way(clip_fits_all, tmp_path, monkeypatch):
    from repost.media import loudness
    from repost.media.measure import measure_loudness

    expected = measure_loudness(clip_fits_all)
    loudness.clear_loudness_cache()
    step = Step(clip_fits_all, "01.mp4", "video", Remux("h264", drop_edit_list=True), 3.2)
    files.make_file(step, tmp_path / "01.mp4")

    def no_second_reading(*args, **kwargs):
        raise AssertionError("the source was read again to measure its sound")

    monkeypatch.setattr(measure, "measure_whole", no_second_reading)
    monkeypatch.setattr(measure, "run_ffmpeg", no_second_reading)
    try:
        assert loudness.measure_levels(clip_fits_all).source == expected
    finally:
        loudness.clear_loudness_cache()


def test_a_damaged_source_gets_ffmpegs_error(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 200)
    dest = tmp_path / "01.mp4"
    with pytest.raises(MediaError) as caught:
        files.make_file(Step(bad, "01.mp4", "video", Remux("h264", drop_edit_list=True), 1.0), dest)
    assert caught.value.hint and not dest.exists()
