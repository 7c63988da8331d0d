"""--cluster without the cluster extra: one line saying how to get it."""

from __future__ import annotations

import sys


def test_cluster_without_dask_says_how_to_get_it(tmp_path, run, monkeypatch, clip_916, write_post):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    post = write_post("caption: c\nmedia: [clip.mp4]\n", {"clip.mp4": clip_916})
    for command in ("migrate", "export"):
        result = run(command, post.parent if command == "migrate" else post, "--to", "reels",
                     "--out", tmp_path / "out", "--cluster", "local:2")  # fmt: skip
        assert result.code == 2
        assert "Error: --cluster needs dask and distributed" in result.err
        assert "pip install 'repost[cluster]'" in result.err
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*/reels"))
