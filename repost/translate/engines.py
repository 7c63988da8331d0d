"""The translation engines creators use: DeepL's API, LibreTranslate's API, Argos offline.

Each takes a batch of texts in one language and returns them in another, in order. Engines
that keep markup (``markup``) get lines with their kept parts as ``<x i="k"/>`` elements.
Their documented limits decide the batch size; their documented errors become one-line
TranslateErrors saying what to do.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from repost.errors import InputError, TranslateError, UsageError
from repost.inputs import ENGINE_ANSWER_MAX, read_json_answer
from repost.netwatch import SocketWatch
from repost.translate.transport import (
    REQUEST_DEADLINE_S,
    REQUEST_TIMEOUT_S,
    bound_deepl,
    libre_opener,
    too_slow_text,
)

ENGINES = ("deepl", "libretranslate", "argos")
# Engines whose API key lives in the keyring (`repost auth login deepl|libretranslate`).
KEYED = ("deepl", "libretranslate")
DEFAULT_LIBRETRANSLATE_URL = "http://127.0.0.1:5000"


@dataclass
class Engine:
    """One engine's identity and limits; ``translate`` is its call."""

    name: str
    markup: bool
    max_texts: int  # texts in one request
    max_chars: int  # characters in one request

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        raise NotImplementedError


# --- DeepL ----------------------------------------------------------------------------------
# https://developers.deepl.com/docs/api-reference/translate: up to 50 texts per request and a
# 128 KiB request body; tag_handling=xml keeps elements where they belong in the translation.
DEEPL_MAX_TEXTS = 50
DEEPL_MAX_CHARS = 120_000
# Target codes that need a variant (the bare "EN"/"PT"/"ZH" targets are deprecated).
_DEEPL_TARGETS = {
    "en": "EN-US",
    "en-gb": "EN-GB",
    "en-us": "EN-US",
    "pt": "PT-BR",
    "pt-br": "PT-BR",
    "pt-pt": "PT-PT",
    "zh": "ZH-HANS",
    "zh-cn": "ZH-HANS",
    "zh-hans": "ZH-HANS",
    "zh-tw": "ZH-HANT",
    "zh-hk": "ZH-HANT",
    "zh-hant": "ZH-HANT",
}


class DeepL(Engine):
    def __init__(
        self, key: str, server_url: str | None = None, deadline_s: float = REQUEST_DEADLINE_S
    ) -> None:
        super().__init__("deepl", True, DEEPL_MAX_TEXTS, DEEPL_MAX_CHARS)
        try:
            import deepl
        except ImportError:
            raise UsageError(
                "the deepl package is not installed", hint="pip install deepl (or reinstall repost)"
            ) from None
        self._deepl = deepl
        self._client = deepl.Translator(key, server_url=server_url)
        bound_deepl(self._client, deadline_s)

    def translate(self, texts, source, target):
        d = self._deepl
        try:
            results = self._client.translate_text(
                list(texts),
                source_lang=source.split("-")[0].upper() if source else None,
                target_lang=_DEEPL_TARGETS.get(target.casefold(), target.upper()),
                tag_handling="xml",
                ignore_tags=["x"],
                preserve_formatting=True,
            )
        except d.AuthorizationException:
            raise _refused("deepl", "the API key was refused", _KEY_HINT.format("deepl")) from None
        except d.QuotaExceededException:
            raise _refused(
                "deepl", "the account's character quota is used up", "wait for the quota to renew"
            ) from None
        except (RecursionError, KeyError, TypeError, AttributeError):
            # The client parses the answer whole and reads its fields unchecked: an answer
            # nested past the recursion limit, or not shaped as DeepL's, surfaces as these.
            raise _refused(
                "deepl", "the answer was not DeepL's (malformed JSON)", "check --engine-url"
            ) from None
        except d.TooManyRequestsException:
            raise _refused("deepl", "too many requests", "wait a minute and run again") from None
        except d.ConnectionException as exc:  # no answer, or one over the size cap
            raise _refused("deepl", _first_line(exc), "check --engine-url and the network") from None
        except d.DeepLException as exc:
            if getattr(exc, "http_status_code", None) == 413:
                raise _refused(
                    "deepl",
                    "text too long for one request (HTTP 413)",
                    "break the caption into shorter lines",
                ) from None
            raise _refused("deepl", _first_line(exc), "check the language codes and the text") from None
        out = [r.text for r in results]
        if len(out) != len(texts) or not all(isinstance(t, str) for t in out):
            raise _refused("deepl", "the answer was not a list of translations", "check --engine-url")
        return out


# --- LibreTranslate -------------------------------------------------------------------------
# https://docs.libretranslate.com/guides/api_usage/: POST /translate {q, source, target,
# format, api_key}; q may be a list. An instance may cap characters per request (its
# --char-limit, shown in GET /frontend/settings as charLimit): we stay under a modest one.
LIBRE_MAX_TEXTS = 50
LIBRE_MAX_CHARS = 5_000
# An error answer is one message: what is read of it (a server could send any body with a 4xx).
ERROR_ANSWER_MAX = 64_000


