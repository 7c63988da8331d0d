"""TikTok's chunk rules: kept as sourced data, planned per the Media Transfer Guide, honoured on the wire."""

from __future__ import annotations

import os

import pytest

from repost.publish.rules import RULES_FILE, load_tiktok_rules, plan_chunks

RULES = load_tiktok_rules()


def test_rules_file_carries_a_source_beside_each_figure():
    import yaml

    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["tiktok"]
    for key, fig in data.items():
        assert fig["source"] and fig["checked"] and fig["confidence"], key
        assert fig["confidence"] != "assumed" or fig.get("note"), key
    assert RULES.min_chunk_bytes <= RULES.chunk_bytes <= RULES.max_chunk_bytes


@pytest.mark.parametrize(
    "size",
    [1, 4_999_999, 5 * 2**20, 30_000_000, 64_000_000, 64_000_001, 70 * 2**20, 999_999_999, 4_000_000_000],
)
def test_chunk_plan_follows_the_media_transfer_guide(size, guide_chunks):
    plan = plan_chunks(size, RULES)
    # the guide's own rules, checked with the test server's independent copy of the numbers
    assert plan.total_chunk_count == size // plan.chunk_size
    assert 1 <= plan.total_chunk_count <= guide_chunks.max_chunks
    assert plan.ranges[0][0] == 0 and plan.ranges[-1][1] == size - 1
    assert all(a[1] + 1 == b[0] for a, b in zip(plan.ranges, plan.ranges[1:], strict=False))
    sizes = [last - first + 1 for first, last in plan.ranges]
    if size < guide_chunks.min_chunk:
        assert sizes == [size]  # under 5 MB: whole
    if size > guide_chunks.max_chunk:
        assert len(sizes) > 1  # over 64 MB: chunked
        assert all(guide_chunks.min_chunk <= s <= guide_chunks.max_chunk for s in sizes[:-1])
        assert guide_chunks.min_chunk <= sizes[-1] <= guide_chunks.max_final


def test_empty_file_is_refused():
    with pytest.raises(ValueError):
        plan_chunks(0, RULES)


def test_a_70_mb_video_goes_in_sequential_chunks_with_content_range(
    file_entry, write_manifest, run, api, tmp_path, memory_keyring, login, guide_chunks
):
    bundle = tmp_path / "out" / "big" / "tiktok"
    bundle.mkdir(parents=True)
    video = bundle / "01.mp4"
    size = 70 * 2**20
    with open(video, "wb") as f:  # sparse: quick to make, no disk used
        f.truncate(size)
    (bundle / "caption.txt").write_text("big one\n", encoding="utf-8")
    files = [file_entry(bundle, "01.mp4", "video", duration_s=3.2), file_entry(bundle, "caption.txt", "text")]
    write_manifest(bundle, "tiktok", "big", files)
    token = api.new_token("tt-access")
    api.valid_tokens.add(token)
    assert login("tiktok", token).code == 0

    result = run("publish", bundle)
    assert result.code == 0, result.out + result.err
    upload = next(iter(api.uploads.values()))
    assert (upload["size"], upload["count"]) == (size, size // upload["chunk_size"])
    chunks = [(first, last, total, length) for _, first, last, total, length in api.chunks]
    assert len(chunks) == upload["count"] >= 2
    expected, start = [], 0
    for i in range(upload["count"]):
        last = size - 1 if i == upload["count"] - 1 else start + upload["chunk_size"] - 1
        expected.append((start, last, size, last - start + 1))
        start = last + 1
    assert chunks == expected
    assert all(length >= guide_chunks.min_chunk for *_, length in chunks)  # a real 5 MB minimum, honoured
    puts = [h for m, p, h, _ in api.requests if m == "PUT"]
    assert all(h["Content-Type"] == "video/mp4" and h["Content-Range"].startswith("bytes ") for h in puts)
    assert api.tiktok_posts and os.path.getsize(video) == size
