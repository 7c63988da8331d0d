"""Tests for repost.media.probe and the atoms and ffmpeg helpers under it, on generated media."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from repost.errors import MediaError
from repost.media.atoms import read_mp4_layout
from repost.media.ffmpeg import find_ffmpeg, run_ffmpeg, safe_path
from repost.media.probe import clear_probe_cache, probe_media
from repost.media.probe_image import ImageFacts
from repost.media.probe_video import AudioFacts, VideoFacts


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_probe_cache()
    yield
    clear_probe_cache()


# --- video ----------------------------------------------------------------------------------


def test_clip_916_video_facts(clip_916):
    facts = probe_media(clip_916)
    assert isinstance(facts, VideoFacts) and facts.kind == "video"
    assert facts.path == clip_916.resolve()
    assert facts.bytes == clip_916.stat().st_size
    assert facts.container == "mp4"
    assert (facts.codec, facts.profile) == ("h264", "High")
    assert (facts.pix_fmt, facts.bit_depth) == ("yuv420p", 8)
    assert (facts.width, facts.height) == (360, 640)
    assert (facts.coded_width, facts.coded_height) == (360, 640)
    assert facts.rotation == 0
    assert facts.aspect == pytest.approx(9 / 16)
    assert facts.fps == pytest.approx(30) and facts.fps_fraction == "30/1"
    assert facts.vfr is False
    assert facts.frame_count == 30
    assert facts.duration_s == pytest.approx(1.0, abs=0.1)
    assert facts.bitrate_bps and facts.bitrate_bps > 0
    assert facts.hdr is False
    assert facts.moov_first is True
    assert facts.edit_list is False


def test_clip_916_audio_facts(clip_916):
    audio = probe_media(clip_916).audio
    assert audio == AudioFacts(
        codec="aac",
        profile="LC",
        channels=2,
        layout="stereo",
        sample_rate_hz=48000,
        bitrate_bps=audio.bitrate_bps,
        start_s=0.0,
    )
    assert audio.bitrate_bps and 32_000 < audio.bitrate_bps < 512_000


def test_clip_169_is_landscape(clip_169):
    facts = probe_media(clip_169)
    assert (facts.width, facts.height) == (640, 360)
    assert facts.aspect == pytest.approx(16 / 9)
    assert facts.audio.sample_rate_hz == 44100


def test_rotation_swaps_displayed_size(clip_rotated):
    facts = probe_media(clip_rotated)
    assert facts.rotation == 90
    assert (facts.coded_width, facts.coded_height) == (640, 360)
    assert (facts.width, facts.height) == (360, 640)
    assert facts.moov_first is True  # the remux kept faststart


def _decoded_rotation(path) -> int:
    """The rotation PyAV shows on the first decoded frame (the probe's way before tkhd)."""
    import av

    with av.open(str(path)) as container:
        return next(container.decode(video=0)).rotation


@pytest.mark.parametrize(
    "display",
    [
        ("90",),
        ("180",),
        ("270",),
        ("-90",),
        ("30",),
        ("90", "hflip"),
        ("0", "vflip"),
        ("0", "hflip", "vflip"),
    ],
)
def test_rotation_read_from_the_boxes_is_what_a_decoded_frame_shows(clip_169, display, tmp_path):
    angle, *flips = display
    path = tmp_path / "turned.mp4"
    flags = [f"-display_{flip}" for flip in flips]
    run_ffmpeg(["-display_rotation", angle, *flags, "-i", clip_169, "-c", "copy", path])
    boxed = read_mp4_layout(path).video_rotation
    decoded = _decoded_rotation(path)
    assert int(boxed) == decoded
    facts = probe_media(path)
    assert facts.rotation == (round(decoded / 90) * 90) % 360


def test_an_mp4_is_probed_without_decoding_a_frame(clip_rotated, monkeypatch):
    import repost.media.probe_video as probe_video

    def no_decode(*args, **kwargs):
        raise AssertionError("a frame was decoded to read the rotation")

    monkeypatch.setattr(probe_video, "_first_frame_rotation", no_decode)
    assert probe_media(clip_rotated).rotation == 90


def test_51_audio(clip_51):
    audio = probe_media(clip_51).audio
    assert (audio.channels, audio.layout, audio.sample_rate_hz) == (6, "5.1", 48000)


def test_moov_at_end_and_default_edit_list(clip_moov_end):
    facts = probe_media(clip_moov_end)
    assert facts.moov_first is False
    # ffmpeg's default edit list skips the AAC encoder's 1024 priming samples (media_time
    # 1024), so a clip made without -use_editlist 0 has a non-trivial one.
    assert facts.edit_list is True
    assert facts.vfr is False and facts.fps == pytest.approx(30)


@pytest.mark.parametrize("fixture", ["clip_916", "clip_moov_end"])
def test_a_file_cut_short_is_named_not_taken_as_a_shorter_video(fixture, request, tmp_path):
    # A download or copy that stopped: moov first, the media data cut; or moov lost at the end.
    whole = request.getfixturevalue(fixture)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    with pytest.raises(MediaError) as info:
        probe_media(cut)
    assert str(info.value.where) == str(cut)
    assert info.value.what == "the file is cut short: it ends inside its media data"
    assert probe_media(whole).moov_first is not None  # the whole file still reads


def test_vfr_clip(clip_vfr):
    facts = probe_media(clip_vfr)
    assert facts.vfr is True
    assert facts.frame_count == 60  # 30 frames in the first second, then 30 more at 10 fps
    assert 3.7 < facts.duration_s < 4.1  # last frame at 3.9 s; ffmpeg reports 3.8
    assert facts.fps == pytest.approx(60 / facts.duration_s, rel=0.05)
    assert facts.audio is None


def test_webm_vp9_is_demuxed(media_factory):
    clip = media_factory(
        "clip.webm", size="320x240", vcodec="libvpx-vp9", acodec="libopus", sample_rate=48000
    )
    facts = probe_media(clip)
    assert (facts.container, facts.codec) == ("webm", "vp9")
    assert facts.frame_count == 30 and facts.vfr is False and facts.fps == pytest.approx(30)
    assert (facts.moov_first, facts.edit_list) == (None, None)
    assert (facts.audio.codec, facts.audio.sample_rate_hz) == ("opus", 48000)


def test_hevc_10bit_hdr(media_factory):
    clip = media_factory(
        "clip_hdr.mp4",
        size="320x240",
        vcodec="libx265",
        pix_fmt="yuv420p10le",
        audio=None,
        # setparams tags the frames; ffmpeg 7+ encoders take colour from frames, not from
        # -color_primaries and friends given as output options.
        extra_args=(
            "-tag:v",
            "hvc1",
            "-vf",
            "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc:range=tv",
        ),
    )
    facts = probe_media(clip)
    assert (facts.codec, facts.profile) == ("hevc", "Main 10")
    assert (facts.pix_fmt, facts.bit_depth) == ("yuv420p10le", 10)
    assert (facts.color_primaries, facts.color_transfer) == ("bt2020", "smpte2084")
    assert (facts.color_space, facts.color_range) == ("bt2020nc", "tv")
    assert facts.hdr is True


def test_file_without_extension_probes_as_video(clip_916, tmp_path):
    bare = tmp_path / "VID_20250119_0001"
    shutil.copyfile(clip_916, bare)
    facts = probe_media(bare)
    assert isinstance(facts, VideoFacts)
    assert (facts.container, facts.codec, facts.width) == ("mp4", "h264", 360)


def test_video_to_dict_is_json_ready(clip_916):
    data = probe_media(clip_916).to_dict()
    assert data["path"] == str(clip_916.resolve())
    assert data["audio"]["channels"] == 2
    assert json.loads(json.dumps(data)) == data


# --- images ---------------------------------------------------------------------------------


def test_jpeg_34(image_jpeg_34):
    facts = probe_media(image_jpeg_34)
    assert isinstance(facts, ImageFacts) and facts.kind == "image"
    assert (facts.format, facts.mode) == ("jpeg", "RGB")
    assert (facts.width, facts.height, facts.aspect) == (600, 800, 0.75)
    assert (facts.orientation, facts.icc, facts.icc_name, facts.gps) == (1, False, None, False)
    assert (facts.frame_count, facts.has_alpha) == (1, False)


def test_jpeg_exif_orientation_icc_and_gps(image_factory):
    path = image_factory("oriented.jpg", size=(800, 600), orientation=6, icc=True, gps=True)
    facts = probe_media(path)
    assert facts.orientation == 6
    assert (facts.width, facts.height) == (600, 800)  # stored landscape, shown portrait
    assert facts.icc is True and "sRGB" in facts.icc_name
    assert facts.gps is True


def test_png_alpha(image_png_alpha):
    facts = probe_media(image_png_alpha)
    assert (facts.format, facts.mode, facts.has_alpha) == ("png", "RGBA", True)
    assert (facts.width, facts.height) == (400, 400)


def test_animated_gif_counts_frames(image_factory):
    facts = probe_media(image_factory("anim.gif", size=(120, 90), frames=3))
    assert (facts.format, facts.frame_count) == ("gif", 3)


def test_heic_without_extension(image_factory):
    pytest.importorskip("pillow_heif")
    facts = probe_media(image_factory("IMG_0042", size=(300, 400), format="HEIF", gps=True))
    assert isinstance(facts, ImageFacts)
    assert (facts.format, facts.width, facts.height, facts.gps) == ("heif", 300, 400, True)
    json.dumps(facts.to_dict())


# --- errors and cache -----------------------------------------------------------------------


def test_text_file_named_mp4_is_refused(tmp_path):
    fake = tmp_path / "holiday.mp4"
    fake.write_text("this is not a video\n" * 20)
    with pytest.raises(MediaError, match="not a video or image file") as info:
        probe_media(fake)
    assert info.value.where and "holiday.mp4" in info.value.where
    assert info.value.hint


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(MediaError, match="file not found"):
        probe_media(tmp_path / "nope.mp4")
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(MediaError, match="empty file"):
        probe_media(tmp_path / "empty.jpg")


def test_damaged_image_is_a_media_error(tmp_path, image_jpeg_34):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(MediaError, match="cannot read image"):
        probe_media(broken)


def test_cache_returns_same_object_until_file_changes(clip_916, tmp_path):
    first = probe_media(clip_916)
    assert probe_media(str(clip_916)) is first
    clear_probe_cache()
    again = probe_media(clip_916)
    assert again is not first and again == first
    copy = tmp_path / "copy.mp4"
    shutil.copyfile(clip_916, copy)
    before = probe_media(copy)
    os.utime(copy, ns=(0, before.path.stat().st_mtime_ns + 1_000_000))
    assert probe_media(copy) is not before


# --- ffmpeg runner and atoms ------------------------------------------------------------------


def test_safe_path_guards_option_and_url_lookalikes(tmp_path):
    assert safe_path("-y.mp4") == f".{os.sep}-y.mp4"
    assert safe_path(Path("concat:a.mp4")) == f".{os.sep}concat:a.mp4"
    assert safe_path("clip.mp4") == "clip.mp4"
    assert safe_path(tmp_path / "-y.mp4") == str(tmp_path / "-y.mp4")


def test_dash_named_file_round_trips_through_ffmpeg(clip_916, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(clip_916, "-y.mp4")
    # A bare "-y.mp4" would be read as the -y option; Path arguments are guarded automatically.
    run_ffmpeg(["-i", safe_path("-y.mp4"), "-c", "copy", Path("-out.mp4")])
    assert probe_media("-out.mp4").codec == "h264"


def test_ffmpeg_failure_carries_command_tail_and_hint():
    args = ["-f", "lavfi", "-i", "testsrc2=duration=0.1", "-c:v", "no_such_enc", "-f", "null", "-"]
    with pytest.raises(MediaError, match="ffmpeg failed") as info:
        run_ffmpeg(args, where="in.mp4")
    err = info.value
    assert err.where == "in.mp4"
    assert err.command[-len(args) :] == tuple(args) and "-nostdin" in err.command
    assert "Unknown encoder" in err.stderr_tail
    assert "encoder" in err.hint


def test_find_ffmpeg_honours_env(monkeypatch, tmp_path):
    real = find_ffmpeg()
    monkeypatch.setenv("REPOST_FFMPEG", real)
    assert find_ffmpeg() == real
    monkeypatch.setenv("REPOST_FFMPEG", str(tmp_path / "no-ffmpeg"))
    with pytest.raises(MediaError, match="REPOST_FFMPEG"):
        find_ffmpeg()


def _box(kind: bytes, payload: bytes = b"", size: int | None = None) -> bytes:
    return (size if size is not None else 8 + len(payload)).to_bytes(4, "big") + kind + payload


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"not an mp4 at all", None),
        (_box(b"ftyp", size=4), None),  # size below the header: malformed, not looped on
        (_box(b"ftyp", b"qt  \0\0\0\0qt  ") + _box(b"mdat", size=0) + b"x" * 50, "qt  "),
        (_box(b"ftyp", b"isom\0\0\0\0") + _box(b"mdat", size=10**9), "isom"),  # past EOF
    ],
)
def test_mp4_layout_on_odd_files(tmp_path, data, expected):
    path = tmp_path / "odd.bin"
    path.write_bytes(data)
    layout = read_mp4_layout(path)
    if expected is None:
        assert layout is None
    else:
        assert layout.major_brand == expected
        assert (layout.moov_first, layout.edit_list) == (False, False)


