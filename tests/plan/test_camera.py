"""The smart-crop camera path: still or one smooth pan per shot, within its speed limit."""

from __future__ import annotations

import itertools

import pytest

from repost.media.render import crop_expression
from repost.media.subject import Sample, SubjectTrack
from repost.plan.camera import STILL_SHARE, plan_camera, position_at

CROP = (202, 360)


def track(centres, *, cuts=(), width=640, faces=None, step=0.25):
    """A track whose single face (60 px wide) is centred at each x in turn."""
    samples = []
    for i, cx in enumerate(centres):
        if cx is None:
            samples.append(Sample(i * step, None, ""))
            continue
        boxes = faces[i] if faces else ((cx - 30, 100, 60, 70),)
        samples.append(Sample(i * step, boxes[0], "faces", boxes))
    return SubjectTrack(width, 360, len(centres) * step, tuple(samples), tuple(cuts), "test")


def steps(path):
    return [(b[1] - a[1]) / (b[0] - a[0]) for a, b in itertools.pairwise(path.keys) if b[0] > a[0]]


def test_a_subject_that_barely_moves_gets_a_still_camera():
    wobble = [300 + 8 * (-1) ** i for i in range(20)]  # 16 px < a tenth of 202
    path = plan_camera(track(wobble), CROP)
    assert [s.motion for s in path.shots] == ["still"]
    assert len({p for _, p in path.keys}) == 1
    assert STILL_SHARE * CROP[0] > 16


def test_a_walk_becomes_one_pan_that_never_reverses_and_keeps_the_speed_limit():
    # Walking right with a step back now and then (detector jitter, a turn of the head).
    centres = [60 + 20 * i - (15 if i % 3 == 0 else 0) for i in range(24)]
    path = plan_camera(track(centres), CROP)
    assert [s.motion for s in path.shots] == ["pan"]
    speeds = steps(path)
    assert all(v >= 0 for v in speeds)
    assert max(speeds) <= path.limit_px_per_s + 1e-6
    # The face stays in the window.
    for s in track(centres).samples:
        x = position_at(path, s.t)
        assert x - 1 <= s.box[0] and s.box[0] + s.box[2] <= x + CROP[0] + 1


def test_a_jump_faster_than_the_limit_is_anticipated_not_jumped():
    centres = [100] * 8 + [500] * 8
    path = plan_camera(track(centres), CROP)
    assert max(steps(path)) <= path.limit_px_per_s + 1e-6
    assert position_at(path, 1.0) < position_at(path, 2.0)  # it moves before the jump


def test_each_shot_gets_its_own_path_and_the_cut_is_a_jump():
    centres = [100 + 10 * i for i in range(12)] + [540 - 10 * i for i in range(12)]
    path = plan_camera(track(centres, cuts=(3.0,)), CROP)
    assert [(s.start_s, s.end_s) for s in path.shots] == [(0.0, 3.0), (3.0, 6.0)]
    assert position_at(path, 2.9) < 250 < position_at(path, 3.0)
    directions = [
        steps(plan_camera(track(centres[:12]), CROP)),
        steps(plan_camera(track(centres[12:]), CROP)),
    ]
    assert all(v >= 0 for v in directions[0]) and all(v <= 0 for v in directions[1])


def test_two_faces_are_kept_together_where_they_fit_else_the_largest():
    together = [((200, 100, 60, 70), (300, 100, 60, 70))] * 8  # span 160 < 202
    path = plan_camera(track([0] * 8, faces=together), CROP)
    x = position_at(path, 1.0)
    assert x <= 200 and x + CROP[0] >= 360
    apart = [((100, 100, 80, 90), (500, 100, 40, 45))] * 8  # span 440: the larger one wins
    x = position_at(plan_camera(track([0] * 8, faces=apart), CROP), 1.0)
    assert x <= 100 and x + CROP[0] >= 180


@pytest.mark.parametrize("missing", [0.6, 1.0])
def test_no_confident_subject_in_a_shot_means_no_path(missing):
    n = 20
    centres = [None if i < missing * n else 300 for i in range(n)]
    assert plan_camera(track(centres), CROP) is None


def test_the_ffmpeg_expression_follows_the_path():
    centres = [100 + 10 * i for i in range(12)] + [540 - 10 * i for i in range(12)]
    path = plan_camera(track(centres, cuts=(3.0,)), CROP)
    expr = crop_expression(path)
    for t in [0.0, 0.4, 1.7, 2.99, 3.0, 4.2, 5.9, 7.0]:
        assert _evaluate(expr, t) == pytest.approx(position_at(path, t), abs=0.2)


def _evaluate(expr: str, t: float) -> float:
    """ffmpeg's if(lt(a,b),x,y) and arithmetic, in Python, for the expressions built here."""
    py = expr
    while "if(lt(t," in py:
        py = py.replace("if(lt(t,", "_if(_lt(t,", 1)
    return eval(py, {"_if": lambda c, a, b: a if c else b, "_lt": lambda a, b: a < b, "t": t})
