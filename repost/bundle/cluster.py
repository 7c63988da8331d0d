"""Bundle jobs on a Dask cluster (--cluster ADDRESS | local:N): the coordinator keeps state, workers write."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import logging
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from repost.bundle.build import Renditions, threads_per_encode
from repost.bundle.make import plan_post, renditions_made, write_post
from repost.bundle.outlock import output_lock
from repost.errors import InputError, RepostError, UsageError, failure_line
from repost.layout import WORK_DIR, tmp_dir

INSTALL_HINT = "pip install 'repost[cluster]'"
SHARED_HINT = (
    "every worker must see the source and --out at the same paths as this machine "
    "(a shared file system mounted alike); see docs/scaling.md"
)
CONNECT_TIMEOUT_S = 30
MALLOC_VARIABLE = "MALLOC_TRIM_THRESHOLD_"
CHECKED_FILES = 32  # source files each worker stats before any work (the first posts' media)


class RemoteError(RepostError):
    """A bundle job that failed on a worker, as one line (exceptions come back as text, not
    pickled: not every error class survives the trip)."""


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise UsageError("--cluster needs dask and distributed", "--cluster", hint=INSTALL_HINT) from None
    return distributed


@contextlib.contextmanager
def connect(address: str):
    """A Dask client for ``address``: a scheduler (tcp://host:8786), or local:N for N worker
    processes on 127.0.0.1 (a try on one machine)."""
    distributed = _import_distributed()
    address = address.strip()
    cluster = None
    try:
        if address.startswith("local:"):
            cluster = _local_cluster(distributed, address)
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise InputError(f"cannot reach the Dask scheduler ({exc})", address,
                         hint="start one with `dask scheduler`; see docs/scaling.md") from exc  # fmt: skip
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):  # a scheduler already gone: nothing to close
            client.close(timeout=10)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=10)


def _local_cluster(distributed, address: str):
    count = address.removeprefix("local:")
    if not count.isdigit() or not 1 <= int(count) <= 256:
        raise UsageError("--cluster local:N needs N, a number of workers from 1 to 256", address,
                         hint="e.g. --cluster local:2")  # fmt: skip
    import dask

    # Processes, one thread each: an encode holds the GIL little, but the Python between
    # (probes, hashes, covers) does; each worker's encoders take its share of the cores.
    # Without the MALLOC_TRIM_THRESHOLD_ Dask's nannies give their workers (for its memory
    # reports): set at all, it stops glibc from raising its mmap threshold, so every large
    # buffer (a slideshow's frames, ffmpeg's in the workers' children) is mapped and faulted in
    # afresh; a photo post's bundles cost ~0.7 s more CPU in such a worker (docs/scaling.md).
    with dask.config.set({f"distributed.nanny.pre-spawn-environ.{MALLOC_VARIABLE}": None}):
        return distributed.LocalCluster(
            n_workers=int(count), threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=logging.ERROR,
        )  # fmt: skip


def total_threads(client) -> int:
    return max(1, sum(client.nthreads().values()))


def host_shares(client) -> dict[str, int]:
    """Each worker's address -> the jobs its machine runs side by side (the threads of every
    worker on that host): a job's encoders get that share of the machine's cores, as -j does,
    so N local workers on one machine never run N times its cores in encoder threads."""
    workers = client.scheduler_info(n_workers=-1).get("workers", {})
    per_host = collections.Counter()
    for info in workers.values():
        per_host[info.get("host")] += int(info.get("nthreads") or 1)
    return {address: per_host[info.get("host")] for address, info in workers.items()}


def check_workers(client, sources: list[Path], out: Path) -> None:
    """Every worker reads the source files and the output folder as this machine does; else the
    run is refused, naming the first path a worker cannot read, before any work is sent.

    A token the coordinator writes under DIR/.repost is read back by each worker: the same
    path on a different disk (a local folder where NFS was meant) is caught, not only a
    missing one."""
    check_dir = tmp_dir(Path(out).resolve())
    check_dir.mkdir(parents=True, exist_ok=True)
    token = check_dir / f"cluster-check-{uuid.uuid4().hex[:8]}"
    token.write_text(token.name, encoding="utf-8")
    try:
        paths = [str(p) for p in sources]
        answers = client.run(worker_sees, paths, str(token), wait=True, on_error="return")
    finally:
        token.unlink(missing_ok=True)
    if not answers:
        raise InputError("the Dask cluster has no workers", hint="start some with `dask worker ADDRESS`")
    for worker, problem in sorted(answers.items()):
        if isinstance(problem, BaseException):
            raise InputError(f"worker {worker} could not run the path check ({problem})", hint=SHARED_HINT)
        if problem:
            raise InputError(f"worker {worker} cannot read this path", problem, hint=SHARED_HINT)


def can_read(path: str) -> bool:
    """Whether this process can read ``path`` (a folder: list it). Looked up by name in
    worker_sees, so a test can stand in for a worker that lacks a mount."""
    try:
        if os.path.isdir(path):
            os.listdir(path)
            return True
        with open(path, "rb") as f:
            f.read(1)
        return True
    except OSError:
        return False


def worker_sees(paths: list[str], token: str) -> str | None:
    """On a worker: the first path it cannot read, or None. The output folder is proven by
    reading the coordinator's token there, and by being writable."""
    for path in paths:
        if not can_read(path):
            return path
    folder = os.path.dirname(token)
    try:
        with open(token, encoding="utf-8") as f:
            same = f.read() == os.path.basename(token)
    except OSError:
        same = False
    if not same or not os.access(folder, os.W_OK):
        return str(Path(folder).parent.parent)  # the output folder the user named
    return None