def test_mp4_layout_reads_64bit_sizes_and_elst_v1(tmp_path):
    elst = _box(b"elst", b"\x01\0\0\0" + (1).to_bytes(4, "big")
                + (1000).to_bytes(8, "big") + (-1).to_bytes(8, "big", signed=True)
                + (0x10000).to_bytes(4, "big"))  # fmt: skip
    moov = _box(b"moov", _box(b"trak", _box(b"edts", elst)))
    big_free = (1).to_bytes(4, "big") + b"free" + (24).to_bytes(8, "big") + b"\0" * 8
    path = tmp_path / "v1.mp4"
    path.write_bytes(_box(b"ftyp", b"mp42\0\0\0\0") + big_free + moov + _box(b"mdat", b"\0"))
    layout = read_mp4_layout(path)
    assert (layout.major_brand, layout.moov_first, layout.edit_list) == ("mp42", True, True)


def test_a_crafted_matrix_reads_as_ffmpeg_reads_it(clip_169, tmp_path):
    """mov_read_tkhd sums the track-times-movie matrix into 32-bit ints, which wrap: entries of
    ~32767 in the track and 2 in the movie come out at -2 there (a turn of 180 degrees), where
    exact arithmetic would read no turn. The probe must turn the picture as ffmpeg will."""
    data = bytearray(clip_169.read_bytes())
    tkhd, mvhd = data.index(b"tkhd") + 4, data.index(b"mvhd") + 4  # each box's payload
    assert data[tkhd] == 0 and data[mvhd] == 0  # version 0: the matrix 40 and 36 bytes in
    huge, two = (0x7FFF0000).to_bytes(4, "big"), (0x00020000).to_bytes(4, "big")
    for at, value in ((tkhd + 40, huge), (mvhd + 36, two)):
        data[at : at + 4] = value  # a (16.16)
        data[at + 16 : at + 20] = value  # d (16.16)
    path = tmp_path / "crafted.mp4"
    path.write_bytes(bytes(data))
    decoded = _decoded_rotation(path)
    assert decoded in (180, -180)
    assert abs(read_mp4_layout(path).video_rotation) == 180
    assert probe_media(path).rotation == 180
