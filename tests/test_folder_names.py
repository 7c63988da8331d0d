"""Readable folder names for imported posts, and the one-time move of an output folder made when
they were named by their ids (7300000000000000000/)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
import unicodedata
from pathlib import Path

import pytest

from repost.migrate.importers import tiktok, ytdlp
from repost.migrate.importers.naming import SLUG_MAX, id_key, readable_folder, slug

DAY = dt.datetime(2025, 1, 14, 15, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("title", "caption", "name"),
    [
        (
            None,
            "Golden hour on the pier 🌅 #sunset @me https://t.co/x",
            "2025-01-14-golden-hour-on-the-pier-7301234",
        ),
        ("Golden Hour!", "ignored", "2025-01-14-golden-hour-7301234"),
        (None, "日落时分的码头 #日落", "2025-01-14-日落时分的码头-7301234"),  # CJK kept as written
        (None, "抹茶ラテ☕️とケーキ", "2025-01-14-抹茶ラテ-とケーキ-7301234"),
        (None, "🌅🌅🌅 #sunset", "2025-01-14-7301234"),  # no words: date and id
        (None, "", "2025-01-14-7301234"),
        (None, "#only #tags\nSecond line has words", "2025-01-14-second-line-has-words-7301234"),
        (None, "Cafe\u0301 con leche", "2025-01-14-café-con-leche-7301234"),  # one form (NFC) on every OS
        (None, 'a/b\\c:d*e?f"g<h>i|j', "2025-01-14-a-b-c-d-e-f-g-h-i-j-7301234"),
    ],
)
def test_a_folder_name_is_date_slug_and_id(title, caption, name):
    assert readable_folder(DAY, title, caption, "7301234") == name


def test_long_titles_are_cut_at_a_word_and_fit_any_file_system():
    long = " ".join(["sunset"] * 40)
    cut = slug(long)
    assert len(cut) <= SLUG_MAX and cut.endswith("sunset") and not cut.endswith("-")
    cjk = slug("日" * 300)
    assert cjk == "日" * SLUG_MAX
    name = readable_folder(DAY, None, "日" * 300, "7301234")
    assert name.endswith("-7301234") and len(name.encode("utf-8")) < 255


def test_undated_posts_and_source_ids():
    assert readable_folder(None, "Dusk", None, "abc") == "undated-dusk-abc"
    assert readable_folder(dt.date(2024, 2, 29), None, "x", "k") == "2024-02-29-x-k"
    assert id_key("7301234567890123456") == "0123456"  # the tail: a TikTok id begins with its time
    assert id_key("dQw4w9WgXcQ") == "dQw4w9WgXcQ"  # short ids whole
    assert unicodedata.is_normalized("NFC", readable_folder(DAY, None, "e\u0301te\u0301", "1"))


def test_imported_posts_get_unique_folders_that_stay_the_same_across_runs(
    tmp_path, clip_fits_all, tiktok_video, write_tiktok_export, write_ytdlp_entry
):
    folder = tmp_path / "yt"
    for stem in ("7300000000000000001", "7311111110000000001"):  # same tail, same day, same title
        write_ytdlp_entry(
            folder, stem, clip_fits_all, title="Dusk", description="Dusk 🐱", timestamp=1700000000
        )
    first = [p.post.folder for p in ytdlp.iter_posts(folder, tmp_path / "dl")]
    assert first == ["2023-11-14-dusk-0000001", "2023-11-14-dusk-0000001-2"]
    assert [p.post.folder for p in ytdlp.iter_posts(folder, tmp_path / "dl")] == first
    videos = [tiktok_video("2024-03-02 18:04:11", "https://x/v/1", "Same second"),
              tiktok_video("2024-03-02 18:04:11", "https://x/v/2", "Same second")]  # fmt: skip
    source = write_tiktok_export(tmp_path / "TikTok_Data", videos)
    posts = list(tiktok.iter_posts(source, tmp_path / "dl"))
    assert [p.id for p in posts] == ["tiktok-20240302-180411", "tiktok-20240302-180411-2"]
    assert [p.post.folder for p in posts] == [
        "2024-03-02-same-second-180411",
        "2024-03-02-same-second-180411-2",
    ]


# --- the one-time move of an output folder made with id names ------------------------------


@pytest.fixture
def yt_backlog(tmp_path: Path, clip_fits_all: Path, write_ytdlp_entry) -> Path:
    """A yt-dlp folder of two posts (tmp_path/yt)."""
    folder = tmp_path / "yt"
    for i in range(2):
        write_ytdlp_entry(folder, f"730000000000000000{i}", clip_fits_all, title=f"Dusk cats {i}",
                          description=f"Cats {i} 🐱", timestamp=1700000000 - i * 86400)  # fmt: skip
    return folder


NEW = ["2023-11-13-dusk-cats-1-0000001", "2023-11-14-dusk-cats-0-0000000"]
OLD = ["7300000000000000000", "7300000000000000001"]


def _old_layout(run, monkeypatch, source: Path, out: Path) -> None:
    """Migrate as repost did before folders had names: each post's folder its id."""
    with monkeypatch.context() as m:
        m.setattr("repost.migrate.importers.common.IdMaker.folder", lambda self, name: None)
        assert run("migrate", source, "--to", "reels,rednote", "--out", out).code == 0
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != ".repost") == OLD
    # one bundle was published: its publish.json and its record in the state
    bundle = out / OLD[0] / "reels"
    (bundle / "publish.json").write_text(
        json.dumps({"published": [{"account": "me", "remote_id": "R1", "status": "published"}]}),
        encoding="utf-8",
    )
    from repost.publish.records import SCHEMA

    with sqlite3.connect(out / ".repost" / "state.db") as db:
        db.execute(SCHEMA)
        db.execute(
            "INSERT INTO publish_records VALUES "
            "(?, 'reels', 'me', 'R1', NULL, ?, '2026-01-01T00:00:00', 'published')",
            (OLD[0], str(bundle.resolve())),
        )


