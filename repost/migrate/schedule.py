"""Pacing a migration: a posting plan as DIR/schedule.csv and DIR/schedule.ics (RFC 5545)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from repost.errors import UsageError
from repost.migrate.outfiles import SCHEDULE_FILES, write_aside
from repost.migrate.state import Record, Status

_SPEC_RE = re.compile(
    r"^\s*(?:daily|every\s+(?P<days>\d+)\s+days?)\s+(?P<times>\d{1,2}:\d{2}(?:\s*,\s*\d{1,2}:\d{2})*)\s*$",
    re.IGNORECASE,
)
EVENT_MINUTES = 15
HINT = (
    'write it as "daily 18:00", "daily 09:00,18:00" (two a day) or "every 2 days 18:00";'
    ' "off" stops pacing this output folder'
)
OFF = "off"  # --schedule off: no more schedule for this output folder


@dataclass(frozen=True)
class Schedule:
    """Slots: every ``every_days`` days from ``start``, at each of ``times``, in ``tz``."""

    times: tuple[dt.time, ...]
    every_days: int
    start: dt.date
    tz: zoneinfo.ZoneInfo

    def to_setting(self) -> dict:
        """What the state keeps, so later runs pace by the same plan (the same first day)."""
        times = [t.strftime("%H:%M") for t in self.times]
        return {
            "times": times,
            "every_days": self.every_days,
            "start": self.start.isoformat(),
            "tz": self.tz.key,
        }

    @classmethod
    def from_setting(cls, value: dict) -> Schedule:
        times = tuple(dt.time.fromisoformat(t) for t in value["times"])
        start = dt.date.fromisoformat(value["start"])
        return cls(times, int(value["every_days"]), start, zoneinfo.ZoneInfo(value["tz"]))

    def slots(self) -> Iterator[dt.datetime]:
        day = self.start
        while True:
            for t in self.times:
                # Through UTC and back: a time the clocks skip that day (02:30 when summer time
                # starts) becomes the real time it falls on (03:30), the same in CSV and ICS.
                yield dt.datetime.combine(day, t, tzinfo=self.tz).astimezone(dt.UTC).astimezone(self.tz)
            day += dt.timedelta(days=self.every_days)


def parse_schedule(spec: str, start: dt.date | None, tz_name: str | None) -> Schedule:
    """``--schedule "daily 18:00" --start DATE --tz ZONE``; one post a day per platform by default."""
    m = _SPEC_RE.match(spec or "")
    if not m:
        raise UsageError(f"cannot read the schedule {spec!r}", "--schedule", hint=HINT)
    times = []
    for part in m["times"].split(","):
        hour, minute = (int(x) for x in part.strip().split(":"))
        if hour > 23 or minute > 59:
            raise UsageError(f"no such time of day: {part.strip()}", "--schedule", hint=HINT)
        times.append(dt.time(hour, minute))
    try:
        tz = zoneinfo.ZoneInfo(tz_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(
            f"unknown time zone {tz_name!r}", "--tz", hint="an IANA name, e.g. Europe/Berlin"
        ) from exc
    first = start or (dt.datetime.now(tz).date() + dt.timedelta(days=1))
    return Schedule(tuple(sorted(set(times))), int(m["days"] or 1), first, tz)


SETTING = "schedule"  # the state's setting: the schedule later runs keep to


def choose_schedule(asked, state) -> tuple[Schedule | None, bool]:
    """(the schedule a migration writes, whether ``asked`` "off" ends one set before), changing
    nothing. ``asked`` is --schedule's (a Schedule, OFF or None); without it, the one an earlier
    run set, so the plan always lists the bundles there are now."""
    if asked == OFF:
        return None, state.setting(SETTING) is not None
    if asked is not None:
        return asked, False
    stored = state.setting(SETTING)
    try:
        return (Schedule.from_setting(stored) if stored else None), False
    except (KeyError, TypeError, ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None, False  # a setting this version cannot read: no schedule until --schedule


def keep_schedule(asked, schedule: Schedule | None, ending: bool, state, out: Path) -> None:
    """Act on ``choose_schedule``'s answer: keep --schedule's for the runs after, or end it."""
    if ending:
        for name in SCHEDULE_FILES:
            (out / name).unlink(missing_ok=True)
    if asked is not None:
        state.set_setting(SETTING, schedule.to_setting() if schedule else None)


def plan_slots(records: Iterable[Record], schedule: Schedule) -> Iterator[tuple[dt.datetime, Record]]:
    """Each platform's done bundles, oldest post first, one per slot (records come sorted by
    platform, then date)."""
    platform, slots = None, None
    for rec in records:
        if rec.status != Status.DONE:
            continue
        if rec.platform != platform:
            platform, slots = rec.platform, schedule.slots()
        yield next(slots), rec


def write_schedule(
    records: Iterable[Record], schedule: Schedule, out: Path, now: dt.datetime, run: int = 0
) -> dict:
    """DIR/schedule.csv and DIR/schedule.ics, both written aside and renamed in. Run ``run``
    of the migration revises the events of the runs before (same UID, higher SEQUENCE), so a
    calendar that imports the file again moves its events instead of doubling them."""
    csv_path, ics_path = (out / name for name in SCHEDULE_FILES)
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    # One output folder's events never clash with another migration's of the same post ids.
    folder = hashlib.sha256(str(out.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:10]
    with write_aside(csv_path) as fc, write_aside(ics_path) as fi:
        rows = csv.writer(fc, lineterminator="\n")
        # "post" is the id (the manifest's, the state's); "name", added last so that the columns
        # before keep their places, is the post as a person knows it (its readable folder name).
        rows.writerow(["date", "time", "timezone", "platform", "post", "title", "bundle", "part", "name"])
        fi.write(fold_lines(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//repost//migrate schedule//EN",
                             "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]))  # fmt: skip
        for when, rec in plan_slots(records, schedule):
            day, time = when.date().isoformat(), when.strftime("%H:%M")
            rows.writerow([day, time, schedule.tz.key, rec.platform, rec.post, rec.title or "", rec.bundle,
                           rec.part_label or "", rec.label])  # fmt: skip
            fi.write(fold_lines(_event(when, rec, stamp, f"{folder}@repost", run)))
        fi.write(fold_lines(["END:VCALENDAR"]))
    return {"schedule_csv": str(csv_path), "schedule_ics": str(ics_path)}


def _event(when: dt.datetime, rec: Record, stamp: str, domain: str, sequence: int) -> list[str]:
    # Times in UTC ("Z"): valid without a VTIMEZONE block, and zoneinfo has already applied the
    # zone's daylight-saving rules for that very day.
    start = when.astimezone(dt.UTC)
    end = start + dt.timedelta(minutes=EVENT_MINUTES)
    what = rec.title or rec.label
    if rec.part:
        what += f" ({rec.part_label})"
    # By the id, never the name: a calendar matches an event of a later run by its UID.
    uid = f"{rec.post}-{rec.platform}" + (f"-part{rec.part}" if rec.part else "")
    about = [f"Bundle: {rec.bundle}", f"Post: {rec.label}"]
    if rec.label != rec.post:
        about.append(f"Id: {rec.post}")
    return [
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}-{domain}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
        f"DTEND:{end:%Y%m%dT%H%M%SZ}",
        f"SUMMARY:{escape_text(f'Post on {rec.platform}: {what}')}",
        f"DESCRIPTION:{escape_text(chr(10).join(about))}",
        "END:VEVENT",
    ]


def escape_text(text: str) -> str:
    """RFC 5545 §3.3.11 TEXT: backslash, semicolon and comma escaped, newlines as \\n."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold_lines(lines: Iterable[str]) -> str:
    """RFC 5545 §3.1: CRLF endings; lines over 75 octets folded with CRLF and a space, never
    inside a UTF-8 character."""
    out = []
    for line in lines:
        chunk, size = [], 0
        for ch in line:
            n = len(ch.encode("utf-8"))
            if size + n > 75:
                out.append("".join(chunk) + "\r\n")
                chunk, size = [" "], 1
            chunk.append(ch)
            size += n
        out.append("".join(chunk) + "\r\n")
    return "".join(out)
