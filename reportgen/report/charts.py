"""Stage 8, charts: matplotlib figures as PNG bytes with alt text.

Figures are ``matplotlib.figure.Figure`` objects drawn inside an ``rc_context`` built from the
branding, never pyplot's global state, so runs cannot leak styles into each other.  Scatter
plots draw a bounded, seeded sample so chart time does not grow with the table.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from reportgen.formatting import MAX_TEXT_LENGTH, clip, percent
from reportgen.profiling.labels import shown as label_shown
from reportgen.report.colours import segment_colours
from reportgen.report.workers import IN_PROCESS, Helpers
from reportgen.segmenting.clustering import Segmentation
from reportgen.segmenting.features import FeatureMatrix
from reportgen.segmenting.segments import MAX_LEVELS as SEGMENT_LEVELS
from reportgen.segmenting.segments import SegmentProfile, SegmentProfiles, is_yes, known_shares
from reportgen.segmenting.selection import KSelection

DPI = 160  # print resolution; PNG keeps WeasyPrint fast (SVG is ~15x slower)
PNG_COMPRESSION = 3  # zlib level: ~15% larger than savefig's level 6, half the encoding time
MAP_POINTS = 20_000
MAX_PANELS = 12  # small multiples per figure
PROFILE_BARS = 8  # a segment's chart shows its eight largest differences
MAX_HEATMAP = 40  # features in the heatmap of a wide table
BOX_ROWS = 50_000  # box plots are drawn from at most this many customers
MAX_DISTRIBUTIONS = 24  # features with box plots (two figures)
MAX_CATEGORY_LEVELS = 7  # values a category chart names; the rest are pooled as "other"
MAX_CATEGORY_VALUES = 30  # a category column with more values is described, not charted
MIN_NAMED_SHARE = 0.5  # ...as is one whose named values hold under half the customers
# the values of a category chart: Okabe-Ito without black, then brown for an 8th value; the
# rest pooled as "other", in grey
CATEGORY_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#8C564B",
)
OTHER_COLOUR = "#BBBBBB"
_LONGEST_LABEL_WORD = 24  # a longer word in a chart label is broken to fit (see _wrap)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    alt: str  # describes what the chart shows, for screen readers and the text of the PDF
    png: bytes
    width: float  # inches
    height: float


@dataclass(frozen=True)
class Palette:
    primary: str
    accent: str
    segments: tuple[str, ...]

    def segment(self, segment_id: int) -> str:
        return self.segments[(segment_id - 1) % len(self.segments)]


def palette(primary: str, accent: str, k: int) -> Palette:
    """Segment colours led by the brand's primary colour, each clearly apart from the others
    (``reportgen.report.colours``)."""
    return Palette(primary, accent, segment_colours(primary, k))


def draw(
    features: FeatureMatrix,
    segmentation: Segmentation,
    selection: KSelection,
    profiles: SegmentProfiles,
    colors: Palette,
    *,
    font_family: str = "DejaVu Sans",
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    comparison: Any = None,
    distinct: Mapping[str, int] | None = None,
    max_text_length: int = MAX_TEXT_LENGTH,
    helpers: Helpers | None = None,
) -> dict[str, Chart]:
    """Every chart of the report, keyed by name (``profile_3`` for segment 3).

    Each chart is a job of a module-level function and small arguments (the scatter and box
    plot samples are taken here), so the helper processes of ``reportgen.report.workers`` can draw
    them side by side; the result is the same wherever a job runs.  ``distinct`` (column ->
    number of values) tells the category charts how many values they pool as "other".
    Labels are wrapped and cut to the room they have; titles and alt texts show at most
    ``max_text_length`` characters of a name or value.
    """
    limit = max_text_length
    plans = category_plans(profiles, distinct)
    jobs: list[tuple[Callable[..., Chart], tuple[Any, ...]]] = [
        (_k_selection, (selection, colors)),
        (_sizes, (profiles, colors)),
        (_map, (_map_points(features.X, segmentation, profiles, seed, limit), profiles, colors)),
        (_heatmap, (profiles, limit)),
        *[
            (
                _distributions,
                (_box_values(features, segmentation, part, seed), profiles, colors, i, limit),
            )
            for i, part in enumerate(
                _chunks(_most_different(profiles, MAX_DISTRIBUTIONS), MAX_PANELS)
            )
        ],
        *[(_mix, (plan, profiles, colors, limit)) for plan in plans if plan.charted],
        *([(_flags, (profiles, limit))] if profiles.flags else []),
        *[(_profile, (profiles, s, colors, limit)) for s in profiles.segments],
    ]
    if comparison is not None:
        light = replace(comparison, previous_segment=None)  # the charts need no customer rows
        jobs.append((_shares_then_now, (light, colors)))
        if comparison.migration is not None:
            jobs.append((_migration, (light, profiles)))
    style = _style(font_family)
    charts = {}
    helpers = helpers or IN_PROCESS
    for i, chart in enumerate(helpers.map_jobs(draw_one, [(style, *job) for job in jobs])):
        charts[chart.key] = chart
        if progress:
            progress(i + 1, len(jobs))
    return charts


def draw_one(style: dict[str, Any], job: Callable[..., Chart], args: tuple[Any, ...]) -> Chart:
    """One chart, drawn inside an ``rc_context`` of ``style`` (in this or a helper process)."""
    with _in_style(style):
        return job(*args)


@contextmanager
def styled(font_family: str) -> Iterator[None]:
    """The charts' style for drawing one outside ``draw`` (the email's size chart): the
    brand's font family, with fallbacks for the scripts it lacks."""
    with _in_style(_style(font_family)):
        yield


