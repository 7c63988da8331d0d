"""Identical files placed once: reflink or copy (hard links opt-in), hashes and probes not repeated,
and a cover pick decoded once per post."""

from __future__ import annotations

import json

import pytest

from repost.media import covers, linking
from repost.media.files import sha256_of


def test_place_file_copies_or_reflinks_never_sharing_an_inode_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv(linking.LINK_ENV, raising=False)
    src = tmp_path / "a.bin"
    src.write_bytes(b"x" * 10_000)
    how = linking.place_file(src, tmp_path / "b.bin")
    assert how in ("reflink", "copy")
    assert (tmp_path / "b.bin").read_bytes() == src.read_bytes()
    assert (tmp_path / "b.bin").stat().st_ino != src.stat().st_ino
    # An edit in place of one (what ffmpeg -y does) leaves the other as it was.
    with open(tmp_path / "b.bin", "r+b") as f:
        f.write(b"y")
    assert src.read_bytes() == b"x" * 10_000


def test_hard_links_only_when_asked_and_never_to_a_users_file(tmp_path, monkeypatch):
    monkeypatch.setenv(linking.LINK_ENV, "hardlink")
    src = tmp_path / "a.bin"
    src.write_bytes(b"z" * 1000)
    monkeypatch.setattr(linking, "_reflink", lambda s, d: False)  # a file system without reflinks
    assert linking.place_file(src, tmp_path / "b.bin") == "hardlink"
    assert (tmp_path / "b.bin").stat().st_ino == src.stat().st_ino
    assert linking.place_file(src, tmp_path / "c.bin", hardlink=False) == "copy"
    assert (tmp_path / "c.bin").stat().st_ino != src.stat().st_ino


def test_a_copy_is_hashed_once_until_it_changes(tmp_path, monkeypatch):
    monkeypatch.setenv(linking.LINK_ENV, "copy")
    src = tmp_path / "a.bin"
    src.write_bytes(b"q" * 5000)
    calls = []

    def compute(path):
        calls.append(path)
        return sha256_of(path)

    first = linking.sha256_known(src, compute)
    linking.place_file(src, tmp_path / "b.bin")
    assert linking.sha256_known(tmp_path / "b.bin", compute) == first
    assert calls == [src]
    assert linking.original_of(tmp_path / "b.bin") == src
    (tmp_path / "b.bin").write_bytes(b"other")
    assert linking.sha256_known(tmp_path / "b.bin", compute) == sha256_of(tmp_path / "b.bin") != first
    assert len(calls) == 2 and linking.original_of(tmp_path / "b.bin") == tmp_path / "b.bin"


@pytest.fixture(scope="module")
def clip_cuts(tmp_path_factory):
    """4 s: black for 2 s, then a test picture; a keyframe every second."""
    from repost.media.ffmpeg import run_ffmpeg

    path = tmp_path_factory.mktemp("linking") / "cuts.mp4"
    graph = (
        "color=black:size=180x320:rate=30:duration=2[a];"
        "testsrc2=size=180x320:rate=30:duration=2[b];[a][b]concat=n=2:v=1:a=0[v]"
    )
    run_ffmpeg(["-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "superfast",
                "-g", "30", "-pix_fmt", "yuv420p", "-y", path])  # fmt: skip
    return path


def test_automatic_cover_decodes_a_keyframe_once_per_post(clip_cuts, monkeypatch):
    import av

    times = [round(4.0 * k, 3) for k in (0.05, 0.3, 0.55, 0.8)]
    with av.open(str(clip_cuts)) as container:
        frame = covers.keyframe_pick(container, container.streams.video[0], times)
    assert frame is not None and frame.key_frame
    assert covers.score_grey(covers.small_score_grey(frame)) > 0  # not the black opening
    (first,) = covers.decode_frames(clip_cuts, times, best=True)
    monkeypatch.setattr(av, "open", lambda *a, **k: pytest.fail("decoded again"))
    (again,) = covers.decode_frames(clip_cuts, times, best=True)  # the next platform's cover
    assert again.tobytes() == first.tobytes()


class _CountingContainer:
    """A PyAV container that notes each packet read (its time) and each seek, decoding through
    its own demux so that every packet the decoder gets is noted."""

    def __init__(self, real) -> None:
        self.real, self.read = real, []

    def demux(self, *streams):
        for packet in self.real.demux(*streams):
            self.read.append(packet.pts)
            yield packet

    def decode(self, stream):
        for packet in self.demux(stream):
            yield from stream.decode(packet)

    def seek(self, *a, **k):
        self.read.append("seek")
        return self.real.seek(*a, **k)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_the_keyframe_pick_reads_no_further_than_its_keyframe(clip_cuts):
    import av

    times = [round(4.0 * k, 3) for k in (0.05, 0.3, 0.55, 0.8)]
    with av.open(str(clip_cuts)) as real:
        container = _CountingContainer(real)
        frame = covers.keyframe_pick(container, real.streams.video[0], times)
        assert frame is not None and frame.key_frame
        last_seek = len(container.read) - container.read[::-1].index("seek")
        after = [pts for pts in container.read[last_seek:] if pts is not None]
    # Its own packet and nothing past it: a decoder holding the keyframe back for the frames
    # after it would have been fed up to the next keyframe, a second decode.
    assert after and max(after) == frame.pts


def test_bundles_say_which_files_share_their_data(write_post, clip_fits_all, run, tmp_path, monkeypatch):
    monkeypatch.setenv(linking.LINK_ENV, "hardlink")
    monkeypatch.setattr(linking, "_reflink", lambda s, d: False)
    post = write_post("title: t\ncaption: c\nmedia: [clip.mp4]\n", {"clip.mp4": clip_fits_all})
    out = tmp_path / "out"
    assert run("export", post, "--to", "rednote,reels", "--out", out).code == 0
    entries = {}
    for platform in ("rednote", "reels"):
        manifest = json.loads((out / post.name / platform / "manifest.json").read_text())
        (video,) = [f for f in manifest["files"] if f["role"] == "video"]
        assert video["linked"] == "hardlink"
        assert sha256_of(out / post.name / platform / "01.mp4") == video["sha256"]
        entries[platform] = (out / post.name / platform / "01.mp4").stat().st_ino
    assert entries["rednote"] == entries["reels"]
    # Remade, one bundle gets new files: the other keeps its own, whole.
    before = sha256_of(out / post.name / "reels" / "01.mp4")
    assert run("export", post, "--to", "rednote", "--out", out, "--force").code == 0
    assert sha256_of(out / post.name / "reels" / "01.mp4") == before
