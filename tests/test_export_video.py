"""export of video that needs conforming: shared encodes, dry-run, fit, split, and valid bundles."""

import json
import shlex

import yaml

from repost.bundle.build import threads_per_encode
from repost.media.probe import probe_media
from repost.platforms.profiles import builtin_profile_dir

PLATFORMS = ["lemon8", "rednote", "reels", "tiktok"]

FOUR = "tiktok,reels,rednote,lemon8"  # the four platforms these counts are written for


def count_encodes(monkeypatch):
    """Every libx264 run of ffmpeg, as the list of its argument lists."""
    from repost.media import files

    runs = []
    real = files.run_ffmpeg

    def counting(args, **kw):
        if "libx264" in [str(a) for a in args]:
            runs.append([str(a) for a in args])
        return real(args, **kw)

    monkeypatch.setattr(files, "run_ffmpeg", counting)
    return runs


def test_identical_conforms_are_encoded_once_and_share_a_decode(
    run, write_post, clip_169, clip_rotated, tmp_path, monkeypatch
):
    # 16:9 640x360: TikTok and Reels both want 9:16 (640x1138); RedNote and Lemon8 pick the
    # nearer 3:4 at their 720 px minimum. Two distinct renditions for four platforms, made by
    # one ffmpeg run that decodes the source once. The rotated clip likewise.
    wide = write_post("caption: wide\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_169}, folder="wide")
    phone = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_rotated}, folder="phone")
    runs = count_encodes(monkeypatch)
    out = tmp_path / "out"
    result = run("export", wide, phone, "--to", FOUR, "--out", out, "-j", "2", "--json")
    assert result.code == 0, result.out
    assert len(runs) == 2 and [r.count("libx264") for r in runs] == [2, 2]
    # -j 2: the two runs share the cores; each encoder is told its part
    share = str(threads_per_encode(2))
    assert all(r[r.index("-filter_threads") + 1] == share and r.count("-threads") == 2 for r in runs)
    video = {p: (out / "wide" / p / "01.mp4").read_bytes() for p in PLATFORMS}
    assert video["tiktok"] == video["reels"] and video["rednote"] == video["lemon8"]
    assert video["tiktok"] != video["rednote"]
    sizes = [probe_media(out / "wide" / p / "01.mp4") for p in ("tiktok", "rednote")]
    assert [(f.width, f.height) for f in sizes] == [(640, 1138), (720, 960)]
    assert not any((out / ".repost").glob("renditions-*"))
    again = run("export", wide, phone, "--to", FOUR, "--out", out, "--json")
    assert {b["status"] for b in again.json()["bundles"]} == {"up_to_date"} and len(runs) == 2
    assert run("validate", out).code == 0


def test_dry_run_prints_the_exact_ffmpeg_commands_and_writes_nothing(run, write_post, clip_169, tmp_path):
    post = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_169}, folder="wide")
    out = tmp_path / "out"
    result = run("export", post, "--to", "tiktok", "--out", out, "--dry-run", "--fit", "pad")
    assert result.code == 0 and not out.exists()
    line = next(x for x in result.out.splitlines() if x.strip().startswith("01.mp4:"))
    args = shlex.split(line.split(":", 1)[1])
    assert args[args.index("-c:v") + 1] == "libx264" and args[-1] == "01.mp4"
    graph = args[args.index("-filter_complex") + 1]
    assert "pad=640:1138:(ow-iw)/2:(oh-ih)/2:color=black" in graph
    assert "change: fitted 16:9 to 9:16 over black bars" in result.out
    doc = run("export", post, "--to", "tiktok,rednote", "--out", out, "--dry-run", "--json").json()
    assert "gblur" in " ".join(doc["plans"][1]["steps"][0]["command"])  # the profile's default: blur
    # the two renditions are made by one run that decodes the source once, shown exactly
    (shared,) = doc["runs"]
    assert shared["outputs"] == ["wide-tiktok-01.mp4", "wide-rednote-01.mp4"]
    graph = shared["command"][shared["command"].index("-filter_complex") + 1]
    assert graph.startswith("[0:v]split=2[s0][s1];") and shared["command"].count("libx264") == 2


