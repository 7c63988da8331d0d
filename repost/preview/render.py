"""The preview page as one self-contained HTML file: template, CSS and JS inlined, data as escaped JSON."""

from __future__ import annotations

import html
import json
import re
from importlib import resources

import repost

TEMPLATES = ("page.html", "page.css", "page.js")


def read_template(name: str) -> str:
    """A template shipped as package data (found in a wheel install as in a source tree)."""
    return resources.files("repost.preview").joinpath(name).read_text(encoding="utf-8")


def embed_json(data: object) -> str:
    """JSON safe inside a <script> block: no '<', '>' or '&' can end the block or open a comment,
    and U+2028/U+2029 are escaped for older parsers."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_page(posts: list[dict], *, title: str, subtitle: str) -> str:
    """The whole page: ``posts`` as :func:`repost.preview.data.collect_posts` gives them."""
    css, js = read_template("page.css"), read_template("page.js")
    for name, body, end in (("page.css", css, "</style"), ("page.js", js, "</script")):
        if end in body.lower():  # pragma: no cover - guards our own templates
            raise ValueError(f"{name} must not contain {end}")
    # Plain markers, not str.format: the CSS and JS are full of braces. One pass over the template
    # only: a value is never scanned again, so a folder named "{{JS}}" in the title stays text.
    values = {
        "VERSION": html.escape(repost.__version__),
        "TITLE": html.escape(title),
        "SUBTITLE": html.escape(subtitle),
        "CSS": css,
        "JS": js,
        "DATA": embed_json({"posts": posts}),
    }
    return _MARKER.sub(lambda m: values[m[1]], read_template("page.html"))


_MARKER = re.compile(r"\{\{(VERSION|TITLE|SUBTITLE|CSS|JS|DATA)\}\}")
