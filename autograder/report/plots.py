"""Plots as self-contained ``data:image/png`` URIs (matplotlib's Agg canvas; no pyplot state,
no files, no fonts fetched). No student-derived text is drawn: names stay in the HTML tables,
where they are escaped, and never reach matplotlib's mathtext parser."""

from __future__ import annotations

import base64
import io
import math
import re

from .stats import TOTAL, Distribution, Histogram

COLOR = "#4C72B0"
_SAFE_LABEL = re.compile(r"[^\w.\-\[\] ]")


def _label(text: str) -> str:
    """Text from results.json as a plot label: word characters and a little punctuation."""
    return _SAFE_LABEL.sub("?", text)[:60]


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)  # constrained layout: 10x slower
    FigureCanvasAgg(fig)
    return fig


def to_data_uri(fig) -> str:
    """The figure as a PNG ``data:`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _bars(ax, hist: Histogram, color: str = COLOR) -> None:
    lefts = hist.edges[:-1]
    widths = [b - a for a, b in zip(hist.edges, hist.edges[1:])]
    ax.bar(lefts, hist.counts, width=widths, align="edge", color=color, edgecolor="white")
    ax.set_xlim(hist.edges[0], hist.edges[-1])
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)


def _mark(ax, d: Distribution) -> None:
    ax.axvline(d.mean, color="#C44E52", linestyle="-", linewidth=1.5, label=f"mean {d.mean:g}")
    ax.axvline(d.median, color="#55A868", linestyle="--", linewidth=1.5,
               label=f"median {d.median:g}")
    ax.legend(fontsize=8, loc="upper left", frameon=False)


def total_histogram(total: Distribution) -> str:
    """The distribution of total scores."""
    fig = _figure(7, 3)
    ax = fig.add_subplot()
    _bars(ax, total.histogram)
    _mark(ax, total)
    ax.set_xlabel(f"total score (autograded maximum {total.max_score:g})")
    fig.subplots_adjust(left=0.09, right=0.98, top=0.95, bottom=0.17)
    return to_data_uri(fig)


def part_histograms(parts: list[Distribution], columns: int = 4) -> str:
    """One small histogram per part, in a grid."""
    parts = [p for p in parts if p.part != TOTAL]
    rows = max(1, math.ceil(len(parts) / columns))
    fig = _figure(3 * columns, 2.3 * rows)
    for i, d in enumerate(parts):
        ax = fig.add_subplot(rows, columns, i + 1)
        _bars(ax, d.histogram, "#8172B3" if d.optional else COLOR)
        ax.axvline(d.mean, color="#C44E52", linewidth=1.2)
        ax.axvline(d.median, color="#55A868", linestyle="--", linewidth=1.2)
        ax.set_title(f"{_label(d.part)}{' (extra)' if d.optional else ''}: mean {d.mean:.3g}",
                     fontsize=9, parse_math=False)
        ax.set_ylabel("")
        ax.tick_params(labelsize=7)
    fig.subplots_adjust(left=0.04, right=0.99, top=0.92, bottom=0.08, hspace=0.45, wspace=0.2)
    return to_data_uri(fig)


def time_histogram(seconds: list[float], bins: int = 20) -> str:
    """How long grading each submission took."""
    fig = _figure(7, 2.6)
    ax = fig.add_subplot()
    if seconds:
        ax.hist(seconds, bins=bins, color=COLOR, edgecolor="white")
    ax.set_xlabel("seconds to grade one submission")
    ax.set_ylabel("submissions")
    fig.subplots_adjust(left=0.09, right=0.98, top=0.95, bottom=0.19)
    return to_data_uri(fig)


def fail_rate_bars(labels: list[str], rates: list[float]) -> str:
    """Failure rate of the most failed concepts (labels are the bank's check ids, which the
    instructor wrote: never student text)."""
    fig = _figure(7, 0.25 * max(4, len(labels)) + 0.8)
    ax = fig.add_subplot()
    y = list(range(len(labels)))[::-1]
    ax.barh(y, [100 * r for r in rates], color="#C44E52")
    ax.set_yticks(y, [_label(label) for label in labels], fontsize=7)
    for tick in ax.get_yticklabels():
        tick.set_parse_math(False)  # "$" is text, never mathtext
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of graded submissions failing (mean over the check's cases)")
    fig.subplots_adjust(left=0.3, right=0.97, top=0.97, bottom=0.6 / fig.get_figheight())
    return to_data_uri(fig)
