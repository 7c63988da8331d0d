"""Folder names a person knows an imported post by: its date, a slug of its title or caption, and
enough of its source id to stay unique ("2025-01-14-golden-hour-on-the-pier-7301234").

An export's own ids are numbers or times (7301234567890123456, tiktok-20250114-153012): right for
the state and the manifest, which must never change, but a creator uploading by hand browses the
folders. The post's id stays what it was; only its bundle folder is named so (Post.folder).

The name is a pure function of what the export says (date, text, id), so the same export gives
the same names on every run. Letters of every script are kept as they are, CJK included (no
transliteration: a Chinese caption reads best as its own characters, a library's pinyin guess
for Japanese kanji would be wrong, and every file system repost supports stores Unicode names);
emoji, punctuation, hashtags, mentions and links are left out. See docs/bundles.md.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from repost.plan import safe_id

SLUG_MAX = 48  # characters of the slug: a folder name stays readable in a file browser
ID_KEY_MAX = 12  # a source id this long or shorter is kept whole (YouTube's are 11)
ID_TAIL = 7  # else its last characters, which vary from post to post (a TikTok id begins with
# its time: two posts of one minute share their first digits, not their last)
_DROP = re.compile(r"https?://\S+|www\.\S+|[#@][^\s#@]+", re.IGNORECASE)  # links, tags, mentions
_NOT_WORD = re.compile(r"[^\w]+|_+")


def slug(text: str | None) -> str:
    """``text`` as lower-case words joined by '-', letters and digits of every script only, cut
    at a word end to SLUG_MAX characters (one long word is cut where it must); '' for none."""
    if not text:
        return ""
    line = next((ln for ln in text.splitlines() if _DROP.sub(" ", ln).strip(" -_.")), "")
    words = [w for w in _NOT_WORD.split(unicodedata.normalize("NFKC", _DROP.sub(" ", line)).casefold()) if w]
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > SLUG_MAX:
            if len(out) < SLUG_MAX // 2:  # a long word (a CJK sentence has no spaces): cut it
                return candidate[:SLUG_MAX]
            break
        out = candidate
    return unicodedata.normalize("NFC", out)


def id_key(source_id: str) -> str:
    """The part of a source id a folder name carries: all of a short one, else its tail."""
    key = safe_id(source_id).strip("-.")
    return key if len(key) <= ID_KEY_MAX else key[-ID_TAIL:].strip("-.")


def readable_folder(created, title: str | None, caption: str | None, key: str) -> str:
    """``YYYY-MM-DD-<slug>-<key>``; "undated" for a post without a date, the slug left out
    where the post has no words. Folder-safe, and always ending in ``key``."""
    day = _day(created)
    parts = [day.isoformat() if day else "undated", slug(title) or slug(caption), key]
    return safe_id("-".join(p for p in parts if p))


def _day(created) -> dt.date | None:
    if isinstance(created, dt.datetime):
        return created.astimezone(dt.UTC).date() if created.tzinfo else created.date()
    if isinstance(created, dt.date):
        return created
    return None
