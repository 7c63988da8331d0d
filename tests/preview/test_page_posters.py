"""The preview page in headless Chromium: every card opens on a poster and folds its caption
(issue 16 part 8), Instagram's 3:4 grid crop, and for issue 17 the smart crop window over the
source and the watermark warning."""

from __future__ import annotations

import json
import shutil

import pytest

from repost.platforms.profiles import load_profiles

pytestmark = [pytest.mark.usefixtures("chromium"), pytest.mark.timeout(300)]

# Longer than every profile's fold, so every card folds (ASCII: units and characters agree).
LONG = " ".join(["Evening light over the harbour, boats coming home one by one."] * 6)


def _post(root, name: str, media: dict, extra: str = "") -> str:
    folder = root / name
    folder.mkdir(parents=True)
    for dest, src in media.items():
        shutil.copyfile(src, folder / dest)
    listed = ", ".join(media)
    (folder / "post.yaml").write_text(
        f"id: {name}\ntitle: {name}\ncaption: {LONG}\nmedia: [{listed}]\n{extra}", encoding="utf-8"
    )
    return str(folder)


def _export(*args) -> None:
    from repost.cli.main import main

    with pytest.raises(SystemExit) as info:
        main(["export", *map(str, args)])
    assert info.value.code == 0


@pytest.fixture(scope="module")
def posters(tmp_path_factory, clip_fits_all, photos_34, smart_clips, watermark_clips):
    """Every platform for a video post and a photo post (Shorts and the Reels slideshow have no
    cover.jpg), a walking face made with --fit smart, and a clip carrying a jumping watermark."""
    from repost.preview import write_preview

    root = tmp_path_factory.mktemp("posters")
    out = root / "out"
    video = _post(root, "video", {"clip.mp4": clip_fits_all})
    photos = _post(root, "photos", {f"{i}.jpg": p for i, p in enumerate(photos_34, 1)})
    _export(video, photos, "--to", "all", "--out", out)
    walk = _post(root, "walk", {"walk.mp4": smart_clips.walking().path})
    _export(walk, "--to", "tiktok,reels", "--fit", "smart", "--out", out)
    marked = _post(root, "marked", {"marked.mp4": watermark_clips.marked("testsrc2")})
    _export(marked, "--to", "lemon8", "--out", out)
    write_preview(out, load_profiles(), sources=[root])  # the posts' folders
    return out


@pytest.fixture
def page(posters, browser):
    browser.open((posters / "index.html").as_uri())
    browser.evaluate("document.fonts.ready.then(() => true)")
    return browser


def js(page, body: str):
    return page.evaluate(f"(() => {{ {body} }})()")


def test_every_card_has_a_poster_that_loads(page, posters):
    cards = js(
        page,
        """return Promise.all([...document.querySelectorAll('.card')].map(c => {
             const v = c.querySelector('video'); const img = c.querySelector('.media img');
             const src = v ? v.getAttribute('poster') : (img ? img.getAttribute('src') : null);
             if (!src) return [c.dataset.path, c.dataset.poster || null, 0];
             return new Promise(r => { const i = new Image();
               i.onload = () => r([c.dataset.path, c.dataset.poster, i.naturalWidth]);
               i.onerror = () => r([c.dataset.path, c.dataset.poster, 0]); i.src = src; });
           }));""",
    )
    paths = {p for p, _, _ in cards}
    assert {"video/shorts", "photos/shorts", "photos/reels", "walk/tiktok", "marked/lemon8"} <= paths
    assert len(cards) == len(list(posters.glob("*/*/manifest.json")))
    for path, source, width in cards:
        assert source and width > 0, (path, source)
    where = dict((p, s) for p, s, _ in cards)
    assert where["video/shorts"] == "a frame of the video"  # Shorts makes no cover.jpg
    assert where["video/tiktok"] == "cover" and where["photos/rednote"] == "first photo"