@contextmanager
def _in_style(style: dict[str, Any]) -> Iterator[None]:
    import warnings

    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import rc_context

    installed = _installed_families()
    families = [f for f in style["font.sans-serif"] if f in installed]
    fallbacks = [f for f in FALLBACK_FAMILIES if f in installed and f not in families]
    style = {**style, "font.sans-serif": [*families, *fallbacks] or ["DejaVu Sans"]}
    with rc_context(style), warnings.catch_warnings():  # type: ignore[arg-type]
        # a glyph no installed font has is drawn as a box; the terminal is not told of it
        warnings.simplefilter("ignore")
        yield


# Fonts tried, in order, for characters the brand font lacks (CJK, Arabic, Devanagari...),
# where installed: matplotlib falls back glyph by glyph along the list.
FALLBACK_FAMILIES = (
    "DejaVu Sans",
    "Noto Sans",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Droid Sans Fallback",
    "Noto Sans Arabic",
    "Noto Sans Devanagari",
    "Noto Color Emoji",
    "Noto Emoji",
)


def _installed_families() -> frozenset[str]:
    """Font families matplotlib can find here: naming one it cannot makes it log a warning."""
    from matplotlib import font_manager

    return frozenset(entry.name for entry in font_manager.fontManager.ttflist)


def _style(font_family: str) -> dict[str, Any]:
    families = [f.strip().strip("'\"") for f in font_family.split(",") if f.strip()]
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [*families, "DejaVu Sans"],
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e3e3e3",
        "grid.linewidth": 0.6,
        "axes.axisbelow": True,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 8,
        "legend.frameon": False,
    }


def _figure(  # type: ignore[no-untyped-def]
    width: float,
    height: float,
    *,
    left: float = 0.6,
    right: float = 0.2,
    top: float = 0.35,
    bottom: float = 0.5,
    wspace: float = 0.35,
    hspace: float = 0.6,
):
    """A figure with fixed margins in inches.

    Labels are wrapped to known widths, so fixed margins hold them; a layout engine would
    draw every figure twice and costs two to three times as much.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        wspace=wspace,
        hspace=hspace,
    )
    return fig


def _png(fig, key: str, title: str, alt: str) -> Chart:  # type: ignore[no-untyped-def]
    width, height = fig.get_size_inches()
    return Chart(key, title, alt, png(fig), float(width), float(height))


def png(fig: Any, *, dpi: float | None = None, colours: int | None = None) -> bytes:
    """The figure as PNG bytes: the pixels ``savefig`` would give at ``dpi`` (default: the
    figure's), without its alpha channel when every pixel is opaque (WeasyPrint splits an
    alpha channel into a second image).  ``colours`` keeps that many colours: a third of the
    size for a flat chart (the email's), at no visible cost."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    if dpi is not None:
        fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    opaque = bool(rgba[..., 3].min() == 255)
    image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]) if opaque else rgba)
    buffer = io.BytesIO()
    if colours is not None:
        small = image.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT)
        small.save(buffer, format="png", optimize=True)
    else:
        resolution = dpi or DPI
        image.save(
            buffer, format="png", dpi=(resolution, resolution), compress_level=PNG_COMPRESSION
        )
    return buffer.getvalue()


def _k_selection(selection: KSelection, colors: Palette) -> Chart:
    cands = selection.candidates
    ks = [c.k for c in cands]
    panels = [
        ("Inertia (elbow)", [c.inertia for c in cands], "lower is tighter"),
        ("Silhouette", [c.silhouette for c in cands], "higher is better"),
        ("Calinski-Harabasz", [c.calinski_harabasz for c in cands], "higher is better"),
        ("Davies-Bouldin", [c.davies_bouldin for c in cands], "lower is better"),
    ]
    if cands and cands[0].stability is not None:
        panels.append(
            ("Stability (resample ARI)", [c.stability or 0.0 for c in cands], "higher is better")
        )
    if any(c.score is not None for c in cands) and selection.method == "consensus":
        panels.append(
            (
                "Consensus score",
                [c.score if c.score is not None else np.nan for c in cands],
                "higher is better",
            )
        )
    cols = 3
    rows = (len(panels) + cols - 1) // cols
    fig = _figure(7.2, 2.1 * rows, left=0.55, top=0.3, bottom=0.5, wspace=0.42, hspace=0.75)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (title, values, hint) in zip(axes, panels, strict=False):
        ax.plot(ks, values, marker="o", color=colors.primary, linewidth=1.6, markersize=4)
        ax.axvline(selection.k, color=colors.accent, linestyle="--", linewidth=1.2)
        ineligible = [c.k for c in cands if not c.eligible]
        for k in ineligible:
            ax.axvspan(k - 0.4, k + 0.4, color="#f2f2f2", zorder=0)
        ax.set_title(title)
        ax.set_xlabel(f"k ({hint})")
        ax.set_xticks(ks)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    alt = (
        f"Criteria for choosing the number of segments plotted against k from {min(ks)} to "
        f"{max(ks)}; the chosen k={selection.k} is marked with a dashed line."
    )
    return _png(fig, "k_selection", "Criteria against k", alt)