def _no_probe(monkeypatch) -> None:
    def fail(path):
        raise AssertionError(f"probed {path}: a moved bundle must stay up to date")

    monkeypatch.setattr("repost.bundle.make.probe_media", fail)


def _state(out: Path) -> tuple[set, list]:
    with sqlite3.connect(out / ".repost" / "state.db") as db:
        rows = {
            (post, Path(bundle).parent.name)
            for post, bundle in db.execute("SELECT post, bundle FROM bundles")
        }
        published = db.execute("SELECT post_id, bundle FROM publish_records").fetchall()
    return rows, published


def _assert_moved(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != ".repost") == NEW
    rows, published = _state(out)
    assert rows == {(OLD[0], NEW[1]), (OLD[1], NEW[0])}
    assert published == [(OLD[0], str((out / NEW[1] / "reels").resolve()))]
    assert (out / NEW[1] / "reels" / "publish.json").is_file()  # still published
    manifest = json.loads((out / NEW[1] / "reels" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["post"]["id"] == OLD[0]  # the post's id never changes: only its folder


def test_an_output_folder_with_id_names_is_moved_once_and_nothing_is_made_again(
    run, monkeypatch, tmp_path, yt_backlog
):
    source, out = yt_backlog, tmp_path / "out"
    _old_layout(run, monkeypatch, source, out)
    _no_probe(monkeypatch)
    result = run("migrate", source, "--to", "reels,rednote", "--out", out, "--json")
    assert result.code == 0, result.out + result.err
    assert (result.json()["done"], result.json()["up_to_date"]) == (0, 4)
    _assert_moved(out)
    md = (out / "report.md").read_text(encoding="utf-8")
    # named by its folder now, its source id in the last column
    row = f"| 2023-11-14 | Dusk cats 0 | {NEW[1]} | reels | up to date | {NEW[1]}/reels |"
    assert any(line.startswith(row) and line.endswith(f" | {OLD[0]} |") for line in md.splitlines())
    assert run("validate", out).code == 0
    again = run("migrate", source, "--to", "reels,rednote", "--out", out, "--json")
    assert again.json()["up_to_date"] == 4
    _assert_moved(out)


def test_a_run_killed_between_the_move_and_the_state_leaves_a_usable_state(
    run, monkeypatch, tmp_path, yt_backlog
):
    source, out = yt_backlog, tmp_path / "out"
    _old_layout(run, monkeypatch, source, out)

    def killed(self, post, moved, name=None):
        raise KeyboardInterrupt  # the folders were renamed, the rows not yet

    with monkeypatch.context() as m:
        m.setattr("repost.migrate.state.State.move_bundles", killed)
        run("migrate", source, "--to", "reels,rednote", "--out", out)
    assert (out / NEW[1]).is_dir() and not (out / OLD[0]).exists()
    assert {folder for _, folder in _state(out)[0]} == set(OLD)  # rows as they were
    _no_probe(monkeypatch)
    result = run("migrate", source, "--to", "reels,rednote", "--out", out, "--json")
    assert result.code == 0, result.out + result.err
    assert (result.json()["done"], result.json()["up_to_date"]) == (0, 4)
    _assert_moved(out)


def test_a_folder_that_holds_another_posts_bundle_is_never_moved_onto(run, monkeypatch, tmp_path, yt_backlog):
    source, out = yt_backlog, tmp_path / "out"
    _old_layout(run, monkeypatch, source, out)
    (out / NEW[1]).mkdir()
    (out / NEW[1] / "notes.txt").write_text("mine", encoding="utf-8")  # the user's own folder
    result = run("migrate", source, "--to", "reels,rednote", "--out", out, "--json")
    assert (out / NEW[1] / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / OLD[0] / "reels" / "publish.json").is_file()  # left where it was, still published
    # its bundles stay where they are, up to date, and their rows say so
    assert result.code == 0 and result.json()["up_to_date"] == 4
    assert (OLD[0], OLD[0]) in _state(out)[0]


def test_migrate_names_imported_posts_by_folder_in_progress_results_and_summary(
    tmp_path, clip_fits_all, run, profiles, write_ytdlp_entry
):
    """A yt-dlp backlog's posts are named as their folders are, not by the 19-digit source id:
    in every progress step, every result line, a dry run's plans and the JSON's failures."""
    from repost.events import Events
    from repost.migrate.run import MigrateOptions, migrate

    source = tmp_path / "yt"
    write_ytdlp_entry(source, "7300000000000000001", clip_fits_all, title="Dusk cats", upload_date="20231111")
    write_ytdlp_entry(source, "7300000000000000002", None, title="Gone cats", upload_date="20231112")
    good, gone = "2023-11-11-dusk-cats-0000001", "2023-11-12-gone-cats-0000002"

    class Steps(Events):
        def __init__(self) -> None:
            self.named: set[str] = set()

        def begin(self, task):
            self.named.add(task.post)
            return super().begin(task)

    steps = Steps()
    summary = migrate(source, profiles, MigrateOptions(out=tmp_path / "lib", to="reels"), steps)
    assert summary.made == 1 and steps.named == {good}  # reading, looking, encoding, writing
    assert [(f["post"], f["name"]) for f in summary.failed] == [("7300000000000000002", gone)]

    out = tmp_path / "out"
    text = run("migrate", source, "--to", "reels,tiktok", "--out", out)
    assert text.code == 1
    lines = [line for line in text.out.splitlines() if line.startswith(("✓ ", "✗ "))]
    assert sorted(line.split(":")[0] for line in lines) == [
        f"✓ {good} → reels",
        f"✓ {good} → tiktok",
        f"✗ {gone} → reels",
        f"✗ {gone} → tiktok",
    ]
    assert "730000000000000000" not in "\n".join(line.split(": ", 1)[0] for line in lines)
    doc = run("migrate", source, "--to", "reels", "--out", out, "--json").json()
    assert doc["failed"] == [
        {"post": "7300000000000000002", "name": gone, "platform": "reels", "error": doc["failed"][0]["error"]}
    ]
    dry = run("migrate", source, "--to", "reels", "--out", tmp_path / "dry", "--dry-run")
    assert f"plan: {good} → reels: " in dry.out


# --- report.md and schedule.csv name the posts as a person knows them -------------------------


def _table(md: str) -> list[dict[str, str]]:
    """report.md's table of every bundle, each row as {column: cell}."""
    lines = [line for line in md.splitlines() if line.startswith("| ")]
    head = [c.strip() for c in lines[0].strip("|").split(" | ")]
    return [
        dict(zip(head, (c.strip() for c in line.strip("|").split(" | ")), strict=True)) for line in lines[2:]
    ]


def _schedule(out: Path) -> list[dict[str, str]]:
    with open(out / "schedule.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_a_backlogs_report_and_schedule_name_posts_readably_and_keep_the_id(
    run, tmp_path, write_ytdlp_entry, yt_backlog
):
    """report.md's post column names each post of a yt-dlp backlog by its folder (the failed one
    too), its id in the last column; report.json and schedule.csv keep the id in "post" and add
    "name"; the calendar's events name the post and give the id, their UID made from the id."""
    source, out = yt_backlog, tmp_path / "out"
    write_ytdlp_entry(source, "7300000000000000002", None, title="Gone cats", upload_date="20231116")
    gone = "2023-11-16-gone-cats-0000002"
    result = run("migrate", source, "--to", "reels,rednote", "--out", out, "--schedule", "daily 18:00",
                 "--start", "2026-05-01", "--json")  # fmt: skip
    assert result.code == 1 and result.json()["done"] == 4
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "3 posts → 6 bundles: 4 ready, 2 failed, 0 skipped" in md
    assert [(r["date"], r["post"], r["platform"], r["bundle"], r["id"]) for r in _table(md)] == [
        ("2023-11-13", NEW[0], "rednote", f"{NEW[0]}/rednote", OLD[1]),
        ("2023-11-13", NEW[0], "reels", f"{NEW[0]}/reels", OLD[1]),
        ("2023-11-14", NEW[1], "rednote", f"{NEW[1]}/rednote", OLD[0]),
        ("2023-11-14", NEW[1], "reels", f"{NEW[1]}/reels", OLD[0]),
        ("2023-11-16", gone, "rednote", "", "7300000000000000002"),
        ("2023-11-16", gone, "reels", "", "7300000000000000002"),
    ]
    bundles = json.loads((out / "report.json").read_text(encoding="utf-8"))["bundles"]
    assert {(b["post"], b["name"]) for b in bundles} == {
        (OLD[0], NEW[1]),
        (OLD[1], NEW[0]),
        ("7300000000000000002", gone),
    }
    rows = _schedule(out)
    assert [(r["date"], r["platform"], r["post"], r["name"], r["title"]) for r in rows] == [
        ("2026-05-01", "rednote", OLD[1], NEW[0], "Dusk cats 1"),
        ("2026-05-02", "rednote", OLD[0], NEW[1], "Dusk cats 0"),
        ("2026-05-01", "reels", OLD[1], NEW[0], "Dusk cats 1"),
        ("2026-05-02", "reels", OLD[0], NEW[1], "Dusk cats 0"),
    ]
    assert all(Path(r["bundle"]).parent.name == r["name"] for r in rows)
    ics = (out / "schedule.ics").read_bytes().decode("utf-8").replace("\r\n ", "")
    assert f"\\nPost: {NEW[0]}\\nId: {OLD[1]}\r\n" in ics
    assert "SUMMARY:Post on reels: Dusk cats 1\r\n" in ics and f"UID:{OLD[1]}-reels-" in ics


def test_an_output_folder_from_before_names_were_kept_reports_its_posts_by_their_folders(
    run, tmp_path, clip_fits_all, write_ytdlp_entry, yt_backlog
):
    """A state without names (version 3) takes them from the bundles' folders: a run of another
    source into the same folder reports and paces the posts it never meets by their names."""
    source, out = yt_backlog, tmp_path / "out"
    assert run("migrate", source, "--to", "reels", "--out", out).code == 0
    with sqlite3.connect(out / ".repost" / "state.db") as db:  # as repost wrote it before
        db.execute("ALTER TABLE bundles DROP COLUMN name")
        db.execute("PRAGMA user_version = 3")
    other = tmp_path / "other"
    write_ytdlp_entry(other, "7400000000000000009", clip_fits_all, title="Tea time", upload_date="20240101")
    result = run("migrate", other, "--to", "reels", "--out", out, "--schedule", "daily 18:00", "--json")
    assert result.code == 0, result.out + result.err
    table = _table((out / "report.md").read_text(encoding="utf-8"))
    assert [(r["post"], r["id"]) for r in table] == [
        (NEW[0], OLD[1]),
        (NEW[1], OLD[0]),
        ("2024-01-01-tea-time-0000009", "7400000000000000009"),
    ]
    assert [r["name"] for r in _schedule(out)] == [NEW[0], NEW[1], "2024-01-01-tea-time-0000009"]


def test_a_platform_a_run_leaves_alone_is_named_by_the_posts_new_folder(
    run, monkeypatch, tmp_path, yt_backlog
):
    """Moved from its id's folder by a run for Reels alone, a post's RedNote bundles are listed
    by its new name too, not by the id the rows of that older run held."""
    source, out = yt_backlog, tmp_path / "out"
    _old_layout(run, monkeypatch, source, out)
    assert run("migrate", source, "--to", "reels", "--out", out).code == 0
    table = _table((out / "report.md").read_text(encoding="utf-8"))
    assert [(r["post"], r["platform"], r["bundle"]) for r in table if r["platform"] == "rednote"] == [
        (NEW[0], "rednote", f"{NEW[0]}/rednote"),
        (NEW[1], "rednote", f"{NEW[1]}/rednote"),
    ]