def test_every_card_folds_its_caption_and_more_unfolds_it(page):
    profiles = load_profiles()
    cards = js(
        page,
        """return [...document.querySelectorAll('.card')].map(c => {
             const cap = c.querySelector('.caption');
             return [c.dataset.platform, cap.dataset.fold, cap.querySelector('.caption-visible').textContent,
                     !!cap.querySelector('.more'), cap.querySelector('.ellipsis').textContent,
                     cap.getBoundingClientRect().height]; });""",
    )
    for platform, fold, visible, more, ellipsis, height in cards:
        limit = profiles[platform].text.caption.fold_length
        assert limit is not None and fold == str(limit), platform
        assert len(visible) == limit and more and ellipsis == "\u2026", platform
        assert height < 200, platform  # folded, not the 2,000 px card of a whole caption
    opened = js(
        page,
        """const cap = document.querySelector('.card[data-platform="shorts"] .caption');
           const before = cap.getBoundingClientRect().height; cap.querySelector('.more').click();
           return [before, cap.getBoundingClientRect().height, cap.querySelector('.ellipsis').hidden];""",
    )
    assert opened[1] > opened[0] and opened[2]


def test_reels_shows_the_3_4_grid_crop_of_its_cover(page):
    tiles = js(
        page,
        """return [...document.querySelectorAll('.card')].map(c => {
             const t = c.querySelector('.grid-tile'); if (!t) return [c.dataset.platform, null];
             const r = t.getBoundingClientRect(); const img = t.querySelector('img');
             const video = c.querySelector('video');
             return [c.dataset.platform, r.width / r.height, getComputedStyle(img).objectFit,
                     !!video && img.getAttribute('src') === video.getAttribute('poster')]; });""",
    )
    reels = [t for t in tiles if t[0] == "reels"]
    assert reels and all(abs(r[1] - 0.75) < 0.02 and r[2] == "cover" and r[3] for r in reels)
    assert all(t[1] is None for t in tiles if t[0] != "reels")  # only a profile naming a grid crop


def test_the_smart_window_follows_the_path_as_the_video_plays(page, posters):
    manifest = json.loads((posters / "walk" / "tiktok" / "manifest.json").read_text(encoding="utf-8"))
    reframe = next(f["reframe"] for f in manifest["files"] if f["role"] == "video")
    width = next(f["source"]["width"] for f in manifest["files"] if f["role"] == "video")
    keys = [(k["t"], k["x"]) for k in reframe["keys"]]
    late = keys[-1][0]
    got = js(
        page,
        f"""const c = document.querySelector('.card[data-path="walk/tiktok"]');
            const v = c.querySelector('video'); const w = c.querySelector('.smart-window');
            const at = t => {{ Object.defineProperty(v, 'currentTime', {{value: t, configurable: true}});
                               v.dispatchEvent(new Event('seeked')); return parseFloat(w.style.left); }};
            return [at(0), at({late}), !!c.querySelector('.smart-frame img'),
                    !!document.querySelector('.card[data-path="walk/reels"] .smart-window'),
                    !!document.querySelector('.card[data-path="video/tiktok"] .smart')];""",
    )
    assert got[0] == pytest.approx(100 * keys[0][1] / width, abs=0.1)
    assert got[1] == pytest.approx(100 * keys[-1][1] / width, abs=0.1)
    assert got[1] > got[0] + 10  # the subject walks right: so does the window
    assert got[2]  # a still of the source under the window
    assert got[3] and not got[4]  # every smart bundle, and no other


def test_the_watermark_warning_is_flagged_on_the_card(page, posters):
    manifest = json.loads((posters / "marked" / "lemon8" / "manifest.json").read_text(encoding="utf-8"))
    assert any("other_watermark" in w for w in manifest["warnings"])
    flags = js(
        page,
        """return [...document.querySelectorAll('.card')].filter(c => c.querySelector('.wm-flag'))
                  .map(c => [c.dataset.path, c.querySelector('.wm-flag').title]);""",
    )
    assert [p for p, _ in flags] == ["marked/lemon8"]
    assert "watermark" in flags[0][1]
