"""Generated hostile input (hypothesis): manifest.json, post.yaml and importer JSON of every type,
depth and size give a finding or a clean error (exit 1 or 2), never "internal error"."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repost.cli.main import main
from repost.media.probe import clear_probe_cache

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text without lone surrogates where a YAML or JSON writer must spell it; with them where the JSON
# escapes them (json.dumps writes "\ud83d", as a caption cut mid-emoji does in real exports).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=24)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
    | st.sampled_from(["a.jpg", "../a.jpg", "/etc/passwd", "a\0.jpg", "", " ", "N/A", "2026-01-01", "1e400"])
)
JSON = st.recursive(
    SCALARS, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4), max_leaves=12
)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# A whole file that is not the expected document at all: deep, empty, not JSON, huge text.
RAW = st.one_of(
    st.integers(1, 3000).map(nested),
    st.integers(1, 400).map(lambda n: '{"a": ' * n + "1" + "}" * n),
    st.sampled_from(["", "null", "[]", "{}", "{", "\ufeff{}", "NaN", '"text"', "1e400", "\0"]),
    TEXT,
)


def invoke(*args) -> tuple[int, str, str]:
    """The real command line in-process: (exit code, stdout, stderr)."""
    clear_probe_cache()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    return int(info.value.code or 0), out.getvalue(), err.getvalue()


def clean(code: int, err: str, allowed=(0, 1, 2)) -> None:
    assert code in allowed, (code, err)
    assert "internal error" not in err and "Traceback" not in err, err


@pytest.fixture(scope="module")
def photo(tmp_path_factory, image_factory) -> Path:
    return image_factory("hypothesis-photo.jpg", size=(300, 400))


# --- manifest.json ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundles(tmp_path_factory, photo) -> Path:
    """out/good/tiktok and out/bad/tiktok, made once by the real export."""
    root = tmp_path_factory.mktemp("fuzz-bundles")
    for name in ("good", "bad"):
        (root / name).mkdir()
        shutil.copyfile(photo, root / name / "a.jpg")
        (root / name / "post.yaml").write_text("caption: A photo #cat\nmedia: [a.jpg]\n", encoding="utf-8")
    code, _, err = invoke("export", root / "good", root / "bad", "--to", "tiktok", "--out", root / "out")
    assert code == 0, err
    return root / "out"


def _paths(value, prefix=()):
    """Every key path in a JSON document, the document itself first."""
    yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from _paths(child, (*prefix, key))


@st.composite
def broken_manifest(draw, doc: dict) -> str:
    """``doc`` with a few values replaced, removed or added; or a whole raw file."""
    if draw(st.integers(0, 9)) == 0:
        return draw(RAW)
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        where = draw(st.sampled_from(paths))
        value = draw(JSON | st.integers(1, 200).map(lambda n: json.loads(nested(n))))
        if not where:
            doc = value
            continue
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["set", "drop", "add"]))
        if action == "drop":
            del parent[where[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(TEXT)] = value
        else:
            parent[where[-1]] = value
    return json.dumps(doc)


@pytest.mark.timeout(600)
def test_any_manifest_is_a_finding_of_its_bundle_only(bundles, tmp_path_factory):
    good_doc = json.loads((bundles / "bad" / "tiktok" / "manifest.json").read_text(encoding="utf-8"))

    @SETTINGS
    @given(text=broken_manifest(good_doc))
    def check(text):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            shutil.copytree(bundles, out)
            (out / "bad" / "tiktok" / "manifest.json").write_text(text, encoding="utf-8")
            code, stdout, err = invoke("validate", out, "--json")
            clean(code, err, allowed=(0, 1))
            reports = {Path(b["path"]).parent.name: b for b in json.loads(stdout)["bundles"]}
            assert reports["good"]["ok"], reports["good"]
            code, _, err = invoke("preview", out)
            clean(code, err, allowed=(0,))

    check()


# --- post.yaml ----------------------------------------------------------------------------------

POST_KEYS = [
    "id", "title", "caption", "hashtags", "mentions", "media", "cover", "created", "lang", "translations",
    "platforms", "source", "fit", "audio", "cover_text", "unknown",
]  # fmt: skip
PLAUSIBLE = {
    "media": st.sampled_from(
        [["a.jpg"], [{"path": "a.jpg", "alt": "x"}], "a.jpg", [], [None], [{"path": 1}]]
    ),
    "platforms": st.dictionaries(st.sampled_from(["tiktok", "rednote", "TikTok", "x"]), JSON, max_size=2),
    "cover": st.sampled_from(["a.jpg", {"time": 0.5}, {"time": "x"}, {"time": -1}, {"time": 1e308}]),
}


@st.composite
def post_yaml(draw) -> str:
    """A post.yaml: the known keys with any values (plausible ones often), aliases, or raw text."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(RAW | TEXT)
    if kind == 1:  # anchors and aliases, a few levels of them
        levels, width = draw(st.integers(1, 6)), draw(st.integers(1, 6))
        lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
        lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
        return "\n".join(lines) + "\nmedia: [a.jpg]\n"
    doc = {"media": ["a.jpg"]}
    for key in draw(st.lists(st.sampled_from(POST_KEYS), max_size=6, unique=True)):
        value = draw(PLAUSIBLE[key] if key in PLAUSIBLE and draw(st.booleans()) else JSON)
        doc[key] = value
    try:
        return yaml.safe_dump(doc, allow_unicode=True)
    except yaml.YAMLError:
        return json.dumps(doc)  # JSON is YAML too