@dataclass(frozen=True)
class SizeBar:
    """One segment's bar in the segment-size chart."""

    id: int
    name: str
    size: int
    share: float
    color: str


@dataclass(frozen=True)
class SizesLayout:
    """The segment-size chart's room: a page of the report or the email's 552px column."""

    width: float  # inches
    per_bar: float  # inches of height per segment
    extra: float  # inches of height besides the bars
    left: float  # margins, inches
    right: float
    top: float
    bottom: float
    wrap: int  # characters per line of a segment's label
    bar: float  # a bar's thickness, as a share of the space between bars
    room: float  # the axis runs to this multiple of the largest segment (its count's room)


REPORT_SIZES = SizesLayout(7.2, 0.45, 0.9, 2.45, 0.2, 0.15, 0.5, wrap=34, bar=0.8, room=1.18)
EMAIL_SIZES = SizesLayout(4.6, 0.3, 0.55, 1.75, 0.1, 0.05, 0.45, wrap=26, bar=0.7, room=1.2)


def segment_sizes(bars: Sequence[SizeBar], layout: SizesLayout = REPORT_SIZES) -> Any:
    """Customers per segment as a bar chart (a ``Figure``), in the current style (``draw``'s,
    or ``styled``): the report's chart and the email's."""
    fig = _figure(
        layout.width,
        layout.per_bar * len(bars) + layout.extra,
        left=layout.left,
        right=layout.right,
        top=layout.top,
        bottom=layout.bottom,
    )
    ax = fig.add_subplot()
    y = np.arange(len(bars))[::-1]
    ax.barh(y, [b.size for b in bars], height=layout.bar, color=[b.color for b in bars])
    ax.set_yticks(y, [_wrap(f"{b.id}. {b.name}", layout.wrap) for b in bars])
    ax.grid(axis="y", visible=False)
    top = max([b.size for b in bars] + [1])
    for yi, b in zip(y, bars, strict=True):
        ax.text(
            b.size + top * 0.01, yi, f"{b.size:,} ({percent(b.share)})", va="center", fontsize=8
        )
    ax.set_xlim(0, top * layout.room)
    ax.set_xlabel("customers")
    return fig


def sizes_alt(bars: Sequence[SizeBar]) -> str:
    """The size chart's alt text (the report's caption reads "Segment sizes. " before it)."""
    return "Customers in each segment: " + "; ".join(
        f"{b.name} {b.size:,} ({percent(b.share)})" for b in bars
    )


def _sizes(profiles: SegmentProfiles, colors: Palette) -> Chart:
    bars = [SizeBar(s.id, s.name, s.size, s.share, colors.segment(s.id)) for s in profiles.segments]
    return _png(segment_sizes(bars), "sizes", "Segment sizes", sizes_alt(bars))


@dataclass(frozen=True)
class _MapPoints:
    """What the customer map draws: a seeded sample projected on two axes, and the centres."""

    points: np.ndarray
    centers: np.ndarray
    labels: np.ndarray
    segment_ids: tuple[int, ...]
    ratio: tuple[float, float]
    xlabel: str
    ylabel: str
    shown: int
    total: int


def _map_points(
    X: np.ndarray,
    seg: Segmentation,
    profiles: SegmentProfiles,
    seed: int,
    limit: int = MAX_TEXT_LENGTH,
) -> _MapPoints:
    rng = np.random.default_rng(seed)
    idx = _sample_rows(len(X), MAP_POINTS, seed)
    if X.shape[1] >= 2:
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, random_state=seed).fit(X[idx])
        points, centers = pca.transform(X[idx]), pca.transform(seg.centers)
        ratio = pca.explained_variance_ratio_
        xlabel = f"PC1 ({percent(ratio[0])} of variance)"
        ylabel = f"PC2 ({percent(ratio[1])} of variance)"
    else:
        jitter = rng.uniform(-0.5, 0.5, len(idx))
        points = np.column_stack([X[idx, 0], jitter])
        centers = np.column_stack([seg.centers[:, 0], np.zeros(len(seg.centers))])
        xlabel = f"{clip(profiles.features[0], limit)} (standardized)"
        ylabel, ratio = "jitter", [1.0, 0.0]
    return _MapPoints(
        points,
        centers,
        seg.labels[idx],
        seg.segment_ids,
        (ratio[0], ratio[1]),
        xlabel,
        ylabel,
        len(idx),
        len(X),
    )


