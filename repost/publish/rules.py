"""The posting APIs' upload rules (api_rules.yaml) and the TikTok chunk plan they imply."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

from repost.errors import ProfileError
from repost.platforms.schema import figure_spec  # the one figure form every sourced number in repost uses
from repost.post import schema as s

RULES_FILE = Path(__file__).with_name("api_rules.yaml")
_BYTES = s.number(integer=True, minimum=1, maximum=10**12)
_TIKTOK_KEYS = (
    "min_chunk_bytes",
    "max_chunk_bytes",
    "max_final_chunk_bytes",
    "max_chunks",
    "chunk_bytes",
    "status_fetch_per_min",
)
_SCHEMA = s.record(
    {
        "schema": s.number(integer=True, minimum=1, maximum=1),
        "tiktok": s.record({k: figure_spec(_BYTES) for k in _TIKTOK_KEYS}, required=_TIKTOK_KEYS),
    },
    required=("schema", "tiktok"),
)


@dataclass(frozen=True)
class ChunkRules:
    """TikTok's FILE_UPLOAD chunk rules (Media Transfer Guide), as data."""

    min_chunk_bytes: int
    max_chunk_bytes: int
    max_final_chunk_bytes: int
    max_chunks: int
    chunk_bytes: int
    status_fetch_per_min: int


@functools.cache
def load_tiktok_rules(file: Path = RULES_FILE) -> ChunkRules:
    problems = s.Problems()
    data = _SCHEMA(s.load_yaml(file), "", problems)
    if problems or data is None:
        raise ProfileError(file, problems.items or ["must be a mapping"])
    return ChunkRules(**{k: v["value"] for k, v in data["tiktok"].items()})


@dataclass(frozen=True)
class ChunkPlan:
    chunk_size: int
    total_chunk_count: int
    ranges: tuple[tuple[int, int], ...]  # (first byte, last byte), inclusive, in upload order


def plan_chunks(video_size: int, rules: ChunkRules) -> ChunkPlan:
    """Chunks per the Media Transfer Guide: whole under the minimum or up to the maximum; otherwise
    ``chunk_bytes`` each, count = size // chunk_size (rounded down), the last taking the rest."""
    if video_size <= 0:
        raise ValueError("an empty video cannot be uploaded")
    if video_size <= rules.max_chunk_bytes:
        return ChunkPlan(video_size, 1, ((0, video_size - 1),))
    chunk = rules.chunk_bytes
    if video_size // chunk > rules.max_chunks:  # a huge file: bigger chunks, still within the max
        chunk = math.ceil(video_size / rules.max_chunks)
    count = video_size // chunk
    ranges = [(i * chunk, (i + 1) * chunk - 1) for i in range(count)]
    ranges[-1] = (ranges[-1][0], video_size - 1)  # the final chunk takes the trailing bytes
    last = video_size - ranges[-1][0]
    if (
        not rules.min_chunk_bytes <= chunk <= rules.max_chunk_bytes
        or last > rules.max_final_chunk_bytes
        or count > rules.max_chunks
    ):
        raise ValueError(f"{video_size} bytes cannot be split within TikTok's chunk rules")
    return ChunkPlan(chunk, count, tuple(ranges))
