"""Names from input: ids that share a folder never replace each other's bundles, control
characters never reach the terminal raw, and template markers in a folder name stay text."""

import json

import pytest

RAW = ("\x1b", "\x07", "\x00", "\u202e", "\x9b")


@pytest.mark.parametrize(
    ("first", "second", "folder"), [("sa/me", "sa-me", "sa-me"), ("my post", "my-post", "my-post")]
)
def test_ids_sharing_a_folder_across_runs_are_refused(
    run, write_post, image_jpeg_34, tmp_path, first, second, folder
):
    out = tmp_path / "out"
    a = write_post(f"id: {first}\ncaption: First\nmedia: [a.jpg]\n", media={"a.jpg": image_jpeg_34})
    b = write_post(f"id: {second}\ncaption: Second\nmedia: [a.jpg]\n", media={"a.jpg": image_jpeg_34})
    assert run("export", a, "--to", "rednote", "--out", out).code == 0
    manifest = out / folder / "rednote" / "manifest.json"
    before = manifest.read_bytes()
    result = run("export", b, "--to", "rednote", "--out", out)
    assert result.code == 2
    assert (
        f"post {second!r} maps to a folder that holds the bundle of another post (post {first!r})"
        in result.err
    )
    assert str(out / folder / "rednote") in result.err
    assert manifest.read_bytes() == before and json.loads(before)["post"]["id"] == first
    # the same post again is no collision
    assert run("export", a, "--to", "rednote", "--out", out, "--force").code == 0


def test_ids_sharing_a_folder_in_one_run_are_refused(run, write_post, image_jpeg_34, tmp_path):
    a = write_post("id: sa/me\ncaption: First\nmedia: [a.jpg]\n", media={"a.jpg": image_jpeg_34})
    b = write_post("id: sa-me\ncaption: Second\nmedia: [a.jpg]\n", media={"a.jpg": image_jpeg_34})
    result = run("export", a, b, "--to", "rednote", "--out", tmp_path / "out")
    assert result.code == 2
    assert "post ids 'sa/me'" in result.err and "and 'sa-me' map to the same folder sa-me" in result.err
    manifest = json.loads((tmp_path / "out/sa-me/rednote/manifest.json").read_bytes())
    assert manifest["post"]["id"] == "sa/me"


def test_a_bundle_writer_never_replaces_another_posts_bundle(write_post, image_jpeg_34, tmp_path):
    # The last guard, for a run racing another: write_bundle itself compares the ids.
    from repost.bundle.build import write_bundle
    from repost.bundle.make import ExportOptions, plan_post
    from repost.errors import BundleError
    from repost.platforms.profiles import load_profiles
    from repost.post.model import load_post

    profile = load_profiles()["rednote"]
    options = ExportOptions(out=tmp_path / "out", to="rednote")
    plans = []
    for pid in ("sa/me", "sa-me"):
        post = write_post(f"id: {pid}\ncaption: x\nmedia: [a.jpg]\n", media={"a.jpg": image_jpeg_34})
        [plan] = plan_post(load_post(post), [profile], options)
        plans.append(plan)
    write_bundle(plans[0], options.out)
    with pytest.raises(BundleError, match=r"another post \(post 'sa/me'\); left untouched: post 'sa-me'"):
        write_bundle(plans[1], options.out, force=True)


def _hostile_post(write_post, image_jpeg_34, **extra):
    text = 'id: "evil\\e]0;pwned\\a\\x9b2J"\ncaption: "\\u202eevil\\0 caption"\nmedia: [a.jpg]\n'
    return write_post(text + "".join(f"{k}: {v}\n" for k, v in extra.items()), media={"a.jpg": image_jpeg_34})


def _no_raw(text: str) -> None:
    assert not [c for c in RAW if c in text], repr(text)


def test_control_characters_in_ids_never_reach_the_terminal(run, write_post, image_jpeg_34, tmp_path):
    post = _hostile_post(write_post, image_jpeg_34)
    result = run("export", post, "--to", "rednote", "--out", tmp_path / "out")
    assert result.code == 0, result.err
    _no_raw(result.out + result.err)
    assert "evil\\x1b]0;pwned\\x07\\u009b2J → rednote" in result.out
    dry = run("export", post, "--to", "rednote", "--out", tmp_path / "out", "--dry-run")
    _no_raw(dry.out + dry.err)
    # --json: the escapes are JSON's own, so the values read back unchanged
    doc = run("export", post, "--to", "rednote", "--out", tmp_path / "out", "--json")
    _no_raw(doc.out)
    assert json.loads(doc.out)["bundles"][0]["post"] == "evil\x1b]0;pwned\x07\x9b2J"


def test_control_characters_in_errors_and_summaries_are_escaped(run, write_post, image_jpeg_34, tmp_path):
    bad = write_post('caption: x\nmedia: [a.jpg]\n"\\e[2Jkey\\u202e": 1\n', media={"a.jpg": image_jpeg_34})
    result = run("export", bad, "--to", "rednote", "--out", tmp_path / "out")
    assert result.code == 2 and "\\x1b[2Jkey\\u202e" in result.err
    _no_raw(result.err)
    backlog = tmp_path / "backlog"
    backlog.mkdir()
    _hostile_post(write_post, image_jpeg_34).rename(backlog / "one")
    (backlog / "two").mkdir()
    (backlog / "two" / "post.yaml").write_text(
        'caption: x\nmedia: ["gone\\e]0;t\\a.jpg"]\n', encoding="utf-8"
    )
    summary = run("migrate", backlog, "--to", "rednote", "--out", tmp_path / "mig")
    assert summary.code == 1
    _no_raw(summary.out + summary.err)
    assert "gone\\x1b]0;t\\x07.jpg" in summary.out
    checked = run("validate", tmp_path / "out")
    _no_raw(checked.out + checked.err)
    usage = run(
        "export", tmp_path / "out", "--to", "rednote", "--out", tmp_path / "o", "--fit", "\x1b]0;t\x07"
    )
    assert usage.code == 2 and "\\x1b]0;t\\x07" in usage.err
    _no_raw(usage.err)


