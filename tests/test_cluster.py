"""--cluster: the same bundles as a local run, a lost worker's job run again, paths workers cannot
read refused before any work, Ctrl-C. Dask clusters on 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip(
    "distributed", reason="--cluster needs dask and distributed: pip install -e '.[test,cluster]'"
)

TO = "rednote,reels"


def _backlog(tmp_path: Path, clip: Path, n: int) -> Path:
    import shutil

    src = tmp_path / "src"
    for i in range(n):
        post = src / f"p{i}"
        post.mkdir(parents=True)
        shutil.copyfile(clip, post / "clip.mp4")
        (post / "post.yaml").write_text(f"title: Post {i}\ncaption: day {i} #cats\nmedia: [clip.mp4]\n")
    return src


def _manifests(out: Path) -> dict:
    found = {}
    for path in sorted(out.glob("*/*/manifest.json")):
        doc = json.loads(path.read_text())
        doc.pop("created")
        found[str(path.relative_to(out))] = doc
    return found


def _assert_whole(out: Path) -> list[Path]:
    """Every bundle folder under out holds every file its manifest lists, at its size."""
    bundles = [p for p in out.glob("*/*") if p.is_dir() and ".repost" not in p.parts]
    for bundle in bundles:
        manifest = json.loads((bundle / "manifest.json").read_text())
        for entry in manifest["files"]:
            assert (bundle / entry["path"]).stat().st_size == entry["bytes"], bundle
    return bundles


@pytest.fixture
def cluster():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as lc,
        distributed.Client(lc) as client,
    ):
        yield lc, client


@pytest.mark.timeout(280)
def test_local_cluster_makes_the_same_bundles_as_a_local_run(tmp_path, run, clip_fits_all):
    src = _backlog(tmp_path, clip_fits_all, 3)
    local = run("migrate", src, "--to", TO, "--out", tmp_path / "local", "-j", "2")
    assert local.code == 0, local.err
    remote = run("migrate", src, "--to", TO, "--out", tmp_path / "remote", "--cluster", "local:2", "--json")
    assert remote.code == 0, remote.err
    assert remote.json()["done"] == 6
    assert _manifests(tmp_path / "remote") == _manifests(tmp_path / "local") != {}
    again = run("migrate", src, "--to", TO, "--out", tmp_path / "remote", "--cluster", "local:2", "--json")
    assert again.code == 0 and again.json()["up_to_date"] == 6  # the state on this disk, as locally


def _hide(path: str) -> None:
    """On a worker: a machine without the mount that holds ``path``."""
    import repost.bundle.cluster

    real = repost.bundle.cluster.can_read
    repost.bundle.cluster.can_read = lambda p: not p.startswith(path) and real(p)


@pytest.mark.timeout(200)
def test_a_worker_that_cannot_see_the_source_is_refused_before_any_work(tmp_path, run, cluster, clip_916):
    import cloudpickle

    lc, client = cluster
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    src = _backlog(tmp_path, clip_916, 2)
    (worker, *_) = sorted(client.nthreads())
    client.run(_hide, str(src), workers=[worker])
    result = run("migrate", src, "--to", TO, "--out", tmp_path / "out", "--cluster", lc.scheduler_address)
    assert result.code == 2
    assert f"Error: worker {worker} cannot read this path [{src}]" in result.err
    assert "docs/scaling.md" in result.err
    assert not [p for p in (tmp_path / "out").iterdir() if p.name != ".repost"]
    assert not any(client.processing().values())


def _slow_clip(media_factory) -> Path:
    """16:9 720p, 6 s: an encode for 9:16, so a job lasts long enough to be cut short."""
    return media_factory("cluster_169.mp4", size="1280x720", duration=6)


def _worker_pids(client) -> dict:
    return client.run(os.getpid)


@pytest.mark.timeout(280)
def test_a_worker_killed_mid_job_has_its_job_run_again(tmp_path, cluster, media_factory):
    from repost.migrate.run import MigrateOptions, migrate
    from repost.platforms.profiles import load_profiles

    lc, client = cluster
    src = _backlog(tmp_path, _slow_clip(media_factory), 2)
    out = tmp_path / "out"
    options = MigrateOptions(out=out, to=TO, cluster=lc.scheduler_address)
    result = {}
    thread = threading.Thread(target=lambda: result.update(s=migrate(src, load_profiles(), options)))
    thread.start()
    killed = None
    deadline = time.monotonic() + 150
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        busy = [w for w, tasks in client.processing().items() if tasks]
        if busy and list((out / ".repost").glob("renditions-*")):
            pid = _worker_pids(client)[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed = busy[0]
        time.sleep(0.05)
    thread.join(200)
    assert killed is not None, "no job seen running"
    summary = result["s"]
    assert not summary.failed and summary.made == 4, summary.to_dict()
    bundles = _assert_whole(out)
    assert sorted(str(b.relative_to(out)) for b in bundles) == [
        f"p{i}/{p}" for i in range(2) for p in sorted(TO.split(","))
    ]


@pytest.mark.timeout(280)
def test_ctrl_c_cancels_the_jobs_and_leaves_nothing_half_written(tmp_path, media_factory):
    src = _backlog(tmp_path, _slow_clip(media_factory), 4)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "repost", "migrate", str(src), "--to", TO, "--out", str(out),
           "--cluster", "local:2"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 200
    while time.monotonic() < deadline and proc.poll() is None:
        if list((out / ".repost").glob("renditions-*")):
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Interrupted." in err
    _assert_whole(out)


@pytest.mark.timeout(200)
def test_export_on_a_cluster_makes_the_same_bundles(tmp_path, run, cluster, clip_fits_all, write_post):
    lc, _ = cluster
    post = write_post("title: t\ncaption: c #x\nmedia: [clip.mp4]\n", {"clip.mp4": clip_fits_all})
    assert run("export", post, "--to", TO, "--out", tmp_path / "local").code == 0
    remote = run("export", post, "--to", TO, "--out", tmp_path / "remote", "--cluster", lc.scheduler_address)
    assert remote.code == 0, remote.err
    assert _manifests(tmp_path / "remote") == _manifests(tmp_path / "local") != {}


@pytest.mark.timeout(120)
def test_local_workers_keep_glibcs_own_malloc_thresholds(monkeypatch):
    """Dask's nannies set MALLOC_TRIM_THRESHOLD_ for their workers, which makes glibc map every
    large buffer afresh (a slideshow's frames: ~0.7 s more CPU a photo post): --cluster local:N
    starts its workers without it, and leaves the coordinator's environment without it too."""
    from repost.bundle.cluster import MALLOC_VARIABLE, connect

    # A nanny started by an earlier test put it into this process's environment (Dask updates
    # os.environ before it spawns), and workers inherit that: start from a clean one.
    monkeypatch.delenv(MALLOC_VARIABLE, raising=False)
    with connect("local:1") as client:
        seen = client.run(os.environ.get, MALLOC_VARIABLE)
        assert list(seen.values()) == [None]
    assert MALLOC_VARIABLE not in os.environ