def test_fit_from_post_yaml_per_platform_and_the_command_line_wins(run, write_post, clip_169, tmp_path):
    text = "media: [clip.mp4]\nfit: pad\nplatforms:\n  reels: {fit: crop}\n"
    post = write_post(text, media={"clip.mp4": clip_169}, folder="wide")
    doc = run("export", post, "--to", "tiktok,reels", "--out", tmp_path, "--dry-run", "--json").json()
    changes = {p["platform"]: " ".join(p["changes"]) for p in doc["plans"]}
    assert "over black bars" in changes["tiktok"] and "cropped 16:9 to 9:16" in changes["reels"]
    doc = run(
        "export", post, "--to", "reels", "--out", tmp_path, "--dry-run", "--json", "--fit", "blur"
    ).json()
    assert "blurred copy" in " ".join(doc["plans"][0]["changes"])
    bad = write_post("media: [clip.mp4]\nfit: stretch\n", media={"clip.mp4": clip_169})
    result = run("export", bad, "--to", "reels", "--out", tmp_path)
    assert result.code == 2 and "fit: 'stretch' is not one of blur, crop, pad" in result.err


def test_split_makes_numbered_part_bundles_that_validate(run, write_post, media_factory, tmp_path):
    # A TikTok profile whose maximum is 2 s: a 5 s clip splits into 3 parts of 1.67 s.
    data = yaml.safe_load((builtin_profile_dir() / "tiktok.yaml").read_text(encoding="utf-8"))
    data["video"]["max_duration_s"] = {**data["video"]["max_duration_s"]["app"], "value": 2}
    data["video"]["min_duration_s"]["value"] = 1
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "tiktok.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    clip = media_factory("five_s.mp4", size="160x284", duration=5.0, sample_rate=48000)
    text = "caption: A long walk.\nmedia: [clip.mp4]\nlang: en\n"
    text += "translations: {fr: {caption: Une longue marche.}}\n"
    post = write_post(text, media={"clip.mp4": clip}, folder="walk")
    out = tmp_path / "out"
    common = ("--to", "tiktok", "--out", out, "--profiles", profiles)
    result = run("export", post, *common, "--split", "--lang", "fr", "--json")
    assert result.code == 0, result.out
    assert sorted(b["path"].split("/")[-2] for b in result.json()["bundles"]) == [
        f"walk-part{i}" for i in (1, 2, 3)
    ]
    for i in (1, 2, 3):
        bundle = out / f"walk-part{i}" / "tiktok"
        assert (bundle / "caption.txt").read_text(encoding="utf-8").startswith(f"({i}/3) Une longue marche.")
        assert 1.55 <= probe_media(bundle / "01.mp4").duration_s <= 1.8
        manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["post"]["id"] == "walk" and manifest["changes"][0].startswith(f"part {i} of 3")
    assert run("validate", out, "--profiles", profiles).code == 0
    trimmed = run("export", post, *common, "--out", tmp_path / "t", "--json")
    assert any(c.startswith("trimmed 5.00 s to 1.90 s") for c in trimmed.json()["bundles"][0]["changes"])


