"""The command line: exit codes, one-line errors with hints, --debug, profiles list/show."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_usage_errors_exit_2(run, tmp_path):
    assert run("export", EXAMPLES / "sunset-walk", "--out", tmp_path).code == 2  # no --to
    assert (
        run("export", EXAMPLES / "sunset-walk", "--to", "tiktok", "--out", tmp_path, "--fit", "zoom").code
        == 2
    )
    assert run("frobnicate").code == 2


def test_unknown_platform_is_one_line_with_a_hint(run, tmp_path):
    result = run("export", EXAMPLES / "sunset-walk", "--to", "myspace", "--out", tmp_path)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert lines[0] == "Error: unknown platform myspace [--to]"
    assert lines[1].startswith("Hint: known platforms: ")
    assert "Traceback" not in result.err


def test_bad_post_is_one_line_naming_file_and_key(run, write_post, tmp_path):
    post = write_post("media: [clip.mp4]\ncaption: [not, text]\n")
    result = run("export", post, "--to", "tiktok", "--out", tmp_path / "out")
    assert result.code == 2
    assert result.err.splitlines()[0].startswith("Error: caption: must be text, not a list")
    assert str(post / "post.yaml") in result.err and "Traceback" not in result.err


def test_debug_shows_the_traceback(run, tmp_path):
    result = run("--debug", "validate", tmp_path / "missing")
    assert result.code == 2 and "Traceback" in result.err and "Error: no such file or folder" in result.err


def test_broken_media_named_without_traceback(run, write_post, tmp_path):
    post = write_post("media: [clip.mp4]\n")
    (post / "clip.mp4").write_text("this is not a video", encoding="utf-8")
    result = run("export", post, "--to", "tiktok", "--out", tmp_path / "out")
    assert result.code == 2 and "clip.mp4" in result.err and "Traceback" not in result.err


def test_profiles_list_names_every_platform_with_sources(run):
    result = run("profiles", "list")
    assert result.code == 0
    for pid in ("tiktok", "reels", "rednote", "lemon8", "shorts"):
        assert any(line.startswith(f"{pid} ") for line in result.out.splitlines()), pid
    tiktok_sources = next(line for line in result.out.splitlines() if "sources:" in line and "T1" in line)
    assert {"T1", "T2", "T3"} <= set(tiktok_sources.split("sources: ")[1].split(", "))
    rows = run("profiles", "list", "--json").json()
    assert {r["id"] for r in rows} == {"tiktok", "reels", "rednote", "lemon8", "shorts"}
    assert all(r["sources"] and r["figures"] > 10 for r in rows)


def test_profiles_show(run):
    result = run("profiles", "show", "tiktok")
    assert result.code == 0
    assert "text.caption.max_length = 4000" in result.out
    assert "on the api path: 2200" in result.out
    detail = run("profiles", "show", "rednote", "--json").json()
    assert detail["rules"]["text.title.max_length"]["value"] == 20
    assert detail["rules"]["text.title.count"]["value"] == "rednote_weighted"
    assert run("profiles", "show", "myspace").code == 2
    api = run("profiles", "show", "tiktok", "--upload-path", "api", "--json").json()
    assert api["rules"]["text.caption.max_length"]["value"] == 2200


def test_readme_example_exports_to_every_platform_and_validates(run, tmp_path):
    out = tmp_path / "out"
    result = run("export", EXAMPLES / "sunset-walk", EXAMPLES / "matcha-photos", "--to", "all", "--out", out)
    assert result.code == 0, result.out
    made = sorted(str(p.parent.relative_to(out)) for p in out.glob("*/*/manifest.json"))
    platforms = ("lemon8", "rednote", "reels", "shorts", "tiktok")
    assert made == [f"{post}/{pid}" for post in ("matcha-photos", "sunset-walk") for pid in platforms]
    assert run("validate", out).code == 0


def test_python_dash_m(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "repost", "profiles", "list"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0 and "rednote" in proc.stdout


def test_profiles_group_takes_json_and_names_an_unknown_id(run):
    rows = run("profiles", "--json").json()
    assert {"tiktok", "rednote"} <= {r["id"] for r in rows}
    result = run("profiles", "show", "nope")
    assert result.code == 2 and result.err.startswith("Error: unknown platform nope [ID]")
