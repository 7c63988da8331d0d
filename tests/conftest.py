"""Shared test fixtures: small media made once per session with ffmpeg (lavfi) and Pillow.

The ``media_factory`` and ``image_factory`` fixtures call ``make_video`` and ``make_image``
(tests/media/sample_media.py) into the session's media folder. Named fixtures (``clip_916``,
``image_jpeg_34``, ...) cover the real-world cases tests keep needing: add new ones here in the
same style. Helper modules reach tests only as fixtures defined in a conftest.py, never by a test
module importing them (tests/test_hygiene.py checks it).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from repost.media.ffmpeg import run_ffmpeg
from tests.importers import exports
from tests.media.sample_media import NO_EDIT_LIST, SPEED_ARGS, make_image, make_video

if TYPE_CHECKING:
    from repost.platforms.model import Profile
    from tests.media.smart_clips import SmartClips
    from tests.media.watermark_clips import WatermarkClips


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's folder of generated media."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def media_factory(media_dir: Path) -> Callable[..., Path]:
    """``media_factory("name.mp4", **make_video options)``: a clip in the media folder, made
    once per session for each name and option set."""
    return _memoised(media_dir, make_video)


@pytest.fixture(scope="session")
def image_factory(media_dir: Path) -> Callable[..., Path]:
    """``image_factory("name.jpg", **make_image options)``, like ``media_factory``."""
    return _memoised(media_dir, make_image)


def _memoised(folder: Path, make: Callable[..., Path]) -> Callable[..., Path]:
    made: dict[str, tuple[object, Path]] = {}

    def factory(name: str, **options: object) -> Path:
        key = repr(sorted(options.items()))
        if name in made:
            if made[name][0] != key:
                raise ValueError(f"{name} was already made with other options")
            return made[name][1]
        path = make(folder / name, **options)
        made[name] = (key, path)
        return path

    return factory


@pytest.fixture(scope="session")
def clip_916(media_factory: Callable[..., Path]) -> Path:
    """9:16 360x640 H.264 High yuv420p, AAC stereo 48 kHz, 30 fps, moov first, no edit list."""
    return media_factory("clip_916.mp4", sample_rate=48000, extra_args=NO_EDIT_LIST)


@pytest.fixture(scope="session")
def clip_169(media_factory: Callable[..., Path]) -> Path:
    """16:9 640x360 landscape H.264, AAC stereo."""
    return media_factory("clip_169.mp4", size="640x360")


@pytest.fixture(scope="session")
def clip_rotated(media_factory: Callable[..., Path]) -> Path:
    """Coded 640x360 with a display matrix rotating 90 degrees: shown as 360x640 (a phone
    recording held upright)."""
    return media_factory("clip_rotated.mp4", size="640x360", rotation=90)


@pytest.fixture(scope="session")
def clip_51(media_factory: Callable[..., Path]) -> Path:
    """5.1 (six-channel) AAC audio at 48 kHz."""
    return media_factory("clip_51.mp4", audio="5.1", sample_rate=48000)


@pytest.fixture(scope="session")
def clip_bframes(media_factory: Callable[..., Path]) -> Path:
    """A phone-like 9:16 360x640 30 fps H.264 with 3 B-frames (a decoder delay of 2 frames,
    hidden by ffmpeg's default edit list), AAC stereo 48 kHz, 3.5 s, both streams starting at 0."""
    return media_factory(
        "clip_bframes.mp4", duration=3.5, sample_rate=48000, extra_args=("-bf", "3")
    )  # fmt: skip


@pytest.fixture(scope="session")
def clip_51_voices(media_dir: Path) -> Path:
    """9:16 H.264 with 5.1 AAC at 48 kHz whose six channels all carry sound, as a film mix does:
    a tone in each front channel, speech-band noise in the centre, pink noise in the surrounds
    and a low tone in the LFE; 4 s."""
    path = media_dir / "clip_51_voices.mp4"
    if path.exists():
        return path
    tones = [f"sine=f={f}:r=48000:d=4" for f in (330, 440)]
    sources = [*tones, "anoisesrc=c=pink:r=48000:d=4:a=0.3:s=1", "sine=f=60:r=48000:d=4"]
    sources += ["anoisesrc=c=pink:r=48000:d=4:a=0.2:s=2", "anoisesrc=c=pink:r=48000:d=4:a=0.2:s=3"]
    args = ["-y", "-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30:duration=4"]
    for src in sources:
        args += ["-f", "lavfi", "-i", src]
    # Centre: noise band-limited to speech (300 Hz - 3 kHz), as dialogue sits there.
    graph = "[3:a]highpass=f=300,lowpass=f=3000[c];[1:a][2:a][c][4:a][5:a][6:a]join=inputs=6"
    graph += ":channel_layout=5.1(side)[a]"
    args += ["-filter_complex", graph, "-map", "0:v", "-map", "[a]"]
    args += ["-c:v", "libx264", *SPEED_ARGS["libx264"], "-c:a", "aac", "-b:a", "384k"]
    run_ffmpeg([*args, "-movflags", "+faststart", path])
    return path


@pytest.fixture(scope="session")
def clip_moov_end(media_factory: Callable[..., Path]) -> Path:
    """moov after mdat (no faststart), with ffmpeg's default edit lists."""
    return media_factory("clip_moov_end.mp4", faststart=False)


@pytest.fixture(scope="session")
def clip_vfr(media_factory: Callable[..., Path]) -> Path:
    """Variable frame rate: 30 fps for the first second, then 10 fps (timestamps verified)."""
    path = media_factory(
        "clip_vfr.mp4",
        size="320x240",
        duration=2.0,
        audio=None,
        extra_args=("-vf", "setpts='if(lt(N,30),N/30,1+(N-30)/10)/TB'", "-fps_mode", "vfr"),
    )
    intervals = _frame_intervals(path)
    assert len(set(intervals)) > 1 and intervals.count(max(intervals)) > 2, intervals
    return path


def _frame_intervals(path: Path) -> list[int]:
    # Read straight from the packets, not through repost, so the fixture checks itself.
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        pts = sorted(p.pts for p in container.demux(stream) if p.pts is not None)
    return [b - a for a, b in itertools.pairwise(pts)]


@pytest.fixture(scope="session")
def image_jpeg_34(image_factory: Callable[..., Path]) -> Path:
    """A 3:4 600x800 RGB JPEG with no EXIF and no ICC profile."""
    return image_factory("image_34.jpg", size=(600, 800))


@pytest.fixture(scope="session")
def image_png_alpha(image_factory: Callable[..., Path]) -> Path:
    """A 400x400 RGBA PNG with half-transparent pixels."""
    return image_factory("image_alpha.png", size=(400, 400), mode="RGBA")


@pytest.fixture(scope="session")
def clip_fits_all(media_factory: Callable[..., Path]) -> Path:
    """A clip every built-in profile takes as it is: 9:16 720x1280 H.264 High yuv420p, 30 fps,
    3.2 s, AAC stereo 48 kHz, moov first, no edit list."""
    return media_factory(
        "clip_fits_all.mp4", size="720x1280", duration=3.2, sample_rate=48000,
        extra_args=NO_EDIT_LIST,
    )  # fmt: skip


@pytest.fixture
def write_post(tmp_path: Path) -> Callable[..., Path]:
    """``write_post(yaml_text, media={"clip.mp4": path})``: a post folder with its media
    copied in; returns the folder."""
    import shutil

    counter = iter(range(1000))

    def write(text: str, media: dict[str, Path] | None = None, folder: str | None = None) -> Path:
        post = tmp_path / (folder or f"post{next(counter)}")
        post.mkdir(parents=True)
        for name, src in (media or {}).items():
            shutil.copyfile(src, post / name)
        (post / "post.yaml").write_text(text, encoding="utf-8")
        return post

    return write


def _isolate(mp: pytest.MonkeyPatch, folder: Path) -> Path:
    # REPOST_CONFIG_DIR moves repost's own folder on every system; XDG_CONFIG_HOME keeps the
    # libraries that read theirs (keyring's keyringrc.cfg) away from the user's on Linux.
    mp.setenv("REPOST_CONFIG_DIR", str(folder / "repost"))
    mp.setenv("XDG_CONFIG_HOME", str(folder))
    return folder / "repost"


@pytest.fixture(scope="session", autouse=True)
def _isolated_session_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Before any session fixture reads it, repost's config folder is an empty one of the
    session's: the developer's ~/.config/repost (or CI's, run as root on a used machine) is
    never read, so a broken profile there cannot fail the suite."""
    with pytest.MonkeyPatch.context() as mp:
        yield _isolate(mp, tmp_path_factory.mktemp("session-config"))


@pytest.fixture(autouse=True)
def config_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has a repost config folder of its own (not made yet), so what one writes there
    (a user profile, topics.yaml) never reaches another; tests that write there ask for it."""
    return _isolate(monkeypatch, tmp_path_factory.mktemp("config"))


@pytest.fixture(scope="session")
def profiles(_isolated_session_config: Path) -> Mapping[str, Profile]:
    """The built-in profiles by id, loaded once, after the config folder is isolated (read-only:
    tests change a copy with dataclasses.replace)."""
    from repost.platforms.profiles import load_profiles

    return MappingProxyType(load_profiles())


@pytest.fixture
def video_profile(profiles: Mapping[str, Profile], video_profile_id: str) -> Profile:
    """Each built-in profile that takes videos in turn (the test runs once for each)."""
    return profiles[video_profile_id]


@pytest.fixture
def photo_profile(profiles: Mapping[str, Profile], photo_profile_id: str) -> Profile:
    """Each built-in profile that takes photos in turn (the test runs once for each)."""
    return profiles[photo_profile_id]


@pytest.fixture(scope="session")
def with_video(profiles: Mapping[str, Profile]) -> Callable[..., Profile]:
    """``with_video(pid, **changes)``: the built-in profile ``pid`` with its video rules changed."""
    import dataclasses

    def change(pid: str, **changes: object) -> Profile:
        profile = profiles[pid]
        return dataclasses.replace(profile, video=dataclasses.replace(profile.video, **changes))

    return change


# Test arguments that pytest_generate_tests fills with every built-in profile id (of a kind).
_PROFILE_ID_ARGS = {"profile_id": None, "video_profile_id": "video", "photo_profile_id": "photos"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``profile_id`` (every built-in profile), ``video_profile_id`` (those taking videos) and
    ``photo_profile_id`` (those taking photos) parametrize a test by id at collection."""
    for arg, kind in _PROFILE_ID_ARGS.items():
        if arg in metafunc.fixturenames:
            metafunc.parametrize(arg, _builtin_profile_ids(kind))


@functools.cache
def _builtin_profile_ids(kind: str | None) -> list[str]:
    # Collection reads the packaged profiles only, never the config folder (not isolated yet).
    from repost.platforms.profiles import builtin_profile_dir, load_profile

    found = [load_profile(f) for f in sorted(builtin_profile_dir().glob("*.yaml"))]
    rules = {"video": lambda p: p.video, "photos": lambda p: p.image}
    return [p.id for p in found if kind is None or (kind in p.kinds and rules[kind](p) is not None)]


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> object:
        import json

        return json.loads(self.out)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """``run("export", post, "--to", "all", ...)``: the real command line, in process, with its
    exit code (main() always exits) and what it printed."""
    from repost.cli.main import main
    from repost.media.probe import clear_probe_cache

    def invoke(*args: object) -> CliResult:
        clear_probe_cache()
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        code = info.value.code
        return CliResult(int(code or 0), captured.out, captured.err)

    return invoke


class MemoryKeyring(KeyringBackend):
    """A keyring backend that lives in a dict: for tests only (a real one is tested on its own)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The process's keyring is an in-memory one for the test (publish, auth, translate's keys)."""
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


# Source exports (tests/importers/exports.py), offered as fixtures so that no test module imports
# another module of the test tree: each returns the builder of the same name.


@pytest.fixture(scope="session")
def write_ytdlp_entry() -> Callable[..., Path]:
    """``write_ytdlp_entry(folder, stem, media, suffix=".mp4", **info)``: a yt-dlp info.json beside
    its media file."""
    return exports.write_ytdlp_entry


@pytest.fixture(scope="session")
def write_tiktok_export() -> Callable[..., Path]:
    """``write_tiktok_export(folder, videos, old_schema=False)``: a TikTok data export's JSON."""
    return exports.write_tiktok_export


@pytest.fixture(scope="session")
def tiktok_video() -> Callable[..., dict]:
    """``tiktok_video(date, link, title, who="Everyone", **extra)``: one entry of a TikTok export."""
    return exports.tiktok_video


@pytest.fixture(scope="session")
def write_instagram_export() -> Callable[..., Path]:
    """``write_instagram_export(root, layout, posts, reels, files)``: an Instagram export folder."""
    return exports.write_instagram_export


@pytest.fixture(scope="session")
def ig_media() -> Callable[..., dict]:
    """``ig_media(uri, timestamp, title="")``: one media entry of an Instagram export."""
    return exports.ig_media


@pytest.fixture(scope="session")
def mojibake() -> Callable[[str], str]:
    """``mojibake(text)``: ``text`` as Instagram's JSON holds it (UTF-8 bytes read as latin-1)."""
    return exports.mojibake


@pytest.fixture
def link_server() -> Iterator[exports.LinkServer]:
    """A signed-link server on 127.0.0.1 for the test: set its ``routes``, read its ``hits``."""
    server = exports.LinkServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def smart_clips(tmp_path_factory: pytest.TempPathFactory) -> SmartClips:
    """Clips of a real face moving through a scene, with the true face boxes at each time
    (tests/media/smart_clips.py): each made on first use, shared by the session, read-only."""
    from tests.media.smart_clips import SmartClips

    return SmartClips(tmp_path_factory.mktemp("smart-clips"))


@pytest.fixture(scope="session")
def watermark_clips(tmp_path_factory: pytest.TempPathFactory) -> WatermarkClips:
    """Clips with a platform-like mark and clean ones with text of their own
    (tests/media/watermark_clips.py): each made on first use, shared by the session, read-only."""
    from tests.media.watermark_clips import WatermarkClips

    return WatermarkClips(tmp_path_factory.mktemp("watermark-clips"))