def _map(data: _MapPoints, profiles: SegmentProfiles, colors: Palette) -> Chart:
    fig = _figure(7.2, 4.6, right=2.35, top=0.15)
    ax = fig.add_subplot()
    points, centers, ratio = data.points, data.centers, data.ratio
    xlabel, ylabel = data.xlabel, data.ylabel
    labels = data.labels
    size = 14 if data.shown < 2000 else 4 if data.shown < 10000 else 1.5
    for s in profiles.segments:
        member = labels == s.id
        ax.scatter(
            points[member, 0],
            points[member, 1],
            s=size,
            alpha=0.6,
            linewidths=0,
            color=colors.segment(s.id),
            label=_wrap(f"{s.id}. {s.name}", 30),
            rasterized=True,
        )
    ax.scatter(
        centers[:, 0],
        centers[:, 1],
        marker="X",
        s=120,
        color="white",
        edgecolors="black",
        linewidths=1.2,
        zorder=5,
    )
    for i, (cx, cy) in zip(data.segment_ids, centers, strict=True):
        ax.annotate(
            str(i),
            (cx, cy),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=9,
            fontweight="bold",
            zorder=6,
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    legend = ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), markerscale=2.5)
    _fit_in_figure(fig, legend)
    shown = (
        f"{data.shown:,} of {data.total:,} customers"
        if data.shown < data.total
        else f"all {data.total:,} customers"
    )
    alt = (
        f"Map of {shown} on the first two principal components "
        f"({percent(ratio[0])} and {percent(ratio[1])} of variance), coloured by segment, "
        "with segment centres marked by crosses."
    )
    return _png(fig, "map", "Customer map (PCA)", alt)


