"""The preview page in a real headless Chromium, opened from disk: cards, folds, filters, safety."""

from __future__ import annotations

import json

import pytest

from repost.platforms.profiles import load_profiles
from repost.preview.data import fold_caption
from repost.validate.bundle import find_bundles, validate_bundle

pytestmark = pytest.mark.usefixtures("chromium")


@pytest.fixture
def page(backlog, browser):
    """The backlog's page as opened from a file:// URL (opened again if a test went elsewhere)."""
    url = (backlog / "index.html").as_uri()
    if browser.evaluate("location.href.split('#')[0]") != url:
        browser.open(url)
        browser.evaluate("document.fonts.ready.then(() => true)")
    return browser


def js(page, expr: str):
    return page.evaluate(f"(() => {{ {expr} }})()")


def reset(page, platform="", status="", q=""):
    """Set the three filters as a user would and let the page rebuild."""
    return js(
        page,
        f"""
        const set = (id, v, ev) => {{ const e = document.getElementById(id); e.value = v;
                                      e.dispatchEvent(new Event(ev, {{bubbles: true}})); }};
        set('filter-platform', {json.dumps(platform)}, 'change');
        set('filter-status', {json.dumps(status)}, 'change');
        set('filter-search', {json.dumps(q)}, 'input');
        return new Promise(r => setTimeout(() => r(
            [...document.querySelectorAll('.card')].map(c => c.dataset.path)), 300));
        """,
    )


def test_one_card_per_bundle_each_with_its_platform_and_status(page, backlog):
    cards = reset(page)
    bundles = find_bundles(backlog)
    assert len(bundles) == 12  # 3 posts x 4 platforms
    assert sorted(cards) == sorted("/".join(b.relative_to(backlog).parts) for b in bundles)
    profiles = load_profiles()
    shown = js(
        page, "return [...document.querySelectorAll('.card')].map(c => [c.dataset.path, c.dataset.status])"
    )
    for path, status in shown:
        report = validate_bundle(backlog / path, profiles)
        assert (status == "failed") == (not report.ok), path


