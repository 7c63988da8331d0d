"""A data export's ZIP as SOURCE: unpacked once inside --out, then migrated like the folder."""

import json
import os
import time
import zipfile

import pytest

TO = "rednote,reels"


def zip_folder(folder, zip_path, prefix=""):
    """Zip a folder as the platforms do (``prefix`` puts everything in one top folder)."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())
    return zip_path


@pytest.fixture
def instagram_zip(tmp_path, clip_fits_all, image_jpeg_34, ig_media, write_instagram_export):
    """``instagram_zip(prefix="")``: an Instagram export of a photo post and a reel, zipped."""

    def make(prefix=""):
        posts = [{"media": [ig_media("media/posts/202405/111_n.jpg", 1715566876, "Café cats 🐱 #cats")]}]
        reels = [{"media": [ig_media("media/reels/202401/FQIoAkMz_1790", 1704232088, "Reel 🇨🇴")]}]
        files = {
            "media/posts/202405/111_n.jpg": image_jpeg_34,
            "media/reels/202401/FQIoAkMz_1790": clip_fits_all,
        }
        root = write_instagram_export(tmp_path / "ig", "2024", posts, reels, files)
        return zip_folder(root, tmp_path / "instagram-cats.at.dusk-2024-05-20.zip", prefix)

    return make


def test_an_instagram_zip_migrates_as_its_folder_does_and_is_unpacked_once(run, tmp_path, instagram_zip):
    source = instagram_zip(prefix="instagram-cats/")
    out = tmp_path / "out"
    first = run("migrate", source, "--to", TO, "--out", out, "--json")
    assert first.code == 0, first.err
    doc = first.json()
    assert (doc["kind"], doc["done"], doc["failed"]) == ("instagram", 4, [])
    caption = (out / "2024-05-13-café-cats-022116/rednote/caption.txt").read_text(encoding="utf-8")
    assert caption.startswith("Café cats 🐱 #cats")
    [unpacked] = (out / ".repost" / "unpacked").iterdir()
    assert unpacked.name.startswith("instagram-cats.at.dusk-2024-05-20-")
    assert not list((out / ".repost" / "tmp").iterdir())
    stamp = unpacked.stat().st_mtime_ns
    again = run("migrate", source, "--to", TO, "--out", out, "--json")
    assert (again.json()["done"], again.json()["up_to_date"]) == (0, 4)
    assert [p.stat().st_mtime_ns for p in (out / ".repost" / "unpacked").iterdir()] == [stamp]
    assert run("migrate", source, "--to", TO, "--out", out, "--dry-run", "--json").json()["up_to_date"] == 4
    # Touched and moved, as a download moved to another folder: the same unpacking, nothing remade.
    os.utime(source, (1e9, 1e9))
    (tmp_path / "downloads").mkdir()
    source = source.rename(tmp_path / "downloads" / source.name)
    same = run("migrate", source, "--to", TO, "--out", out, "--json")
    assert (same.json()["done"], same.json()["up_to_date"]) == (0, 4)
    assert [p.stat().st_mtime_ns for p in (out / ".repost" / "unpacked").iterdir()] == [stamp]
    # New content (an export requested again, with more in it): unpacked anew, the older
    # unpacking removed, and the posts that did not change are still up to date.
    with zipfile.ZipFile(source, "a") as archive:
        archive.writestr("instagram-cats/notes.txt", "new")
    newer_run = run("migrate", source, "--to", TO, "--out", out, "--json")
    assert newer_run.code == 0, newer_run.err
    assert (newer_run.json()["done"], newer_run.json()["up_to_date"]) == (0, 4)
    [newer] = (out / ".repost" / "unpacked").iterdir()
    assert newer != unpacked and not list((out / ".repost" / "tmp").iterdir())
    # Files keep the times the ZIP records.
    photo = newer / "instagram-cats/media/posts/202405/111_n.jpg"
    with zipfile.ZipFile(source) as archive:
        recorded = archive.getinfo("instagram-cats/media/posts/202405/111_n.jpg").date_time
    assert time.localtime(photo.stat().st_mtime)[:6] == recorded
    assert run("validate", out).code == 0


def test_a_dry_run_writes_nothing_and_says_how_to_unpack(run, tmp_path, instagram_zip):
    source = instagram_zip()
    out = tmp_path / "out"
    dry = run("migrate", source, "--to", TO, "--out", out, "--dry-run")
    assert dry.code == 2 and "Error: a ZIP is unpacked into --out/.repost/unpacked" in dry.err
    assert "unzip it yourself" in dry.err and not out.exists()


def test_an_entry_leading_outside_is_refused_and_nothing_is_written(run, tmp_path):
    source = tmp_path / "evil.zip"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("user_data_tiktok.json", json.dumps({"Post": {"Posts": {"VideoList": []}}}))
        archive.writestr("../../escaped.txt", "gotcha")
    out = tmp_path / "deep" / "out"
    result = run("migrate", source, "--to", TO, "--out", out)
    assert result.code == 2
    assert "would be written outside it: '../../escaped.txt'" in result.err and str(source) in result.err
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not (out / ".repost" / "unpacked").exists()


def test_a_zip_of_something_else_and_a_broken_zip_are_named(run, tmp_path, image_jpeg_34):
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.write(image_jpeg_34, "a.jpg")
    result = run("migrate", other, "--to", TO, "--out", tmp_path / "out")
    assert result.code == 2 and "Error: the ZIP holds no source repost can migrate" in result.err
    broken = tmp_path / "broken.zip"
    broken.write_bytes(other.read_bytes()[:-30])  # cut: the central directory is gone
    cut = run("migrate", broken, "--to", TO, "--out", tmp_path / "out2")
    assert cut.code == 2 and "Error: the ZIP is damaged or incomplete" in cut.err
    assert "download the export again" in cut.err and not (tmp_path / "out2").exists()


def test_names_written_as_utf8_without_the_flag_are_read_as_utf8(run, tmp_path, image_jpeg_34):
    # Info-ZIP's zip and macOS write UTF-8 names without flag bit 11: zipfile reads them as cp437.
    source = tmp_path / "cn.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cn/QQQ/post.yaml", "caption: 抹茶 🍵\nmedia: [照片.jpg]\n")
        archive.write(image_jpeg_34, "cn/QQQ/WWWWWW.jpg")
    raw = source.read_bytes()
    assert raw.count(b"QQQ") == 4 and raw.count(b"WWWWWW") == 2  # local and central headers
    source.write_bytes(raw.replace(b"QQQ", "茶".encode()).replace(b"WWWWWW", "照片".encode()))
    with zipfile.ZipFile(source) as archive:
        assert "cn/茶/post.yaml" not in archive.namelist()  # what zipfile alone makes of it
    out = tmp_path / "out"
    result = run("migrate", source, "--to", "lemon8", "--out", out, "--json")
    assert result.code == 0, result.out + result.err
    assert (out / "茶" / "lemon8" / "01.jpg").is_file()


def test_the_unicode_path_field_gives_the_name_while_it_matches_the_header(tmp_path):
    import struct
    import zlib

    from repost.migrate.importers.unzip import unpack

    def entry(header: str, unicode: str, crc_of: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(header)
        field = b"\x01" + struct.pack("<I", zlib.crc32(crc_of.encode("cp437"))) + unicode.encode()
        info.extra = struct.pack("<HH", 0x7075, len(field)) + field
        return info

    source = tmp_path / "named.zip"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr(entry("cn/cha.txt", "cn/茶.txt", "cn/cha.txt"), "tea")
        # A field left from before the entry was renamed: its CRC is of another name.
        archive.writestr(entry("cn/renamed.txt", "cn/旧.txt", "cn/old.txt"), "old")
    folder = unpack(source, tmp_path / "work")
    assert sorted(p.name for p in (folder / "cn").iterdir()) == ["renamed.txt", "茶.txt"]


def test_a_name_holding_a_nul_is_refused_by_name(run, tmp_path):
    import struct
    import zlib

    source = tmp_path / "nul.zip"
    info = zipfile.ZipInfo("user_data_tiktok.json")
    field = b"\x01" + struct.pack("<I", zlib.crc32(b"user_data_tiktok.json")) + b"user\x00data.json"
    info.extra = struct.pack("<HH", 0x7075, len(field)) + field
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr(info, "{}")
    result = run("migrate", source, "--to", TO, "--out", tmp_path / "out")
    assert result.code == 2 and "Error: the ZIP holds an entry whose name no file can have" in result.err


def test_a_password_protected_zip_is_named(run, tmp_path):
    source = tmp_path / "locked.zip"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("user_data_tiktok.json", "{}")
    raw = bytearray(source.read_bytes())
    # Set flag bit 0 ("encrypted") as an encrypted entry's local and central headers have it.
    raw[6] |= 0x1
    raw[raw.index(b"PK\x01\x02") + 8] |= 0x1
    source.write_bytes(bytes(raw))
    result = run("migrate", source, "--to", TO, "--out", tmp_path / "out")
    assert result.code == 2 and "Error: the ZIP is password-protected" in result.err
    assert "unzip it yourself with its password" in result.err


def test_a_colon_in_a_name_is_only_a_name(run, tmp_path, image_jpeg_34):
    source = tmp_path / "trip.zip"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("Trip: Paris/tea/post.yaml", "caption: Tea\nmedia: [a.jpg]\n")
        archive.write(image_jpeg_34, "Trip: Paris/tea/a.jpg")
    result = run("migrate", source, "--to", "lemon8", "--out", tmp_path / "out")
    assert result.code == 0, result.err
