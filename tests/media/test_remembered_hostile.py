"""DIR/.repost/measured.db is a cache hint, never trusted: a damaged store, or values planted in
an output folder from elsewhere, are measured again; none reaches a plan, a manifest or a page."""

from __future__ import annotations

import json
import sqlite3

import pytest

from repost.media import remembered
from repost.media.measure import Loudness
from repost.media.poster import _poster_from
from repost.media.subject import _track_from
from repost.media.watermark import _mark_from

pytestmark = pytest.mark.timeout(120)

GOOD_TRACK = {
    "width": 1280, "height": 720, "duration_s": 4.0, "cuts": [2.0], "detector": "yunet",
    "samples": [{"t": 0.5, "box": [10.0, 20.0, 100.0, 120.0], "by": "faces", "faces": [[10, 20, 100, 120]]}],
}  # fmt: skip
GOOD = {
    "loudness": (Loudness.from_dict, {"integrated_lufs": -16.5, "true_peak_dbtp": -1.2}),
    "poster": (_poster_from, "data:image/jpeg;base64,/9j/4AAQSkZJRg=="),
    "watermark": (_mark_from, {"corners": ["top-left", "bottom-right"], "moved": True, "evidence": "a mark"}),
    "track": (_track_from, GOOD_TRACK),
}
PLANTED = [
    ("loudness", '{"integrated_lufs": -1e300, "true_peak_dbtp": null}'),  # a gain of 1e300 dB
    ("loudness", '{"integrated_lufs": NaN, "true_peak_dbtp": -1}'),
    ("loudness", '{"integrated_lufs": "-14[x];movie=/etc/passwd", "true_peak_dbtp": -1}'),
    ("loudness", '{"integrated_lufs": true, "true_peak_dbtp": -1}'),
    ("loudness", '{"true_peak_dbtp": -16, "integrated_lufs": -1, "gain": 40}'),
    ("poster", '"https://tracker.example/seen.png"'),  # the page promises no network
    ("poster", '"javascript:alert(1)"'),
    ("poster", '"data:image/svg+xml;base64,PHN2Zz4="'),
    ("watermark", '{"corners": ["<b>x</b>"], "moved": false, "evidence": "a mark"}'),
    ("watermark", '{"corners": ["top-left"], "moved": "yes", "evidence": "a mark"}'),
    ("watermark", '{"corners": ["top-left"], "moved": true, "evidence": "\\u001b]0;pwned\\u0007"}'),
    ("track", json.dumps({**GOOD_TRACK, "width": 1e300})),
    ("track", json.dumps({**GOOD_TRACK, "samples": [{**GOOD_TRACK["samples"][0], "box": [1, 2, 3]}]})),
    ("track", json.dumps({**GOOD_TRACK, "cuts": ["1"]})),
    ("track", json.dumps({**GOOD_TRACK, "duration_s": float("inf")})),
    ("track", "[" * 50_000 + "]" * 50_000),  # past the interpreter's recursion limit
    ("track", "not json"),
]


def _plant(store, value: str) -> None:
    with sqlite3.connect(store / remembered.STORE_NAME) as db:
        db.execute("UPDATE measured SET value = ?", (value,))


@pytest.mark.parametrize(("kind", "value"), PLANTED)
def test_a_planted_value_is_measured_again(tmp_path, kind, value):
    decode, good = GOOD[kind]
    key = ("planted", kind)
    measured = []

    def measure():
        measured.append(1)
        return decode(good)

    encode = lambda v: good  # noqa: E731 (the stored form is the good data)
    with remembered.remembered(tmp_path):
        remembered.recall(key, measure, encode, decode)
    _plant(tmp_path, value)
    with remembered.remembered(tmp_path):
        assert remembered.recall(key, measure, encode, decode) == decode(good)
        assert len(measured) == 2  # not taken from the store
        assert remembered.recall(key, measure, encode, decode) == decode(good)
        assert len(measured) == 2  # the measurement replaced the planted value


def test_a_value_over_the_size_cap_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(remembered, "VALUE_MAX", 1000)
    with remembered.remembered(tmp_path):
        remembered.recall(("big",), lambda: "x" * 2000, str, str)
        assert remembered.known(("big",), str, "missing") == "missing"
        remembered.recall(("small",), lambda: "x" * 10, str, str)
        assert remembered.known(("small",), str, "missing") == "x" * 10


@pytest.mark.parametrize("content", [b"\0" * 5000, b"SQLite format 3\0" + b"\xff" * 8000])
def test_a_damaged_store_does_not_stop_an_export(run, write_post, clip_fits_all, tmp_path, content):
    post = write_post("caption: Dusk\nmedia: [clip.mp4]\n", media={"clip.mp4": clip_fits_all})
    out = tmp_path / "out"
    (out / ".repost").mkdir(parents=True)
    (out / ".repost" / remembered.STORE_NAME).write_bytes(content)
    result = run("export", post, "--to", "lemon8,tiktok", "--out", out)
    assert result.code == 0, result.err
    assert len(list(out.glob("*/*/manifest.json"))) == 2
