"""A photo post made into a Reels slideshow: one real encode at the profile's 1080x1920, ~3 s."""

from __future__ import annotations

from PIL import Image, ImageDraw

from repost.media.covers import decode_frames
from repost.media.ffmpeg import run_ffmpeg
from repost.media.probe import clear_probe_cache, probe_media


def test_slideshow_for_reels_passes_validate(run, write_post, image_factory, tmp_path):
    audio = tmp_path / "tune.m4a"
    # 2 s of mono 44.1 kHz: shorter than the video (looped) and in the wrong layout and rate.
    run_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100:duration=2", "-c:a", "aac", audio])
    red = tmp_path / "red.jpg"
    picture = Image.new("RGB", (180, 240), (220, 30, 30))
    ImageDraw.Draw(picture).rectangle((0, 0, 45, 30), fill=(255, 255, 0))
    exif = Image.Exif()
    exif[0x0112] = 3  # stored upside down
    picture.save(red, exif=exif)
    media = {"a.jpg": image_factory("s_wide.jpg", size=(320, 180)), "b.jpg": red, "tune.m4a": audio}
    post = write_post("media: [a.jpg, b.jpg]\naudio: tune.m4a\n", media=media, folder="show")
    out = tmp_path / "out"
    # --photo-seconds 1 is stretched to Reels' 3 s minimum: (3 + 0.5 crossfade) / 2 each.
    result = run("export", post, "--to", "reels", "--out", out, "--photo-seconds", "1")
    assert result.code == 0, result.out + result.err
    bundle = out / "show" / "reels"
    assert run("validate", bundle).code == 0
    clear_probe_cache()
    facts = probe_media(bundle / "01.mp4")
    assert (facts.width, facts.height, facts.codec, facts.profile, facts.pix_fmt) == (
        1080, 1920, "h264", "High", "yuv420p",
    )  # fmt: skip
    assert 3.0 <= facts.duration_s <= 3.3 and facts.fps == 30
    assert facts.moov_first is True and facts.edit_list is False
    assert (facts.audio.codec, facts.audio.sample_rate_hz, facts.audio.channels) == ("aac", 48000, 2)
    first, mid, last = decode_frames(bundle / "01.mp4", (0.2, 1.5, 2.9))
    # First photo: landscape in the middle of a blurred fill; the last is the turned 3:4 one.
    assert sum(first.getpixel((540, 960))[:3]) > 200 and first.getpixel((540, 200)) != (255, 255, 255)
    blue, blend, red = (f.getpixel((540, 960)) for f in (first, mid, last))
    assert blue[2] > 150 and red[0] > 180 and red[2] < 80
    assert all(abs(m - (a + b) / 2) < 25 for m, a, b in zip(blend, blue, red, strict=True))  # crossfade
    # 3:4 scaled to 1080x1440 between blurred bands (y 240-1680); upright: the mark bottom-right.
    mark, corner = last.getpixel((1070, 1670)), last.getpixel((10, 250))
    assert min(mark[:2]) > 200 and mark[2] < 80 and corner[0] > 180 and corner[1] < 80
    assert (bundle / "cover.jpg").exists() is False  # no cover asked for: the first frame serves
    assert not list(bundle.glob("*TEMP*")) and not list(out.glob("*.m4a"))