def test_a_mixed_set_of_real_world_clips_exports_valid_bundles(
    run, write_post, media_factory, clip_rotated, clip_vfr, tmp_path
):
    # 16:9 with 5.1 and moov at the end; phone rotation; variable rate; 8 fps with 96 kHz sound;
    # a square VP9/Opus WebM.
    vp9 = dict(vcodec="libvpx-vp9", acodec="libopus", sample_rate=48000, duration=1.0)
    clips = {
        "wide51": media_factory(
            "wide51.mp4", size="320x180", audio="5.1", sample_rate=48000, faststart=False
        ),
        "rotated": clip_rotated,
        "vfr": clip_vfr,
        "slow": media_factory("slow8.mp4", size="180x320", fps=8, duration=1.0, sample_rate=96000),
        "square": media_factory("square.webm", size="240x240", **vp9),
    }
    posts = [
        write_post("media: [clip]\n".replace("clip", f"c{p.suffix}"), media={f"c{p.suffix}": p}, folder=name)
        for name, p in clips.items()
    ]
    out = tmp_path / "out"
    result = run("export", *posts, "--to", FOUR, "--out", out, "-j", "2", "--loudness", "-14", "--json")
    assert result.code == 0, result.out
    assert len(result.json()["bundles"]) == 20
    check = run("validate", out, "--json")
    assert check.code == 0, check.out
    errors = [f for b in check.json()["bundles"] for f in b["findings"] if f["severity"] == "error"]
    assert not errors


def test_a_failed_encode_fails_its_bundles_with_the_reason_and_the_rest_go_on(
    run, write_post, clip_169, clip_fits_all, tmp_path, monkeypatch
):
    from repost.bundle import renditions as bundle
    from repost.errors import MediaError

    def broken(steps, dests, **kw):
        raise MediaError(
            "ffmpeg failed: Conversion failed!", steps[0].source, hint="see stderr", command=["ffmpeg"]
        )

    monkeypatch.setattr(bundle, "make_shared", broken)
    wide = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_169}, folder="wide")
    fits = write_post("media: [clip.mp4]\n", media={"clip.mp4": clip_fits_all}, folder="fits")
    out = tmp_path / "out"
    result = run("export", wide, fits, "--to", "tiktok,rednote", "--out", out, "--json")
    assert result.code == 1
    status = {(b["post"], b["platform"]): (b["status"], b["error"]) for b in result.json()["bundles"]}
    # The reason names the file it is about.
    assert status[("wide", "tiktok")] == (
        "failed",
        f"ffmpeg failed: Conversion failed! [{wide / 'clip.mp4'}]",
    )
    assert status[("wide", "rednote")][0] == "failed" and not (out / "wide").exists()
    assert status[("fits", "tiktok")][0] == status[("fits", "rednote")][0] == "made"


def test_a_fit_that_changes_nothing_leaves_the_bundles_alone(
    run, write_post, clip_fits_all, clip_169, tmp_path, monkeypatch
):
    # A 9:16 clip every platform takes is copied whatever the fit, and its 9:16 covers (Reels,
    # TikTok) are only scaled: --fit touches neither, so those bundles stay up to date. RedNote's
    # 3:4 cover from it is cropped or padded, so that bundle is remade; a 16:9 clip is reframed.
    tall = write_post("caption: x\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_fits_all}, folder="tall")
    wide = write_post("caption: x\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_169}, folder="wide")
    runs = count_encodes(monkeypatch)
    out = tmp_path / "out"
    to = "reels,tiktok,rednote"
    assert run("export", tall, wide, "--to", to, "--out", out, "--json").code == 0
    for fit in ("crop", "pad"):
        again = run("export", tall, wide, "--to", to, "--out", out, "--json", "--fit", fit)
        status = {(b["post"], b["platform"]): b["status"] for b in again.json()["bundles"]}
        assert status == {
            ("tall", "reels"): "up_to_date",
            ("tall", "tiktok"): "up_to_date",
            ("tall", "rednote"): "made",
            ("wide", "reels"): "made",
            ("wide", "tiktok"): "made",
            ("wide", "rednote"): "made",
        }, fit
    # One shared-decode run of the wide clip per export; the tall clip is never encoded.
    sources = {a for r in runs for a in r if a.endswith("clip.mp4")}
    assert len(runs) == 3 and sources == {str((wide / "clip.mp4").resolve())}
    assert run("validate", out).code == 0
