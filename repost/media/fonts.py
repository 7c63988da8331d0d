"""Finding an installed font that has every glyph of a text (CJK included), so no tofu is drawn."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "REPOST_FONT"
# Bold CJK faces first (Debian's fonts-noto-cjk, then older CJK packages), Latin last.
CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Black.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyhbd.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
)


@dataclass(frozen=True)
class FontChoice:
    """The font to draw a text with, and the characters no installed font has."""

    path: Path | None
    missing: tuple[str, ...]


def font_paths() -> list[Path]:
    """Fonts to try, in order: ``$REPOST_FONT``, then the known locations that exist."""
    found = [Path(p) for p in CANDIDATES if os.path.isfile(p)]
    own = os.environ.get(ENV_VAR)
    return ([Path(own)] if own and os.path.isfile(own) else []) + found


@functools.lru_cache(maxsize=32)
def _cmap(path: Path) -> frozenset[int]:
    """The code points a font (the first face of a collection) has glyphs for."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(str(path), fontNumber=0, lazy=True)
        try:
            return frozenset(font.getBestCmap() or {})
        finally:
            font.close()
    except (OSError, TTLibError, AssertionError, KeyError):
        return frozenset()


def choose_font(text: str, paths: list[Path] | None = None) -> FontChoice:
    """The first font with every glyph; else the one with the most, and what it lacks."""
    needed = {c for c in text if not c.isspace() and c.isprintable()}
    best: tuple[int, Path | None, set[str]] = (-1, None, needed)
    for path in font_paths() if paths is None else paths:
        have = _cmap(path)
        if not have:
            continue
        missing = {c for c in needed if ord(c) not in have}
        if not missing:
            return FontChoice(path, ())
        if len(needed) - len(missing) > best[0]:
            best = (len(needed) - len(missing), path, missing)
    return FontChoice(best[1], tuple(sorted(best[2])))
