"""A description far over any platform's limit (a 3 MB yt-dlp description): cut at import to a
generous, named bound at a line break or between whole graphemes, said in a warning, and
composed for every platform in bounded time."""

import pytest
import regex

from repost.migrate.importers.common import CAPTION_MAX_CHARS, capped_caption
from repost.migrate.importers.ytdlp import iter_posts
from repost.text.compose import compose_texts

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # 7 code points, one grapheme


@pytest.mark.timeout(120)
def test_a_huge_description_is_cut_at_import_and_composed_quickly(
    tmp_path, clip_fits_all, profiles, write_ytdlp_entry
):
    lines = [f"Cats at dusk, day {i} #day{i} @friend{i} 🐱" for i in range(80_000)]  # 3.3 MB
    description = "\n".join(lines)
    write_ytdlp_entry(tmp_path / "yt", "v1", clip_fits_all, description=description)
    (item,) = iter_posts(tmp_path / "yt", tmp_path / "dl")
    post = item.post
    assert len(post.caption) <= CAPTION_MAX_CHARS < len(description)
    assert description.startswith(post.caption + "\n")  # cut at a line break: whole lines only
    (warning,) = item.warnings  # for the report, not in the post's source record
    assert warning.startswith(f"caption cut at import from {len(description):,} to {len(post.caption):,}")
    assert "warnings" not in post.source
    for profile in profiles.values():  # thousands of distinct tags reach each platform's block
        texts = compose_texts(post, profile, "video", {})
        assert texts.caption and len(texts.caption) < 10_000, profile.id


def test_a_caption_without_spaces_is_cut_between_whole_graphemes():
    notes = {"warnings": ("an earlier note",)}
    text = "x" + FAMILY * (CAPTION_MAX_CHARS // 7 + 10)
    kept = capped_caption(text, notes)
    assert len(kept) <= CAPTION_MAX_CHARS and text.startswith(kept)
    assert regex.findall(r"\X", kept)[1:] == [FAMILY] * (len(kept) // 7)  # no family broken
    assert notes["warnings"][0] == "an earlier note" and len(notes["warnings"]) == 2


def test_a_caption_within_the_bound_is_kept_as_it_is():
    notes: dict = {}
    text = "word " * (CAPTION_MAX_CHARS // 5)
    assert capped_caption(text, notes) == text and notes == {}