def _heatmap(profiles: SegmentProfiles, limit: int = MAX_TEXT_LENGTH) -> Chart:
    """Features down, segments across; wide tables show the features that differ most."""
    segs = profiles.segments
    feats = _most_different(profiles, MAX_HEATMAP)
    z = np.array([[s.z[f] for s in segs] for f in feats])
    label_lines = 3 if len(segs) <= 4 else 4
    bottom = 0.2 + 0.13 * label_lines
    fig = _figure(
        7.2, 0.3 * len(feats) + bottom + 0.25, left=2.3, right=1.3, top=bottom, bottom=0.1
    )
    ax = fig.add_subplot()
    image = ax.imshow(np.clip(z, -2, 2), cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    wrap = max(8, int(52 / len(segs)))
    ax.xaxis.tick_top()
    ax.set_xticks(
        range(len(segs)),
        # past 8 segments a column is too narrow for a name: the number, as in the box plots
        [
            _wrap(f"{s.id}. {s.name}", wrap, label_lines) if len(segs) <= 8 else str(s.id)
            for s in segs
        ],
        fontsize=6.5 if len(segs) <= 8 else 8,
    )
    ax.set_yticks(range(len(feats)), [_wrap(label_shown(f, limit), 36) for f in feats], fontsize=7)
    ax.tick_params(length=0)
    ax.grid(False)
    for i, f in enumerate(feats):
        for j, s in enumerate(segs):
            ax.text(
                j,
                i,
                _short(s.centroid[f]),
                ha="center",
                va="center",
                fontsize=6.5,
                color="white" if abs(z[i, j]) > 1.2 else "black",
            )
    _side_colorbar(fig, ax, image, "difference from average\n(standard deviations)")
    which = (
        "every feature"
        if len(feats) == len(profiles.features)
        else f"the {len(feats)} of {len(profiles.features)} features that differ most"
    )
    alt = (
        f"Heatmap of segment averages for {which}; colour shows how far each segment "
        "sits above (red) or below (blue) the average customer, cells give the averages in "
        "original units."
    )
    return _png(fig, "heatmap", "Segments against features", alt)


def _box_values(
    features: FeatureMatrix, seg: Segmentation, names: Sequence[str], seed: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The segment labels and the original values of ``names`` of at most ``BOX_ROWS``
    customers (quartiles of 50k rows are enough), drawn with the run's seed."""
    rows_drawn = _sample_rows(len(seg.labels), BOX_ROWS, seed)
    values = {name: features.value(name, rows_drawn).to_numpy() for name in names}
    return seg.labels[rows_drawn], values


def _distributions(
    sample: tuple[np.ndarray, dict[str, np.ndarray]],
    profiles: SegmentProfiles,
    colors: Palette,
    part: int,
    limit: int = MAX_TEXT_LENGTH,
) -> Chart:
    labels, columns = sample
    names = list(columns)
    cols = 3 if len(names) > 4 else 2 if len(names) > 1 else 1
    rows = (len(names) + cols - 1) // cols
    fig = _figure(7.2, 1.9 * rows + 0.4, left=0.6, top=0.3, bottom=0.45, wspace=0.4, hspace=0.65)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    ids = [s.id for s in profiles.segments]
    for ax, name in zip(axes, names, strict=False):
        values = columns[name]
        groups = [values[labels == i] for i in ids]
        box = ax.boxplot(
            groups,
            tick_labels=[str(i) for i in ids],
            showfliers=False,
            patch_artist=True,
            widths=0.6,
            medianprops={"color": "black"},
        )
        for patch, i in zip(box["boxes"], ids, strict=True):
            patch.set_facecolor(colors.segment(i))
            patch.set_alpha(0.75)
        ax.set_title(_wrap(label_shown(name, limit), 30), fontsize=8)
        ax.set_xlabel("segment", fontsize=7)
        if _wants_log_axis(values):
            ax.set_yscale("symlog")
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    key = "distributions" if part == 0 else f"distributions_{part + 1}"
    alt = (
        "Box plots of " + ", ".join(clip(name, limit) for name in names) + " by segment "
        "(boxes span the middle half of customers, lines the median; outliers not drawn)."
    )
    return _png(fig, key, "Feature distributions by segment", alt)


def _flags(profiles: SegmentProfiles, limit: int = MAX_TEXT_LENGTH) -> Chart:
    """Yes-rates of every flag by segment, coloured by the difference from all customers."""
    flags = list(profiles.flags)
    segs = profiles.segments
    unknown = profiles.not_known
    overall = np.array([_yes_share(profiles.overall_mix[f], unknown.get(f, {})) for f in flags])
    rates = np.array([[_yes_share(s.mix[f], unknown.get(f, {})) for f in flags] for s in segs])
    rows = np.vstack([overall, rates])
    diff = (rows - overall) * 100
    top = 0.25 + 0.055 * max(len(f[:22]) for f in flags)  # room for the slanted labels
    grid = min(3.6, 0.75 * len(flags))  # a few flags get cells of a readable width
    fig = _figure(
        7.2, 0.32 * len(rows) + top + 0.2, left=2.3, right=7.2 - 2.3 - grid, top=top, bottom=0.1
    )
    ax = fig.add_subplot()
    image = ax.imshow(np.clip(diff, -25, 25), cmap="PuOr_r", vmin=-25, vmax=25, aspect="auto")
    ax.xaxis.tick_top()
    ax.set_xticks(
        range(len(flags)),
        [_wrap(f, 22, 1) for f in flags],
        fontsize=7,
        rotation=35,
        ha="left",
        rotation_mode="anchor",
    )
    ax.set_yticks(
        range(len(rows)),
        ["All customers"] + [_wrap(f"{s.id}. {s.name}", 30) for s in segs],
        fontsize=7,
    )
    ax.tick_params(length=0)
    ax.grid(False)
    ax.axhline(0.5, color="white", linewidth=3)
    for i in range(len(rows)):
        for j in range(len(flags)):
            ax.text(
                j,
                i,
                "–" if np.isnan(rows[i, j]) else percent(rows[i, j]),  # nobody it applies to
                ha="center",
                va="center",
                fontsize=6.5,
                color="white" if abs(diff[i, j]) > 15 else "black",
            )
    _side_colorbar(fig, ax, image, "points above or below\nall customers")
    alt = (
        "Share of customers with each yes/no flag ("
        + ", ".join(clip(flag, limit) for flag in flags)
        + ") in every segment and overall, among customers it applies to and is known for; "
        "colour shows the difference from all customers."
    )
    return _png(fig, "flags", "Yes/no flags by segment", alt)


def _yes_share(mix: dict[str, float], not_known: dict[str, str]) -> float:
    """The yes share among customers the flag applies to and is known for (NaN: none)."""
    known = known_shares(mix, not_known)
    if not known:
        return float("nan")
    return float(sum(share for value, share in known.items() if is_yes(value)))


@dataclass(frozen=True)
class CategoryPlan:
    """How a described category column is charted: the values named in its chart (largest
    first) and what is pooled as "other", or why it is not charted at all."""

    column: str
    levels: tuple[str, ...]  # the values drawn by name, largest first
    pooled: int | None  # values pooled as "other" (None: more than the profile tells)
    pooled_share: float  # share of all customers in "other"
    charted: bool
    reason: str  # why the column is not charted ("" when it is)

    @property
    def note(self) -> str:
        """What the chart leaves out, or why there is no chart, in a few words."""
        if not self.charted:
            return f"{self.column}: {self.reason}"
        if not self.pooled_share:
            return ""
        values = f"{self.pooled} less common values" if self.pooled else "the less common values"
        return f"{values} ({percent(self.pooled_share)} of customers) are pooled as 'other'"


def category_plans(
    profiles: SegmentProfiles, distinct: Mapping[str, int] | None = None
) -> tuple[CategoryPlan, ...]:
    """A plan for every described category column that is not a yes/no flag.

    A column is charted by name when it has at most ``MAX_CATEGORY_LEVELS + 1`` values; with
    more, its ``MAX_CATEGORY_LEVELS`` most common values are named and the rest pooled as
    "other" (so every bar reaches 100%), unless it has more than ``MAX_CATEGORY_VALUES``
    values or the named ones hold under ``MIN_NAMED_SHARE`` of customers: such a column is
    described in the text and left out of the charts.  ``distinct`` (column -> number of
    values, from the profile) tells how many values are pooled.
    """
    plans: list[CategoryPlan] = []
    for column, mix in profiles.overall_mix.items():
        if column in profiles.flags:
            continue
        plan = _plan(column, mix, (distinct or {}).get(column))
        if plan.charted and sum(p.charted for p in plans) >= MAX_PANELS:
            plan = replace(plan, charted=False, reason=f"beyond the first {MAX_PANELS} charts")
        plans.append(plan)
    return tuple(plans)


def _plan(column: str, mix: Mapping[str, float], distinct: int | None) -> CategoryPlan:
    values = list(mix)
    pooled_before = len(values) >= SEGMENT_LEVELS and values[-1] == "other"
    named = values[:-1] if pooled_before else values
    known = len(named) + 1 if pooled_before else len(named)
    count = max(distinct or 0, known) if distinct or not pooled_before else None
    if count is not None and count <= MAX_CATEGORY_LEVELS + 1:
        return CategoryPlan(column, tuple(named), 0, 0.0, True, "")
    shown = tuple(named[:MAX_CATEGORY_LEVELS])
    held = sum(mix[v] for v in shown)
    pooled = count - len(shown) if count is not None else None
    many = f"{count:,} values" if count is not None else f"more than {SEGMENT_LEVELS} values"
    if count is not None and count > MAX_CATEGORY_VALUES:
        return CategoryPlan(column, shown, pooled, 1 - held, False, f"{many}, too many to chart")
    if held < MIN_NAMED_SHARE:
        reason = (
            f"{many}; the {len(shown)} most common hold only {percent(held)} of customers, "
            "too few to chart"
        )
        return CategoryPlan(column, shown, pooled, 1 - held, False, reason)
    return CategoryPlan(column, shown, pooled, max(0.0, 1 - held), True, "")


def mix_rows(
    plan: CategoryPlan, profiles: SegmentProfiles
) -> tuple[list[str], list[str], np.ndarray]:
    """What a category chart draws: its row labels (all customers, then each segment), its
    parts (the named values, then "other" when values are pooled) and each row's shares of
    them, which add up to 1."""
    column, levels = plan.column, list(plan.levels)
    rows = [("All customers", profiles.overall_mix[column])] + [
        (f"{s.id}. {s.name}", s.mix[column]) for s in profiles.segments
    ]
    shares = np.array([[mix.get(level, 0.0) for level in levels] for _, mix in rows])
    parts = list(levels)
    if plan.pooled_share > 0:  # each row's own rest, so it reaches 100%
        shares = np.column_stack([shares, np.clip(1 - shares.sum(axis=1), 0, 1)])
        parts.append(f"other ({plan.pooled} values)" if plan.pooled else "other")
    return [label for label, _ in rows], parts, shares


def _mix(
    plan: CategoryPlan, profiles: SegmentProfiles, colors: Palette, limit: int = MAX_TEXT_LENGTH
) -> Chart:
    """One stacked bar per segment and overall; every bar reaches 100%."""
    column = plan.column
    said = clip(column, limit)  # as titles and alt texts name it
    labels, parts, shares = mix_rows(plan, profiles)
    names = [_wrap(part, 22) for part in parts]
    shades = list(CATEGORY_COLOURS[: len(plan.levels)])
    if len(parts) > len(plan.levels):
        shades.append(OTHER_COLOUR)
    rows = labels
    fig = _figure(7.2, 0.42 * len(rows) + 0.7, left=2.45, top=0.35, bottom=0.35)
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    left = np.zeros(len(rows))
    for j, (name, color) in enumerate(zip(names, shades, strict=True)):
        widths = shares[:, j]
        ax.barh(y, widths, left=left, color=color, label=name, edgecolor="white", linewidth=0.5)
        for yi, w, lft in zip(y, widths, left, strict=True):
            if w >= 0.08:
                ax.text(
                    lft + w / 2,
                    yi,
                    percent(w),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=_text_on(color),
                )
        left += widths
    ax.set_yticks(y, [_wrap(label, 30) for label in rows])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.grid(axis="y", visible=False)
    ax.set_title(_wrap(column, 55, 1))  # as much as the width above the bars holds
    _legend_below(fig, ax)
    alt = f"Share of each {said} value in every segment and overall."
    if plan.note:
        alt += f" The {plan.note}."
    return _png(fig, f"mix_{_slug(column)}", f"{said} by segment", alt)


def _fit_in_figure(fig, legend) -> None:  # type: ignore[no-untyped-def]
    """Smaller type for a legend that would stick out of the figure (many long names)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    bounds = fig.bbox
    size = float(legend.get_texts()[0].get_fontsize()) if legend.get_texts() else 8.0
    while size > 5:
        box = legend.get_window_extent(renderer)
        if box.x1 <= bounds.x1 and box.y0 >= bounds.y0 and box.y1 <= bounds.y1:
            return
        size -= 0.5
        for text in legend.get_texts():
            text.set_fontsize(size)


def _legend_below(fig, ax) -> None:  # type: ignore[no-untyped-def]
    """The axes' legend centred under the figure, in as many columns as fit its width, with
    the figure made taller by the legend's height so nothing is cut at the edges."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    handles, names = ax.get_legend_handles_labels()
    renderer = FigureCanvasAgg(fig).get_renderer()
    width, height = fig.get_size_inches()
    room = (width - 0.2) * fig.dpi
    ncol = min(len(names), 6)
    while True:
        legend = fig.legend(
            handles,
            names,
            loc="lower center",
            bbox_to_anchor=(width / 2, 0.08),
            bbox_transform=fig.dpi_scale_trans,
            ncol=ncol,
        )
        box = legend.get_window_extent(renderer)
        if box.width <= room or ncol == 1:
            break
        legend.remove()
        ncol -= 1
    extra = box.height / fig.dpi + 0.45  # the legend, and the axis' tick labels above it
    axes = ax.get_position()
    top_in = (1 - axes.y1) * height
    axes_in = (axes.y1 - axes.y0) * height
    bottom_in = axes.y0 * height + extra
    total = top_in + axes_in + bottom_in
    fig.set_size_inches(width, total)
    fig.subplots_adjust(bottom=bottom_in / total, top=1 - top_in / total)


def _profile(
    profiles: SegmentProfiles,
    segment: SegmentProfile,
    colors: Palette,
    limit: int = MAX_TEXT_LENGTH,
) -> Chart:
    ranked = sorted(profiles.features, key=lambda f: -abs(segment.z[f]))
    feats = ranked[:PROFILE_BARS]
    values = [segment.z[f] for f in feats]
    fig = _figure(7.2, 0.24 * len(feats) + 0.75, left=2.6, top=0.12, bottom=0.5)
    ax = fig.add_subplot()
    y = np.arange(len(feats))[::-1]
    ax.barh(y, values, color=[colors.primary if v >= 0 else colors.accent for v in values])
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_yticks(y, [_wrap(label_shown(f, limit), 36) for f in feats])
    ax.grid(axis="y", visible=False)
    reach = max(1.0, max(abs(v) for v in values) * 1.25)
    ax.set_xlim(-reach, reach)
    for yi, f, v in zip(y, feats, values, strict=True):
        label = f"{_short(segment.centroid[f])}"
        ax.text(
            v + (0.03 * reach if v >= 0 else -0.03 * reach),
            yi,
            label,
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize=7,
        )
    ax.set_xlabel("difference from the average customer (standard deviations)")
    shown = (
        "each feature" if len(feats) == len(ranked) else f"its {len(feats)} most different features"
    )
    alt = (
        f"How {segment.name} differs from the average customer on {shown}, in standard "
        "deviations; labels give the segment's average in original units."
    )
    return _png(fig, f"profile_{segment.id}", f"{segment.name} against the average", alt)


def _shares_then_now(comparison: Any, colors: Palette) -> Chart:
    """Each segment's share of customers in the previous period and now."""
    changes = comparison.changes
    fig = _figure(7.2, 0.42 * len(changes) + 1.0, left=2.45, top=0.35, bottom=0.5)
    ax = fig.add_subplot()
    y = np.arange(len(changes))[::-1]
    ax.barh(
        y + 0.2,
        [c.share_then for c in changes],
        height=0.38,
        color="#b8c2cc",
        label=comparison.previous_period,
    )
    ax.barh(
        y - 0.2,
        [c.share_now for c in changes],
        height=0.38,
        color=[colors.segment(c.id) for c in changes],
        label="now",
    )
    ax.set_yticks(y, [_wrap(f"{c.id}. {c.name}", 34) for c in changes])
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    ax.set_xlabel("share of customers")
    alt = (
        f"Share of customers in each segment in {comparison.previous_period} and now: "
        + "; ".join(
            f"{c.name} {percent(c.share_then)} then, {percent(c.share_now)} now" for c in changes
        )
    )
    return _png(
        fig, "shares_then_now", f"Segment shares, {comparison.previous_period} and now", alt
    )


def _migration(comparison: Any, profiles: SegmentProfiles) -> Chart:
    """From-segment (rows) to to-segment (columns): counts, coloured by row share."""
    m = comparison.migration
    names = {c.id: c.name for c in comparison.changes}
    counts = m.counts.astype(float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    lines = 3 if len(m.to_ids) <= 5 else 4
    top = 0.45 + 0.13 * lines
    fig = _figure(
        7.2, 0.42 * len(m.from_ids) + top + 0.5, left=2.45, right=1.2, top=top, bottom=0.45
    )
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    wrap = max(8, int(52 / len(m.to_ids)))
    ax.set_xticks(
        range(len(m.to_ids)),
        [_wrap(f"{i}. {names.get(i, i)}", wrap, lines) for i in m.to_ids],
        fontsize=6.5,
    )
    ax.set_yticks(
        range(len(m.from_ids)),
        [_wrap(f"{i}. {names.get(i, i)}", 34) for i in m.from_ids],
        fontsize=7,
    )
    ax.set_xlabel("now", fontsize=8)
    ax.set_ylabel(comparison.previous_period, fontsize=8)
    ax.tick_params(length=0)
    ax.grid(False)
    for i in range(len(m.from_ids)):
        for j in range(len(m.to_ids)):
            if counts[i, j]:
                ax.text(
                    j,
                    i,
                    f"{int(counts[i, j]):,}\n{percent(shares[i, j])}",
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if shares[i, j] > 0.6 else "black",
                )
    _side_colorbar(fig, ax, image, "share of the earlier segment")
    fig.text(0.02, 0.02, f"{m.n_both:,} customers present in both periods", fontsize=7)
    alt = (
        f"Migration of the {m.n_both:,} customers present in both {comparison.previous_period} "
        "and now: rows are their earlier segment, columns their segment now; cells give "
        "counts and the share of the earlier segment."
    )
    return _png(fig, "migration", "Migration between segments", alt)


def _text_on(color: object) -> str:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(color)  # type: ignore[arg-type]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def _wants_log_axis(values: np.ndarray) -> bool:
    positive = values[values > 0]
    if len(positive) < len(values) * 0.9 or len(positive) == 0:
        return False
    q05, q95 = np.percentile(positive, [5, 95])
    return bool(q05 > 0 and q95 / q05 > 100)


def _side_colorbar(fig, ax, image, label: str) -> None:  # type: ignore[no-untyped-def]
    """A colour bar in the figure's right margin, beside ``ax`` and as tall as it."""
    box = ax.get_position()
    cax = fig.add_axes(
        (box.x1 + 0.25 / fig.get_figwidth(), box.y0, 0.12 / fig.get_figwidth(), box.height)
    )
    bar = fig.colorbar(image, cax=cax)
    bar.ax.tick_params(labelsize=7)
    lines = label.split("\n")
    if box.height * fig.get_figheight() >= 0.065 * max(len(line) for line in lines):
        bar.set_label(label, fontsize=7)
    else:  # a bar too short for its label on end: the label level, right of the bar
        x = box.x1 + 0.62 / fig.get_figwidth()
        words = textwrap.fill(" ".join(lines), 11)
        fig.text(x, (box.y0 + box.y1) / 2, words, fontsize=6.5, va="center", linespacing=1.1)


def _sample_rows(n: int, limit: int, seed: int) -> np.ndarray:
    """All row numbers, or a seeded sorted sample of ``limit`` of them."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


def _most_different(profiles: SegmentProfiles, limit: int) -> list[str]:
    """All features in their order, or on wide tables the ``limit`` that separate segments
    most (largest standardized difference of any segment), still in their order."""
    feats = list(profiles.features)
    if len(feats) <= limit:
        return feats
    spread = {f: max(abs(s.z[f]) for s in profiles.segments) for f in feats}
    keep = set(sorted(feats, key=lambda f: (-spread[f], f))[:limit])
    return [f for f in feats if f in keep]


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _wrap(text: str, width: int, lines: int = 2) -> str:
    """Data text (a name, a value) as a chart label: wrapped to ``lines`` lines of about
    ``width`` characters, cut with "…", and with its dollar signs escaped so that
    "$40K - $60K" is drawn as written, not as a formula.

    Words are kept whole ("Mainstream" in a narrow column overhangs a little) unless one is
    longer than any label has room for: then long words are broken, so a 10,000-letter
    value is not drawn (the renderer measures every glyph of a label, and one such label
    never finished) and does not run off the figure."""
    text = clip(text, 4 * width * lines)  # no more can show; the rest is not even read
    if all(len(word) <= max(2 * width, _LONGEST_LABEL_WORD) for word in text.split()):
        wrapped = textwrap.wrap(
            text, width, max_lines=lines, placeholder="…", break_long_words=False
        )
    else:  # lines of ``width`` letters (textwrap's placeholder would take a whole line)
        wrapped = textwrap.wrap(text, width)
        if len(wrapped) > lines:
            wrapped = [*wrapped[: lines - 1], clip(wrapped[lines - 1] + "…", width)]
    return ("\n".join(wrapped) or text).replace("$", r"\$")


def _short(value: float) -> str:
    if abs(value) >= 10_000:
        return f"{value / 1000:,.0f}k"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_") or "column"