def test_warnings_changes_and_counts_are_shown(page, backlog):
    reset(page)
    card = js(
        page,
        """const c = document.querySelector('.card[data-path="cats/reels"]');
           return {warnings: [...c.querySelectorAll('.warnings li')].map(l => l.textContent),
                   changes: [...c.querySelectorAll('.changes li')].map(l => l.textContent),
                   badge: c.querySelector('.badge').textContent,
                   counts: [...c.querySelectorAll('.counts tbody tr')].map(r => r.textContent)};""",
    )
    manifest = json.loads((backlog / "cats" / "reels" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["warnings"] and card["warnings"] == manifest["warnings"]
    assert card["changes"] == manifest["changes"] and card["badge"] == "Warnings"
    caption = manifest["text"]["counts"]["caption"]
    assert any(row.startswith("caption") and f"{caption['count']} / 2,200" in row for row in card["counts"])


def test_caption_folds_where_each_profile_puts_it(page, backlog):
    reset(page)
    profiles = load_profiles()
    folded = 0
    for pid, profile in profiles.items():
        bundle = backlog / "cats" / pid
        if not bundle.is_dir():
            continue
        manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
        got = js(
            page,
            f"""const c = document.querySelector('.card[data-path="cats/{pid}"] .caption');
                return [c.dataset.fold, c.querySelector('.caption-visible').textContent,
                        !!c.querySelector('.more')];""",
        )
        fold = profile.text.caption.fold_length
        visible, rest = fold_caption(manifest["text"]["caption"], fold, profile.text.caption.count)
        assert got[1] == visible and got[2] == bool(rest), pid
        if fold is None:
            assert got[0] == "none"
        else:
            folded += 1
            # the caption is plain ASCII, so the fold falls exactly at fold_length characters
            assert got[0] == str(fold) and len(got[1]) == fold, pid
    assert folded >= 2  # TikTok and Reels name a fold


def test_more_unfolds_the_caption(page):
    reset(page, platform="tiktok", q="roof")
    state = js(
        page,
        """const c = document.querySelector('.card .caption'); const b = c.querySelector('.more');
           const before = [c.querySelector('.caption-rest').hidden, b.getAttribute('aria-expanded')];
           b.click();
           return [before, c.querySelector('.caption-rest').hidden, b.getAttribute('aria-expanded'),
                   c.innerText.includes('so do we')];""",
    )
    assert state == [[True, "false"], False, "true", True]


def test_filters_by_platform_status_and_search(page, backlog):
    assert reset(page, platform="rednote") == ["cats/rednote", "hostile/rednote", "photos/rednote"]
    assert js(page, "return location.hash") == "#platform=rednote"  # the view can be bookmarked
    # the cats post mentions an unmapped @handle, and the 720x1280 clip of cats and hostile is
    # below the recommended 1080x1920 (it will look soft): warnings on every platform
    assert reset(page, platform="reels", status="valid") == ["photos/reels"]
    assert reset(page, platform="reels", status="warnings") == ["cats/reels", "hostile/reels"]
    assert sorted(reset(page, q="#照片")) == [
        "photos/lemon8",
        "photos/rednote",
        "photos/reels",
        "photos/tiktok",
    ]
    assert reset(page, platform="tiktok", q="nothing matches this") == []
    summary = js(page, "return document.getElementById('summary').textContent")
    assert summary.startswith("Showing 0 of 12 bundles")


def test_failed_bundle_is_shown_as_failed_with_its_findings(backlog, browser, tmp_path):
    import shutil

    copy = tmp_path / "out"
    shutil.copytree(backlog, copy)
    (copy / "cats" / "tiktok" / "caption.txt").write_text("edited by hand\n", encoding="utf-8")
    from repost.preview import write_preview

    write_preview(copy, load_profiles())
    browser.open((copy / "index.html").as_uri() + "#status=failed")
    got = js(
        browser,
        """return [[...document.querySelectorAll('.card')].map(c => c.dataset.path),
                   document.querySelector('.card .findings').textContent,
                   document.getElementById('filter-status').value];""",
    )
    assert got[0] == ["cats/tiktok"] and got[2] == "failed"
    assert "caption.txt" in got[1] and "sha256" in got[1]


def test_carousel_moves_with_arrow_keys_and_images_carry_alt_text(page):
    reset(page, platform="rednote", q="photo note")
    js(page, "document.querySelector('.track').focus()")
    index = []
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "ArrowLeft", "Home"):
        page.press(key)
        index.append(js(page, "return document.querySelector('.track').dataset.index"))
    assert index == ["1", "2", "2", "1", "0"]
    got = js(
        page,
        """const t = document.querySelector('.track');
           return [document.activeElement === t, getComputedStyle(t).outlineStyle,
                   getComputedStyle(t).scrollSnapType,
                   [...t.querySelectorAll('img')].map(i => [i.alt, i.loading])];""",
    )
    assert got[0] is True and got[1] != "none"  # focus is kept and visible
    assert got[2].startswith("x")
    # the photo really loads from the bundle (the page's Content-Security-Policy lets local files in)
    size = js(
        page,
        """const i = document.querySelector('.track img'); i.scrollIntoView();
           return i.decode().then(() => [i.naturalWidth, i.naturalHeight]);""",
    )
    assert size == [1080, 1440]
    assert got[3] == [
        ["Blue square with a yellow corner", "lazy"],
        ["The same picture again", "lazy"],
        ["Photo 3 (the post gives no alt text)", "lazy"],
    ]


def test_tab_reaches_the_filters_and_slash_jumps_to_search(page, backlog):
    page.open((backlog / "index.html").as_uri())  # focus starts at the top of a fresh page
    order = []
    for _ in range(4):
        page.press("Tab")
        order.append(js(page, "const e = document.activeElement; return e.id || e.className"))
    assert order == ["skip", "filter-platform", "filter-status", "filter-search"]
    js(page, "document.activeElement.blur()")
    page.press("/")
    assert js(page, "return document.activeElement.id") == "filter-search"


def test_alt_texts_are_listed_for_the_creator(page):
    reset(page, platform="lemon8", q="photo note")
    alts = js(page, "return [...document.querySelectorAll('.card .alts li')].map(l => l.textContent)")
    assert alts == [
        "01.jpg: Blue square with a yellow corner",
        "02.jpg: The same picture again",
        "03.jpg: none given in the post",
    ]


def test_video_is_lazy_relative_and_labelled(page):
    reset(page, platform="reels", q="roof")
    video = js(
        page,
        """const v = document.querySelector('video');
           return [v.getAttribute('src'), v.getAttribute('preload'), v.getAttribute('poster'),
                   v.getAttribute('aria-label')];""",
    )
    assert video == ["cats/reels/01.mp4", "none", "cats/reels/cover.jpg", "Two cats on a roof at sunset"]


def test_manifest_text_is_never_markup(page):
    reset(page, q="window.pwned")
    got = js(
        page,
        """return [window.pwned, document.querySelectorAll('.card').length,
                   document.querySelector('.card .caption').innerText,
                   document.querySelectorAll('.card b, .card script, .card img[src="x"]').length,
                   document.querySelectorAll('script').length];""",
    )
    assert got[0] is None and got[1] == 4
    assert "<script>window.pwned = 2</script>" in got[2] and got[3] == 0 and got[4] == 2


def test_loads_nothing_from_the_network(backlog, browser):
    browser.open((backlog / "index.html").as_uri())
    urls = browser.requests()
    assert urls and all(u.startswith(("file://", "data:")) for u in urls), urls


def test_screenshot_is_not_blank(page, backlog, tmp_path):
    from PIL import Image

    reset(page)
    shot = page.screenshot(tmp_path / "preview.png")
    with Image.open(shot) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 50  # a page of cards, not one flat colour


def test_reduced_motion_turns_smooth_scrolling_off(page):
    def behaviour():
        return js(page, "return getComputedStyle(document.documentElement).scrollBehavior")

    assert behaviour() == "smooth"
    page.send(
        "Emulation.setEmulatedMedia",
        session=True,
        features=[{"name": "prefers-reduced-motion", "value": "reduce"}],
    )
    try:
        assert behaviour() == "auto"
    finally:
        page.send("Emulation.setEmulatedMedia", session=True, features=[])