def build_bundles(post, todo, eopts, shares: dict[str, int]):
    """On a worker: one post's plan, encodes and bundles (written aside, renamed into place).
    Returns (plans, results, None), or (None, None, why) when the post failed."""
    try:
        renditions = Renditions(threads=encoder_threads(shares))
        plans = plan_post(post, todo, eopts)
        with renditions_made(plans, eopts, renditions):
            results = write_post(plans, eopts, renditions)
        return plans, results, None
    except (RepostError, OSError) as exc:
        return None, None, failure_line(exc)
    except Exception as exc:  # a bug met by one post costs that post, never the backlog
        return None, None, f"internal error: {type(exc).__name__}: {exc} (a bug in repost)"


def encoder_threads(shares: dict[str, int]) -> int:
    """On a worker: ffmpeg threads for this job, its share of this machine's cores."""
    try:
        from distributed import get_worker

        worker = get_worker()
        parallel = shares.get(worker.address) or worker.state.nthreads
    except (ImportError, ValueError, AttributeError):
        parallel = 1
    return threads_per_encode(max(1, parallel))


class Jobs:
    """Futures sent to the cluster, so an interrupt cancels every one still queued or running."""

    def __init__(self, client) -> None:
        self.client = client
        self.futures: set = set()
        self.lock = threading.Lock()

    def run(self, fn, *args):
        """Run ``fn(*args)`` on a worker and wait for it. A worker lost mid-job has the job
        run again elsewhere by the scheduler (bundles are written aside and renamed, so the
        lost one leaves only a temporary folder); one lost too often fails the post."""
        distributed = _import_distributed()
        future = self.client.submit(fn, *args, pure=False, key=f"repost-{fn.__name__}-{uuid.uuid4().hex}")
        with self.lock:
            self.futures.add(future)
        try:
            return future.result()
        except distributed.KilledWorker as exc:
            raise RemoteError(f"the job's workers were lost, one after another ({exc})") from None
        finally:
            with self.lock:
                self.futures.discard(future)

    def cancel(self) -> None:
        with self.lock:
            futures = list(self.futures)
        if futures:
            with contextlib.suppress(Exception):
                self.client.cancel(futures, force=True)


def write_plans(plans, options, shares: dict[str, int]):
    """On a worker: one post's planned bundles, made and renamed into place."""
    renditions = Renditions(threads=encoder_threads(shares))
    with renditions_made(plans, options, renditions):
        return write_post(plans, options, renditions)


def export_on_cluster(jobs: list[list], options, done=None) -> list:
    """export's bundle writing, one post per job on the cluster; results in the posts' order,
    each post's handed to ``done`` as it comes back."""
    out, address = Path(options.out).resolve(), options.cluster
    options = dataclasses.replace(options, out=out, cluster=None)
    sources = list(dict.fromkeys(s.source.resolve() for plans in jobs for p in plans for s in p.steps))
    with connect(address) as client, output_lock(out / WORK_DIR):
        check_workers(client, sources[: CHECKED_FILES + 1], out)
        remote, shares = Jobs(client), host_shares(client)
        with ThreadPoolExecutor(total_threads(client)) as pool:
            try:
                made = []
                for results in pool.map(lambda p: remote.run(write_plans, p, options, shares), jobs):
                    for result in results:  # each post's as it comes back, for its result lines
                        done and done(result)
                    made += results
                return made
            except BaseException:
                remote.cancel()
                raise
