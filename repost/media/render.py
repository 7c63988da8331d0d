"""The ffmpeg argument list of a Conform operation (pure): reframe, retime, tone-map, encode."""

from __future__ import annotations

import itertools

from repost.media.ffmpeg import safe_path
from repost.media.mp4 import MP4_NO_EDIT_LIST, global_args, output
from repost.ops import CameraPath, Conform, SourceVideo, even_down

# The blurred background is made from a small copy (1/8 of the frame) and scaled back up: a
# Gaussian blur at full size costs more than the foreground's own scaling, and the blur hides
# the upscale. Sigma relative to that small copy's width gives the same look at every size.
BLUR_SHRINK = 8
BLUR_SIGMA_PER_WIDTH = 1 / 12
# ITU-R BS.775 downmix: centre and surrounds at -3 dB (0.707), LFE left out, and no "<"
# renormalisation: dividing by the sum of the gains (2.41) made a 5.1 film 7.8 LU quieter than
# its source. The sum may pass full scale, so the mix is made in float (no clipping inside the
# graph) and the measured gain and true-peak limiter after it bring it back under the ceiling.
FLOAT_AUDIO = "aformat=sample_fmts=fltp"
_DOWNMIX_51 = "pan=stereo|FL=FL+0.707*FC+0.707*{s}L|FR=FR+0.707*FC+0.707*{s}R"
# EBU R128 loudnorm in one pass: only for a --loudness target planned without a measurement
# of the source (plans made outside export); -1.5 dBTP keeps AAC's overshoot under -1 dBTP.
LOUDNORM = "loudnorm=I={i:g}:TP=-1.5:LRA=11"
# The true-peak limiter: a lookahead limiter run at 4x the sample rate, where sample peaks are
# the true peaks of ITU-R BS.1770 (which measures them 4x oversampled); latency=1 keeps the
# sound in place (the lookahead would delay it by the attack time), level=0 turns its
# automatic make-up gain off. Measured: limited to -2 dBTP before AAC 128 kbps, a +5.3 dB gain
# on a hot 5.1 mix came out at -1.4 dBTP and 0.4 LU under its target, but loud noise bursts
# at -0.7 dBTP: the ceiling is -3 dBTP (plan/audio.py).
_LIMITER = "aresample={up},alimiter=limit={limit:.4f}:level=0:latency=1"
_OVERSAMPLE = 4
# HDR (PQ or HLG, BT.2020) to SDR BT.709 with zscale + tonemap (ffmpeg docs, tonemap filter):
# linearise in float, convert the primaries, compress highlights with Hable's curve, then
# back to BT.709 gamma in limited range. desat=0 keeps the colour of bright areas.
_TONEMAP = (
    "zscale=tin={tin}:pin=bt2020:min=bt2020nc:t=linear:npl=100,format=gbrpf32le,"
    "zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv"
)
# Colour tags must be set on the frames (setparams) for the encoder to write them into the
# H.264 VUI; output -color_* options alone are lost after a filter graph (seen with ffmpeg 7-9).
_BT709_FRAMES = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
_BT709_OUT = (
    "-color_primaries",
    "bt709",
    "-color_trc",
    "bt709",
    "-colorspace",
    "bt709",
    "-color_range",
    "tv",
)


def conform_args(op: Conform, source, dest, *, threads: int | None = None) -> tuple[str, ...]:
    """Every argument after ``ffmpeg`` that makes ``op`` from ``source`` into ``dest``: global
    options, each input's options before its path, then the output's options before its path
    (yt-dlp's input_path_opts / output_path_opts shape), so nothing is found again by text."""
    r = op.rendition
    if r.video == "copy":
        video = ["-map", "0:v:0", "-c:v", "copy"]
        if op.source.codec == "hevc":
            video += ["-tag:v", "hvc1"]
        graph = []
    else:
        graph = ["-filter_complex", video_graph(op.source, r)]
        video = ["-map", "[v]", *encoder_args(r)]
    return (
        *global_args(threads),
        *_input_args(r, source),
        *graph,
        *output(_output_opts(op.source, r, video), dest, threads),
    )


def can_share_decode(r) -> bool:
    """Whether ``r`` can take its frames from a decode shared with other renditions."""
    return r.video == "encode" and r.audio.action != "silent"


