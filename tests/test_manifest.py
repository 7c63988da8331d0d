"""The Manifest type: one way to read and write manifest.json, for every caller."""

from __future__ import annotations

import json
import os

import pytest

from repost.bundle.manifest import Manifest
from repost.errors import InputError
from repost.inputs import MANIFEST_MAX
from repost.layout import MANIFEST, WORK_DIR, find_all_bundles, find_bundles
from repost.preview.data import read_card
from repost.publish.integrity import check_manifest
from repost.publish.safeio import Unsafe

SHA = "0" * 64


def _new(**over) -> Manifest:
    fields = dict(
        profile={"id": "tiktok", "version": "2026-11", "upload_path": "app"},
        post={"id": "sa/me", "source": "posts/sa/post.yaml"},
        files=[
            {"path": "01.mp4", "role": "video", "sha256": SHA, "bytes": 12, "width": 1080, "height": 1920},
            {"path": "caption.txt", "role": "text", "sha256": SHA, "bytes": 3},
        ],
        text={"title": None, "caption": "hi", "hashtags": ["cats"], "counts": {}},
        changes=["cropped 16:9 to 9:16 around the centre"],
        warnings=[],
        fingerprint="f" * 64,
    )
    fields.update(over)
    return Manifest.new(**fields)


def test_a_manifest_written_reads_back_the_same_with_its_keys_as_documented(tmp_path):
    made = _new(privacy={"metadata": "stripped"}, part="1/2")
    made.write(tmp_path)
    raw = (tmp_path / MANIFEST).read_text(encoding="utf-8")
    assert raw.endswith("}\n") and "\r" not in raw
    # the keys and their order are the contract of docs/bundles.md
    assert list(json.loads(raw)) == [
        "schema", "tool", "profile", "post", "created", "files", "text", "changes", "warnings", "inputs",
        "privacy", "part",
    ]  # fmt: skip
    back = Manifest.read(tmp_path)
    assert back.to_dict() == made.to_dict()
    assert (back.platform, back.post_id, back.part, back.fingerprint) == ("tiktok", "sa/me", "1/2", "f" * 64)
    assert [(f.path, f.role, f.bytes) for f in back.files] == [
        ("01.mp4", "video", 12),
        ("caption.txt", "text", 3),
    ]
    assert back.files[0].get("width") == 1080 and back.changes == ("cropped 16:9 to 9:16 around the centre",)


def test_keys_a_newer_repost_adds_are_kept_through_a_read_and_a_change(tmp_path):
    doc = _new().to_dict()
    doc["future"] = {"anything": [1, 2]}
    (tmp_path / MANIFEST).write_text(json.dumps(doc), encoding="utf-8")
    again = Manifest.read(tmp_path).with_warnings(["one more"])
    assert again.data["future"] == {"anything": [1, 2]} and again.warnings == ("one more",)


def test_a_manifest_of_another_shape_is_never_written():
    with pytest.raises(InputError, match=r"files\[0\]\.bytes: must be a whole number"):
        _new(files=[{"path": "01.mp4", "role": "video", "bytes": "12"}])


HOSTILE = [
    ("[1, 2]", "must be a mapping"),
    ('{"profile": "tiktok", "files": []}', "profile: must be a mapping"),
    (
        '{"profile": {"id": "tiktok"}, "files": [{"path": 123, "role": "video"}]}',
        "files[0].path: must be text",
    ),
    ('{"profile": {"id": "tiktok"}, "files": [{"path": "a\\u0000b", "role": "video"}]}', "NUL"),
    ('{"profile": {"id": "tiktok"}, "files": {"01.mp4": 1}}', "files: must be a list"),
    ('{"profile": {"id": "tiktok"}, "files": [], "part": 2}', "part: must be text"),
    (
        '{"profile": {"id": "tiktok"}, "files": [], "text": {"hashtags": "cats"}}',
        "text.hashtags: must be a list",
    ),
    ('{"profile": {"id": ""}, "files": []}', "profile.id: must not be empty"),
    ("[" * 5000 + "]" * 5000, "nested deeper than"),
    ('{"profile": ', "not valid JSON"),
]


@pytest.mark.parametrize("text, why", HOSTILE)
def test_a_hostile_manifest_is_one_clear_refusal_for_every_reader(tmp_path, text, why):
    """Export (whose bundle is it), validate, preview, migrate and publish all read through
    Manifest: each gets the same refusal, or None, never a KeyError or a TypeError."""
    bundle = tmp_path / "out" / "p" / "tiktok"
    bundle.mkdir(parents=True)
    (bundle / MANIFEST).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        Manifest.read(bundle)
    assert why in caught.value.what and str(bundle / MANIFEST) in caught.value.one_line()
    assert Manifest.find(bundle) is None
    card = read_card(tmp_path / "out", bundle, {})
    assert card["status"] == "failed" and card["post"] == "p"
    if not text.startswith("[["):  # publish reads its own bytes (through the folder's descriptor)
        try:
            doc = json.loads(text)
        except ValueError:
            return
        with pytest.raises(Unsafe, match=r"manifest\.json"):
            check_manifest(doc)


def test_a_manifest_that_is_not_a_regular_file_or_too_big_is_refused_unopened(tmp_path):
    os.mkfifo(tmp_path / MANIFEST)  # a plain open would wait for a writer forever
    with pytest.raises(InputError, match="named pipe"):
        Manifest.read(tmp_path)
    os.unlink(tmp_path / MANIFEST)
    with open(tmp_path / MANIFEST, "wb") as f:
        f.truncate(MANIFEST_MAX + 1)
    with pytest.raises(InputError, match="over the 8 MB limit"):
        Manifest.read(tmp_path)


def test_bundles_are_found_one_way_never_in_the_work_folder(tmp_path):
    out = tmp_path / "out"
    for folder in ("b/tiktok", "a/reels", "a/tiktok", f"{WORK_DIR}/tmp/x/tiktok"):
        (out / folder).mkdir(parents=True)
        (out / folder / MANIFEST).write_text("{}", encoding="utf-8")
    found = [p.relative_to(out).as_posix() for p in find_bundles(out)]
    assert found == ["a/reels", "a/tiktok", "b/tiktok"]
    assert find_bundles(out / "a" / "reels") == [out / "a" / "reels"]
    assert find_bundles(tmp_path / "missing") == []
    # publish keeps a PATH holding none, so it is named "not a bundle" rather than dropped
    assert find_all_bundles([out / "a", tmp_path / "missing"]) == [
        out / "a" / "reels", out / "a" / "tiktok", tmp_path / "missing",
    ]  # fmt: skip
