"""A small strict checker for data files: every problem at once, each with its key path."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from repost.inputs import PROFILE_YAML_MAX, read_yaml
from repost.text.clean import drop_lone_surrogates

ASPECT_RE = re.compile(r"^([1-9][0-9]{0,4}):([1-9][0-9]{0,4})$")


@dataclass
class Problems:
    """Problems found in one file, each as ``key.path: message``."""

    items: list[str] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path or '(top)'}: {message}")

    def __bool__(self) -> bool:
        return bool(self.items)


def load_yaml(path, *, limit: int = PROFILE_YAML_MAX, kind: str = "a YAML file") -> Any:
    """Read a YAML file with the safe loader only, within bounds (repost.inputs); a syntax error
    names the line."""
    return _without_lone_surrogates(read_yaml(path, limit, kind))


def _without_lone_surrogates(value: Any) -> Any:
    """A "\\ud83d" escape in double quotes loads as half an emoji: dropped from every string, so
    no id, caption or path holds text that cannot be written."""
    if isinstance(value, str):
        return drop_lone_surrogates(value)
    if isinstance(value, list):
        return [_without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


def join(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
        type(None): "empty",
    }.get(type(value), type(value).__name__)


# A spec is a callable (value, path, problems) -> checked value (or None when it failed).
Spec = Callable[[Any, str, Problems], Any]


def text(*, nonempty: bool = False, pattern: re.Pattern | None = None, choices=None) -> Spec:
    def check(value, path, problems):
        if not isinstance(value, str):
            problems.add(path, f"must be text, not {type_name(value)}")
            return None
        if nonempty and not value.strip():
            problems.add(path, "must not be empty")
            return None
        if choices is not None and value not in choices:
            problems.add(path, f"{value!r} is not one of {', '.join(sorted(choices))}")
            return None
        if pattern is not None and not pattern.match(value):
            problems.add(path, f"{value!r} is not of the form {pattern.pattern}")
            return None
        return value

    return check


def number(*, minimum=None, maximum=None, integer: bool = False) -> Spec:
    def check(value, path, problems):
        ok_types = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_types):
            kind = "a whole number" if integer else "a number"
            problems.add(path, f"must be {kind}, not {type_name(value)} {value!r}")
            return None
        if minimum is not None and value < minimum:
            problems.add(path, f"{value} is below the minimum {minimum}")
            return None
        if maximum is not None and value > maximum:
            problems.add(path, f"{value} is above the maximum {maximum}")
            return None
        return value

    return check


def boolean() -> Spec:
    def check(value, path, problems):
        if not isinstance(value, bool):
            problems.add(path, f"must be true or false, not {type_name(value)}")
            return None
        return value

    return check


def date() -> Spec:
    """An ISO 8601 date (YAML reads an unquoted date as a date already)."""

    def check(value, path, problems):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        problems.add(path, f"must be a date like 2026-08-09, not {value!r}")
        return None

    return check


def timestamp() -> Spec:
    """An ISO 8601 date or date and time."""

    def check(value, path, problems):
        if isinstance(value, (dt.datetime, dt.date)):
            return value
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
        problems.add(path, f"must be an ISO 8601 date or time, not {value!r}")
        return None

    return check


def nothing() -> Spec:
    """Only YAML's null (an empty value), read as the empty text ("": a spec's None means
    "failed")."""

    def check(value, path, problems):
        if value is not None:
            problems.add(path, f"must be empty, not {type_name(value)}")
            return None
        return ""

    return check


def aspect() -> Spec:
    return text(pattern=ASPECT_RE)


def list_of(item: Spec, *, min_len: int = 0) -> Spec:
    def check(value, path, problems):
        if not isinstance(value, list):
            problems.add(path, f"must be a list, not {type_name(value)}")
            return None
        if len(value) < min_len:
            problems.add(path, f"needs at least {min_len} item(s)")
        out = [item(v, join(path, i), problems) for i, v in enumerate(value)]
        return out if all(v is not None for v in out) else None

    return check


def map_of(key: Spec, val: Spec) -> Spec:
    def check(value, path, problems):
        if not isinstance(value, dict):
            problems.add(path, f"must be a mapping, not {type_name(value)}")
            return None
        out = {}
        for k, v in value.items():
            kk = key(k, join(path, k), problems)
            out[kk] = val(v, join(path, k), problems)
        return out

    return check


def record(fields: Mapping[str, Spec], *, required: tuple[str, ...] = ()) -> Spec:
    """A mapping with known keys only: unknown keys and missing required keys are problems."""

    def check(value, path, problems):
        if not isinstance(value, dict):
            problems.add(path, f"must be a mapping, not {type_name(value)}")
            return None
        out = {}
        for k, v in value.items():
            if k not in fields:
                problems.add(join(path, k), f"unknown key ({_closest(k, fields)})")
                continue
            out[k] = fields[k](v, join(path, k), problems)
        for k in required:
            if k not in value:
                problems.add(join(path, k), "is required")
        return out

    return check


def _closest(key: object, fields: Mapping[str, Spec]) -> str:
    """For an unknown key: "did you mean 'caption'?" on a near miss (difflib), else the known keys."""
    close = difflib.get_close_matches(str(key).casefold(), list(fields), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(fields)}"


def one_of(*specs: Spec, describe: str) -> Spec:
    """The first spec that accepts the value without problems; else one problem naming the forms."""

    def check(value, path, problems):
        for spec in specs:
            trial = Problems()
            out = spec(value, path, trial)
            if not trial:
                return out
        # Report the detailed problems of the spec matching the value's shape, if any.
        shaped = [s for s in specs if _same_shape(s, value)]
        if len(shaped) == 1:
            return shaped[0](value, path, problems)
        problems.add(path, f"must be {describe}, not {type_name(value)}")
        return None

    return check


def _same_shape(spec: Spec, value: Any) -> bool:
    trial = Problems()
    spec(value, "", trial)
    return not any(p.startswith("(top): must be") for p in trial.items)