def shared_args(source, items, *, threads: int | None = None) -> tuple[str, ...]:
    """One ffmpeg run making several conforms ``items`` [(Conform, dest)] of ``source``: the
    source is read and decoded once and its frames split to each rendition's graph.

    benchmarks/bench_decode_once.py: two renditions of a 1080p clip cost ~15% less CPU this
    way than as two runs. Every rendition must pass :func:`can_share_decode` and start at the
    same point of the source.
    """
    first = items[0][0].rendition
    graphs = [f"[0:v]split={len(items)}" + "".join(f"[s{i}]" for i in range(len(items)))]
    graphs += [video_graph(op.source, op.rendition, tag=str(i)) for i, (op, _) in enumerate(items)]
    args = [*global_args(threads), *_input_args(first, source), "-filter_complex", ";".join(graphs)]
    for i, (op, dest) in enumerate(items):
        video = ["-map", f"[v{i}]", *encoder_args(op.rendition)]
        args += output(_output_opts(op.source, op.rendition, video), dest, threads)
    return tuple(args)


def _input_args(r, source) -> list[str]:
    args: list[str] = []
    if r.start_s:
        args += ["-ss", f"{r.start_s:.3f}"]  # input seek: fast, and exact when re-encoding
    args += ["-i", safe_path(source)]
    if r.audio.action == "silent":
        args += ["-f", "lavfi", "-i", f"anullsrc=r={r.audio.sample_rate_hz}:cl=stereo"]
    return args


def _output_opts(src: SourceVideo, r, video: list[str]) -> list[str]:
    args = [*video, *audio_args(src, r)]
    total = _total_duration(src, r)
    if total is not None:
        args += ["-t", f"{total:.3f}"]
    args += ["-dn", "-sn", "-map_metadata", "-1", "-map_chapters", "-1"]
    # moov first, no edit lists, picture and sound starting together (see MP4_NO_EDIT_LIST).
    return [*args, *MP4_NO_EDIT_LIST, "-f", "mp4"]


def _total_duration(src: SourceVideo, r) -> float | None:
    if r.duration_s is not None:
        return r.duration_s + r.hold_s
    if r.hold_s or r.audio.action == "silent":
        return src.duration_s + r.hold_s
    return None


def video_graph(source: SourceVideo, r, tag: str = "") -> str:
    """The filter graph from the (auto-rotated) source picture to ``[v]``; with ``tag``, from
    ``[s<tag>]`` to ``[v<tag>]`` with its own inner labels (one branch of a shared decode)."""
    src = f"[s{tag}]" if tag else "[0:v]"
    lowering = _rate(r.fps) < source.fps - 0.01
    pre = [f"fps={r.fps}"] if lowering else []
    tone = [_TONEMAP.format(tin=r.tonemap), "format=yuv420p"] if r.tonemap else ["format=yuv420p"]
    post = [] if lowering else [f"fps={r.fps}"]
    if r.hold_s:
        post.append(f"tpad=stop_mode=clone:stop_duration={r.hold_s:.3f}")
    post += ["setsar=1", _BT709_FRAMES if r.tonemap else None]
    post = [p for p in post if p]
    if r.fit == "blur":
        fg = [*pre, f"scale={r.content_width}:{r.content_height}", *tone, f"split=2[fg{tag}][bg{tag}]"]
        bw, bh = even_down(r.width / BLUR_SHRINK), even_down(r.height / BLUR_SHRINK)
        sigma = max(1.0, bw * BLUR_SIGMA_PER_WIDTH)
        bg = [
            f"scale={bw}:{bh}:force_original_aspect_ratio=increase",
            f"crop={bw}:{bh}",
            f"gblur=sigma={sigma:.1f}",
            f"scale={r.width}:{r.height}",
        ]
        return (
            f"{src}{','.join(fg)};[bg{tag}]{','.join(bg)}[bgb{tag}];"
            f"[bgb{tag}][fg{tag}]overlay=(W-w)/2:(H-h)/2,{','.join(post)}[v{tag}]"
        )
    chain = list(pre)
    if r.fit == "crop":
        chain.append(f"crop={r.crop[0]}:{r.crop[1]}")  # the box the plan chose, around the centre
    if r.fit == "smart":
        chain.append(smart_crop(r.camera))  # the window follows the subject (plan/camera.py)
    if r.fit == "pad":
        chain += [f"scale={r.content_width}:{r.content_height}", *tone]
        chain.append(f"pad={r.width}:{r.height}:(ow-iw)/2:(oh-ih)/2:color={r.pad_color}")
    else:
        chain += [f"scale={r.width}:{r.height}", *tone]
    return f"{src}{','.join(chain + post)}[v{tag}]"


