"""schedule: the --schedule grammar, slots across days, and RFC 5545 folding and escaping."""

import datetime as dt

import pytest

from repost.errors import UsageError
from repost.migrate.schedule import escape_text, fold_lines, parse_schedule, plan_slots
from repost.migrate.state import Record


def test_grammar_and_slots():
    s = parse_schedule("every 2 days 18:00,9:30", dt.date(2026, 1, 1), "Asia/Shanghai")
    slots = s.slots()
    got = [next(slots) for _ in range(3)]
    assert [x.isoformat() for x in got] == [
        "2026-01-01T09:30:00+08:00",
        "2026-01-01T18:00:00+08:00",
        "2026-01-03T09:30:00+08:00",
    ]
    default = parse_schedule("daily 18:00", None, None)
    assert default.tz.key == "UTC" and default.start > dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("spec", "tz", "message"),
    [("weekly 18:00", None, "cannot read"), ("daily 25:00", None, "no such time"),
     ("daily 18:00", "Mars/Olympus", "unknown time zone")],
)  # fmt: skip
def test_bad_schedules_are_usage_errors(spec, tz, message):
    with pytest.raises(UsageError, match=message):
        parse_schedule(spec, None, tz)


def test_each_platform_gets_its_own_slots_and_undone_posts_none():
    s = parse_schedule("daily 18:00", dt.date(2026, 5, 1), "UTC")
    records = [
        Record("a", "rednote", "done", "made"),
        Record("b", "rednote", "failed", "failed"),
        Record("c", "rednote", "done", "made"),
        Record("a", "reels", "done", "up_to_date"),
    ]
    got = [(when.day, r.post, r.platform) for when, r in plan_slots(records, s)]
    assert got == [(1, "a", "rednote"), (2, "c", "rednote"), (1, "a", "reels")]


def test_folding_counts_octets_and_never_splits_a_character():
    line = "SUMMARY:" + "猫🐱" * 40
    folded = fold_lines([line])
    parts = folded.encode("utf-8").split(b"\r\n")
    assert parts[-1] == b"" and all(len(p) <= 75 for p in parts)
    assert all(p.startswith(b" ") for p in parts[1:-1])
    assert folded.replace("\r\n ", "") == line + "\r\n"  # every part decodes: no split character


def test_text_escaping():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_a_time_the_clocks_skip_becomes_the_time_it_falls_on():
    # Europe/Berlin skips 02:00-03:00 on 29 March 2026: 02:30 that day is 03:30 summer time.
    s = parse_schedule("daily 02:30", dt.date(2026, 3, 28), "Europe/Berlin")
    slots = s.slots()
    got = [next(slots) for _ in range(3)]
    assert [x.strftime("%m-%d %H:%M") for x in got] == ["03-28 02:30", "03-29 03:30", "03-30 02:30"]
    assert got[1].astimezone(dt.UTC).strftime("%H:%M") == "01:30"  # the ICS says the same moment


def test_events_keep_their_uid_when_the_plan_moves(tmp_path):
    from repost.migrate.schedule import write_schedule

    records = [Record("a", "reels", "done", "made", bundle="/o/a/reels")]
    uids = []
    for run, start in ((1, dt.date(2026, 5, 1)), (2, dt.date(2026, 6, 1))):
        schedule = parse_schedule("daily 18:00", start, "UTC")
        write_schedule(records, schedule, tmp_path, dt.datetime(2026, 4, 1, tzinfo=dt.UTC), run)
        lines = (tmp_path / "schedule.ics").read_bytes().decode().replace("\r\n ", "").split("\r\n")
        uids.append(next(x for x in lines if x.startswith("UID:")))
        assert f"SEQUENCE:{run}" in lines and f"DTSTART:{start:%Y%m%d}T180000Z" in lines
    assert uids[0] == uids[1] and uids[0].startswith("UID:a-reels-")
    other = tmp_path / "other"
    other.mkdir()
    write_schedule(records, schedule, other, dt.datetime(2026, 4, 1, tzinfo=dt.UTC), 1)
    assert uids[0] not in (other / "schedule.ics").read_bytes().decode().replace("\r\n ", "")
    assert not list((tmp_path / ".repost" / "tmp").iterdir())  # written aside there, then renamed


def test_a_post_is_named_as_a_person_knows_it_and_keeps_its_id_where_machines_read(tmp_path):
    """schedule.csv: "post" stays the id, "name" (last) is the readable name; the calendar's
    summary and description name the post so, and its UID is made from the id alone."""
    import csv

    from repost.migrate.schedule import write_schedule

    named = Record("7300000000000000001", "reels", "done", "made", bundle="/o/2023-11-14-dusk-0000001/reels",
                   name="2023-11-14-dusk-0000001")  # fmt: skip
    titled = Record("7300000000000000002", "tiktok", "done", "made", bundle="/o/b/tiktok", title="Tea",
                    name="2023-11-15-tea-0000002", part=1, parts=2)  # fmt: skip
    plain = Record("cats", "tiktok", "done", "made", bundle="/o/cats/tiktok")  # a post.yaml's: no name kept
    schedule = parse_schedule("daily 18:00", dt.date(2026, 5, 1), "UTC")
    write_schedule([named, titled, plain], schedule, tmp_path, dt.datetime(2026, 4, 1, tzinfo=dt.UTC), 1)
    with open(tmp_path / "schedule.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert ",".join(rows[0]) == "date,time,timezone,platform,post,title,bundle,part,name"
    assert [(r["post"], r["name"], r["part"]) for r in rows] == [
        ("7300000000000000001", "2023-11-14-dusk-0000001", ""),
        ("7300000000000000002", "2023-11-15-tea-0000002", "1/2"),
        ("cats", "cats", ""),
    ]
    events = (tmp_path / "schedule.ics").read_bytes().decode().replace("\r\n ", "").split("BEGIN:VEVENT")[1:]
    first, second, third = (e.split("\r\n") for e in events)
    assert "SUMMARY:Post on reels: 2023-11-14-dusk-0000001" in first  # no title: its name, not the id
    about = (
        r"Bundle: /o/2023-11-14-dusk-0000001/reels\nPost: 2023-11-14-dusk-0000001\nId: 7300000000000000001"
    )
    assert f"DESCRIPTION:{about}" in first
    assert any(x.startswith("UID:7300000000000000001-reels-") for x in first)
    assert "SUMMARY:Post on tiktok: Tea (1/2)" in second
    assert any(x.startswith("UID:7300000000000000002-tiktok-part1-") for x in second)
    assert "DESCRIPTION:Bundle: /o/cats/tiktok\\nPost: cats" in third  # the id is the name: said once
    assert "SUMMARY:Post on tiktok: cats" in third
