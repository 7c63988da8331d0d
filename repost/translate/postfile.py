"""post.yaml rewritten in place, its comments, order and quoting kept (ruamel.yaml round trip)."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

from repost.errors import InputError
from repost.inputs import POST_YAML_MAX, read_text


def _yaml():
    from ruamel.yaml import YAML

    y = YAML(typ="rt")  # round trip: plain data types only, no Python objects constructed
    y.width = 1 << 16  # never fold a long caption onto new lines
    y.preserve_quotes = True
    y.allow_unicode = True
    return y


def read_document(path: Path) -> Any:
    """The post.yaml as an editable document (load_post has already checked it)."""
    from ruamel.yaml.error import YAMLError

    try:
        return _yaml().load(read_text(path, POST_YAML_MAX, "a post.yaml"))  # bounded, as load_post
    except YAMLError as exc:
        raise InputError(f"cannot read for rewriting: {exc}", path) from None


def write_document(path: Path, doc: Any) -> None:
    """Write ``doc`` over ``path`` atomically (aside, then renamed), keeping its mode."""
    buf = io.StringIO()
    _yaml().dump(doc, buf)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(buf.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc.strerror or exc}", path) from None


def new_mapping(pairs: dict) -> Any:
    from ruamel.yaml.comments import CommentedMap

    out = CommentedMap()
    for k, v in pairs.items():
        out[k] = v
    return out


def flow_mapping(pairs: dict) -> Any:
    """A mapping written on one line ({engine: deepl, date: ...}), as a person would."""
    out = new_mapping(pairs)
    out.fa.set_flow_style()
    return out