@pytest.mark.timeout(600)
def test_any_post_yaml_exports_or_is_refused_cleanly(photo):
    @SETTINGS
    @given(text=post_yaml())
    def check(text):
        with tempfile.TemporaryDirectory() as tmp:
            post = Path(tmp) / "post"
            post.mkdir()
            shutil.copyfile(photo, post / "a.jpg")
            (post / "post.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
            code, _, err = invoke(
                "export", post, "--to", "tiktok,rednote", "--out", Path(tmp) / "out", "--dry-run"
            )
            clean(code, err)

    check()


# --- importer JSON ------------------------------------------------------------------------------

TIKTOK_KEYS = ["Date", "date", "Link", "link", "Title", "WhoCanView", "AlternateText", "Likes"]
IG_KEYS = ["media", "title", "creation_timestamp", "uri"]
YTDLP_KEYS = ["id", "title", "description", "tags", "timestamp", "upload_date", "_filename", "_type",
              "webpage_url", "filepath"]  # fmt: skip


def entries(keys: list[str], plausible: dict) -> st.SearchStrategy:
    """Mappings over ``keys`` with any values (plausible ones often), or anything at all."""
    value = {k: (plausible.get(k, JSON) | JSON) for k in keys}
    mapping = st.fixed_dictionaries({}, optional=value)
    return mapping | JSON


TIKTOK_PLAUSIBLE = {
    "Date": st.sampled_from(["2024-05-01 10:00:00", "1714557600", "soon", "9" * 40]),
    "Link": st.sampled_from(
        ["https://v16.example/a.mp4?sig=1", "ftp://x", "http://\0", "https://a\nhttps://b"]
    ),
}
IG_PLAUSIBLE = {
    "media": st.lists(
        st.fixed_dictionaries(
            {}, optional={"uri": st.sampled_from(["cat.jpg", "../cat.jpg", "/etc/passwd", "gone.jpg"]) | JSON,
                          "creation_timestamp": st.integers(-(2**70), 2**70) | JSON, "title": JSON}
        ) | JSON,
        max_size=3,
    ),
    "creation_timestamp": st.integers(-(2**70), 2**70),
}  # fmt: skip
YTDLP_PLAUSIBLE = {
    "_filename": st.sampled_from(["v.mp4", "../v.mp4", "/etc/passwd", "v\0.mp4"]),
    "timestamp": st.integers(-(2**70), 2**70) | st.floats(),
    "upload_date": st.sampled_from(["20240501", "2024", "99999999"]),
    "tags": st.lists(TEXT, max_size=3) | TEXT,
}


@st.composite
def importer_file(draw, build) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(RAW)
    return json.dumps(build(draw))


def _tiktok(draw):
    items = draw(st.lists(entries(TIKTOK_KEYS, TIKTOK_PLAUSIBLE), max_size=4))
    return {"Post": {"Posts": {"VideoList": items}}} if draw(st.booleans()) else {"Video": draw(JSON)}


def _instagram(draw):
    return draw(st.lists(entries(IG_KEYS, IG_PLAUSIBLE), max_size=4))


def _ytdlp(draw):
    return draw(entries(YTDLP_KEYS, YTDLP_PLAUSIBLE))


def _layout(kind: str, root: Path, text: str, photo: Path) -> None:
    if kind == "tiktok":
        (root / "user_data_tiktok.json").write_text(text, encoding="utf-8")
    elif kind == "instagram":
        content = root / "your_instagram_activity" / "media"
        content.mkdir(parents=True)
        (content / "posts_1.json").write_text(text, encoding="utf-8")
        shutil.copyfile(photo, root / "cat.jpg")
    else:
        (root / "v.info.json").write_text(text, encoding="utf-8")
        shutil.copyfile(photo, root / "v.mp4")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("kind", ["tiktok", "instagram", "ytdlp"])
def test_any_importer_json_migrates_or_fails_cleanly(photo, kind):
    build = {"tiktok": _tiktok, "instagram": _instagram, "ytdlp": _ytdlp}[kind]

    @SETTINGS
    @given(text=importer_file(build))
    def check(text):
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "source"
            source.mkdir()
            _layout(kind, source, text, photo)
            code, _, err = invoke(
                "migrate", source, "--to", "tiktok", "--out", Path(tmp) / "out", "--dry-run"
            )
            clean(code, err)

    check()