class LibreTranslate(Engine):
    def __init__(
        self, key: str | None, base_url: str | None = None, deadline_s: float = REQUEST_DEADLINE_S
    ) -> None:
        super().__init__("libretranslate", True, LIBRE_MAX_TEXTS, LIBRE_MAX_CHARS)
        self.key = key
        self.deadline_s = deadline_s
        self.base_url = (base_url or DEFAULT_LIBRETRANSLATE_URL).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise UsageError(f"{self.base_url} is not an http(s) address", hint="--engine-url https://...")

    def translate(self, texts, source, target):
        body = {"q": list(texts), "source": source or "auto", "target": target, "format": "html"}
        if self.key:
            body["api_key"] = self.key
        doc = self._post("/translate", body)
        out = doc.get("translatedText") if isinstance(doc, dict) else None
        if not isinstance(out, list) or len(out) != len(texts) or not all(isinstance(t, str) for t in out):
            raise _refused("libretranslate", "the answer was not a list of translations", None)
        return out

    def _post(self, path: str, body: dict) -> object:
        url = self.base_url + path
        req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=_JSON)
        watch = SocketWatch(self.deadline_s, whole=True)  # the exchange, error answers included
        try:
            with libre_opener(watch).open(req, timeout=REQUEST_TIMEOUT_S) as resp:
                return read_json_answer(resp, ENGINE_ANSWER_MAX, "the answer", url)
        except urllib.error.HTTPError as exc:
            error = _libre_error(exc)
            raise (_too_slow(self.deadline_s) if watch.fired else error) from None
        except (InputError, OSError, http.client.HTTPException) as exc:
            if watch.fired:
                raise _too_slow(self.deadline_s) from None
            if isinstance(exc, InputError):  # over the size cap, nested too deep, not JSON or UTF-8
                raise _refused("libretranslate", exc.what, "check --engine-url") from None
            reason = getattr(exc, "reason", None) or exc
            raise _refused(
                "libretranslate", f"cannot reach {self.base_url}: {reason}", "check --engine-url"
            ) from None
        finally:
            watch.disarm()


_JSON = {"Content-Type": "application/json"}


def _too_slow(deadline_s: float) -> TranslateError:
    return _refused("libretranslate", too_slow_text(deadline_s), "check --engine-url, or run again later")


def _libre_error(exc: urllib.error.HTTPError) -> TranslateError:
    try:
        doc = read_json_answer(exc, ERROR_ANSWER_MAX, "the error answer", exc.url)
        message = str(doc.get("error") or "") if isinstance(doc, dict) else ""
    except (InputError, OSError):
        message = ""
    message = _first_line(message) or exc.reason
    if exc.code == 403:
        return _refused(
            "libretranslate", f"the API key was refused ({message})", _KEY_HINT.format("libretranslate")
        )
    if exc.code == 429:
        return _refused("libretranslate", f"too many requests ({message})", "wait a minute and run again")
    if exc.code == 400 and "limit" in message.casefold():
        return _refused(
            "libretranslate", f"text too long for this instance ({message})", "shorten the caption"
        )
    return _refused("libretranslate", f"HTTP {exc.code}: {message}", None)


# --- Argos Translate (offline) ----------------------------------------------------------------
ARGOS_HINT = (
    "install Argos Translate and its {src}->{dst} language package: pip install argostranslate; "
    "then argospm update && argospm install translate-{src}_{dst}"
)


class Argos(Engine):
    """Offline, with the language packages the user installed. Its sentence model does not
    keep markup, so lines go piece by piece between the kept parts."""

    def __init__(self) -> None:
        super().__init__("argos", False, 1_000, 1_000_000)
        try:
            from argostranslate import translate as argos
        except ImportError:
            raise UsageError(
                "Argos Translate is not installed", hint=ARGOS_HINT.format(src="en", dst="zh")
            ) from None
        self._argos = argos

    def translate(self, texts, source, target):
        src = (source or "en").split("-")[0]
        dst = target.split("-")[0]
        installed = {lang.code for lang in self._argos.get_installed_languages()}
        if src not in installed or dst not in installed:
            raise _refused(
                "argos", f"no {src}->{dst} language package installed", ARGOS_HINT.format(src=src, dst=dst)
            )
        return [self._argos.translate(t, src, dst) for t in texts]


_KEY_HINT = "store a valid key with: repost auth login {} --token-stdin"


def _refused(engine: str, what: str, hint: str | None) -> TranslateError:
    return TranslateError(f"{engine}: {what}", hint=hint)


def _first_line(exc: object) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else ""


def make_engine(name: str, key: str | None, url: str | None) -> Engine:
    """The engine ``name`` with its key (from the keyring) and server address."""
    if name == "deepl":
        if not key:
            raise UsageError("no DeepL API key stored", hint=_KEY_HINT.format("deepl"))
        return DeepL(key, url)
    if name == "libretranslate":
        return LibreTranslate(key, url)
    if name == "argos":
        return Argos()
    raise UsageError(f"unknown translation engine {name!r}", hint=f"one of {', '.join(ENGINES)}")