def encoder_args(r) -> list[str]:
    """libx264 High 4:2:0, quality-based (CRF) with a VBV rate cap, closed GOPs: every encode's
    settings (a Rendition's or a SlideshowOp's: crf, preset, gop_frames, maxrate, bufsize)."""
    return ["-c:v", "libx264", "-preset", r.preset, *x264_settings(r)]


def x264_settings(r) -> list[str]:
    """The encoder settings after the codec and preset (moviepy takes those two itself)."""
    args = ["-crf", str(r.crf), "-profile:v", "high"]
    args += ["-pix_fmt", "yuv420p", "-g", str(r.gop_frames), "-flags", "+cgop"]
    if r.maxrate_bps:
        args += ["-maxrate", str(r.maxrate_bps), "-bufsize", str(r.bufsize_bits)]
    if getattr(r, "tonemap", None):  # a slideshow's settings (SlideshowOp) have none
        args += list(_BT709_OUT)
    return args


def audio_args(src: SourceVideo, r) -> list[str]:
    a = r.audio
    if a.action == "none":
        return ["-an"]
    if a.action == "copy":
        return ["-map", "0:a:0", "-c:a", "copy"]
    if a.action == "silent":
        return ["-map", "1:a:0", "-c:a", "aac", "-b:a", str(a.bitrate_bps)]
    chain = [FLOAT_AUDIO]
    if a.downmix:
        chain.append(downmix_filter(src.audio_layout or ""))
    if a.gain_db:
        chain.append(f"volume={a.gain_db:+.1f}dB")  # to the source's loudness, or the target
    elif a.gain_db is None and a.loudness_lufs is not None:
        chain.append(LOUDNORM.format(i=a.loudness_lufs))
    if a.peak_limit_dbtp is not None:
        up = _OVERSAMPLE * a.sample_rate_hz
        chain.append(_LIMITER.format(up=up, limit=10 ** (a.peak_limit_dbtp / 20)))
    chain.append(f"aresample={a.sample_rate_hz}")
    if a.hold_s:
        chain.append(f"apad=pad_dur={a.hold_s:.3f}")
    args = ["-map", "0:a:0", "-af", ",".join(chain), "-c:a", "aac", "-b:a", str(a.bitrate_bps)]
    return [*args, "-ar", str(a.sample_rate_hz), "-ac", str(a.channels)]


def downmix_filter(layout: str) -> str:
    """The filters that mix a source of ``layout`` down to stereo (before any gain)."""
    if layout.startswith("5.1"):
        return _DOWNMIX_51.format(s="S" if "side" in layout else "B")
    # Other layouts (7.1, quad, 6.1...): libswresample's own matrix, which follows the same
    # -3 dB centre and surround rule (normalised; the measured gain makes up for it).
    return "aformat=channel_layouts=stereo"


def smart_crop(path: CameraPath) -> str:
    """The crop filter whose window follows ``path``: crop evaluates x and y for every frame
    (ffmpeg docs, crop filter); quoted, since the expression's commas would split the graph."""
    w, h = path.size
    moving = f"'{crop_expression(path)}'"
    x, y = (moving, "(ih-oh)/2") if path.axis == "x" else ("(iw-ow)/2", moving)
    return f"crop={w}:{h}:{x}:{y}"


def crop_expression(path: CameraPath) -> str:
    """The position as an ffmpeg expression in ``t``: nested if()s over the straight pieces;
    at a cut two keys share a time and the new shot's position wins."""
    keys = path.keys
    expr = f"{keys[-1][1]:.1f}"
    for (ta, pa), (tb, pb) in reversed(list(itertools.pairwise(keys))):
        if tb <= ta:
            continue
        slope = (pb - pa) / (tb - ta)
        piece = f"{pa:.1f}" if abs(slope) < 1e-6 else f"{pa:.1f}+{slope:.3f}*(t-{ta:.3f})"
        expr = f"if(lt(t,{tb:.3f}),{piece},{expr})"
    return expr


def _rate(fraction: str) -> float:
    num, _, den = fraction.partition("/")
    return int(num) / int(den or 1)
