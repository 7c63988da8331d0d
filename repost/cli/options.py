"""Options several commands share: what shapes a bundle (export, migrate, check), the profiles to
load, and how much to say."""

from __future__ import annotations

from pathlib import Path

import click

from repost.platforms.profiles import load_profiles
from repost.post.model import FITS


def _profile_options(f):
    f = click.option(
        "--profiles",
        "profile_dirs",
        multiple=True,
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Extra folder of profile YAML files (adds or overrides by id).",
    )(f)
    f = click.option(
        "--upload-path",
        type=click.Choice(["app", "api"]),
        default=None,
        help="Which upload path's limits to follow (default: each profile's, the app).",
    )(f)
    return f


def _run_options(f):
    """What export and migrate share besides a bundle's shape: where the bundles are made
    (--cluster) and the page written after them (--preview)."""
    f = click.option(
        "--cluster",
        metavar="ADDRESS",
        help="Make the bundles on a Dask cluster: a scheduler's address, or local:N (N worker processes).",
    )(f)
    return click.option(
        "--preview", is_flag=True, help="Then write --out/index.html showing every bundle there."
    )(f)


def _photo_options(f):
    """Options for photo posts: carousel counts, metadata, slideshows."""
    options = [
        click.option(
            "--carousel",
            type=click.Choice(["split", "truncate"]),
            default="split",
            help="More photos than a platform takes: numbered posts (split) or the first N (truncate).",
        ),
        click.option(
            "--strict-photos",
            is_flag=True,
            help="A photo that cannot be read fails its post (default: the carousel goes on without it).",
        ),
        click.option(
            "--keep-metadata",
            is_flag=True,
            help="Keep photos' EXIF (GPS, camera serials); stripped by default.",
        ),
        click.option(
            "--as",
            "as_kind",
            type=click.Choice(["video"]),
            default=None,
            help="Make photo posts a slideshow video on every platform that takes video.",
        ),
        click.option(
            "--photo-seconds",
            type=click.FloatRange(0.5, 60),
            default=None,
            help="Slideshow: seconds per photo (default 3; stretched to the platform's minimum).",
        ),
        click.option("--pan-zoom", is_flag=True, help="Slideshow: a gentle zoom on each photo."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _lang_option(ctx, param, value):
    """--lang zh | rednote=zh,tiktok=en -> ((platform or '*', lang), ...)."""
    from repost.text.languages import parse_lang_option

    try:
        return tuple(parse_lang_option(value).items())
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _bundle_options(f, force: bool = True):
    """What a bundle holds and how it is made: options export and migrate (and check, without
    --force) share."""
    options = [
        click.option(
            "--fit",
            type=click.Choice(FITS),
            default=None,
            help="How to reframe media of another aspect; smart follows the subject (default: profile's).",
        ),
        *(
            [click.option("--force", is_flag=True, help="Rebuild bundles that are already up to date.")]
            * force
        ),
        click.option(
            "--split",
            is_flag=True,
            help="Split a video over a platform's maximum into numbered parts (default: trim).",
        ),
        click.option(
            "--loudness",
            type=click.FloatRange(-70, -5),
            default=None,
            metavar="LUFS",
            help="Normalise the audio to this loudness (EBU R128), e.g. -14.",
        ),
        click.option(
            "--overflow",
            type=click.Choice(["drop", "comment"]),
            default="drop",
            help="Hashtags over a platform's limit: drop them, or put them in comment.txt (a first comment).",
        ),
        click.option(
            "--bilingual", is_flag=True, help="Put two of the post's languages in one caption where they fit."
        ),
        click.option(
            "--norms",
            type=click.Choice(["on", "off"]),
            default="on",
            callback=lambda ctx, param, value: value != "off",
            help="Warn about what a platform limits (links, contacts, claims, QR codes): on or off.",
        ),
        click.option(
            "--lang",
            callback=_lang_option,
            default=None,
            help="Language of the texts: LANG everywhere, or PLATFORM=LANG,... (default: the profile's).",
        ),
        click.option(
            "--allow-outside-media",
            is_flag=True,
            help="Let post.yaml name media, cover or audio outside its folder (refused by default).",
        ),
    ]
    f = _photo_options(f)
    for option in reversed(options):
        f = option(f)
    return f


def verbose_option(f):
    return click.option(
        "-v", "--verbose", is_flag=True, help="Show every change and warning under each bundle's result line."
    )(f)


def load(profile_dirs, upload_path):
    return load_profiles(profile_dirs, upload_path)