def test_template_markers_in_the_output_folder_name_stay_text(run, write_post, image_jpeg_34, tmp_path):
    post = write_post("caption: x\nmedia: [a.jpg]\n", media={"a.jpg": image_jpeg_34})
    out = tmp_path / "x{{JS}}{{DATA}}{{CSS}}"
    assert run("export", post, "--to", "rednote", "--out", out, "--preview").code == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<title>repost preview: x{{JS}}{{DATA}}{{CSS}}</title>" in page
    assert page.count("var CHUNK = 12;") == 1  # the script once, not once more in the title
    assert page.count('id="repost-data"') == 1


def _folder_post(write_post, image, folder: str, post_id: str, caption: str):
    return write_post(
        f"id: {post_id}\ncaption: {caption}\nmedia: [a.jpg]\n", media={"a.jpg": image}, folder=folder
    )


def test_migrate_never_lets_ids_that_share_a_folder_overwrite_each_other_across_runs(
    run, write_post, image_jpeg_34, tmp_path
):
    """Post folders' ids are kept as written (not made folder-safe before the manifest and the
    state see them), so a later run's "sa-me" is told from an earlier run's "sa/me"."""
    out = tmp_path / "out"
    _folder_post(write_post, image_jpeg_34, "one/a", "sa/me", "First")
    _folder_post(write_post, image_jpeg_34, "two/b", "sa-me", "Second")
    assert run("migrate", tmp_path / "one", "--to", "rednote", "--out", out).code == 0
    manifest = out / "sa-me" / "rednote" / "manifest.json"
    before = manifest.read_bytes()
    assert json.loads(before)["post"]["id"] == "sa/me"
    result = run("migrate", tmp_path / "two", "--to", "rednote", "--out", out, "--json")
    assert result.code == 1
    [failure] = result.json()["failed"]
    assert (
        failure["post"] == "sa-me" and "holds the bundle of another post (post 'sa/me')" in failure["error"]
    )
    assert manifest.read_bytes() == before
    # and the first post is still its own: a re-run leaves it up to date
    again = run("migrate", tmp_path / "one", "--to", "rednote", "--out", out, "--json")
    assert again.code == 0 and again.json()["up_to_date"] == 1


def test_migrate_gives_ids_that_share_a_folder_in_one_run_folders_of_their_own(
    run, write_post, image_jpeg_34, tmp_path
):
    out = tmp_path / "out"
    _folder_post(write_post, image_jpeg_34, "backlog/a", "sa/me", "First")
    _folder_post(write_post, image_jpeg_34, "backlog/b", "sa-me", "Second")
    _folder_post(write_post, image_jpeg_34, "backlog/c", "sa-me-2", "Third")
    assert run("migrate", tmp_path / "backlog", "--to", "rednote", "--out", out).code == 0
    owners = {
        p.parent.parent.name: json.loads(p.read_bytes())["post"]["id"]
        for p in out.glob("*/rednote/manifest.json")
    }
    # "sa-me" found its folder taken by "sa/me" and became sa-me-2, so the post whose own id is
    # "sa-me-2" is numbered past it: three posts, three folders, each manifest naming its post
    assert owners == {"sa-me": "sa/me", "sa-me-2": "sa-me-2", "sa-me-2-2": "sa-me-2-2"}


def test_a_bundle_an_older_migrate_recorded_under_the_folder_safe_id_is_still_its_posts(
    run, write_post, image_jpeg_34, tmp_path
):
    out = tmp_path / "out"
    post = _folder_post(write_post, image_jpeg_34, "backlog/a", "sa/me", "First")
    assert run("export", post, "--to", "rednote", "--out", out).code == 0
    manifest = out / "sa-me" / "rednote" / "manifest.json"
    doc = json.loads(manifest.read_bytes())
    doc["post"]["id"] = "sa-me"  # as migrate wrote it before ids were kept (and made it from)
    doc["inputs"]["fingerprint"] = "0" * 64
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    result = run("migrate", tmp_path / "backlog", "--to", "rednote", "--out", out, "--json")
    assert result.code == 0, result.out
    assert json.loads(manifest.read_bytes())["post"]["id"] == "sa/me"


def test_id_maker_keeps_ids_and_numbers_only_folder_clashes():
    from repost.migrate.importers.common import IdMaker

    ids = IdMaker(keep=True)  # a post.yaml's ids
    made = [ids.make(raw) for raw in ("sa/me", "sa-me", "x", "x", "sa-me-2", "a.b", "a_b")]
    assert made == ["sa/me", "sa-me-2", "x", "x-2", "sa-me-2-2", "a.b", "a_b"]
    # an export's ids: folder-safe, and never one id for two that differ only in punctuation,
    # whether they meet in one run or in two
    one, two = IdMaker().make("sa/me"), IdMaker().make("sa me")
    assert one.startswith("sa-me-") and two.startswith("sa-me-") and one != two
    assert IdMaker().make("sa/me") == one and IdMaker().make("sa-me") == "sa-me"
