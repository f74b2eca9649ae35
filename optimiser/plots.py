"""Pictures of results, rendered offline with matplotlib (no display, no network)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .outcome import Workload
    from .tradeoff import TradeoffPoint


def _pyplot() -> Any:
    """matplotlib's pyplot with the offline backend, loaded on first drawing (it costs a good part of a
    second that commands drawing nothing need not pay)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


THRESHOLD_COLOURS = ("#2e7d32", "#f9a825", "#c62828")


def tradeoff_png(points: Sequence[TradeoffPoint], thresholds: Sequence[Decimal], title: str) -> bytes:
    """The best maximum WMT % against the transfer budget, with the proven bound and the threshold lines."""
    plt = _pyplot()
    budgets = [p.max_transfers for p in points]
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=120)
    axes.step(budgets, [float(p.max_wmt_pct) for p in points], where="post", marker="o", label="best maximum found")
    axes.step(
        budgets,
        [float(p.lower_bound_pct) for p in points],
        where="post",
        linestyle="--",
        color="grey",
        label="proven bound (no allocation lower)",
    )
    for value, colour in zip(thresholds, THRESHOLD_COLOURS * 3, strict=False):
        axes.axhline(float(value), color=colour, linewidth=1, alpha=0.8)
        axes.annotate(
            f"{value}%",
            (budgets[-1] if budgets else 0, float(value)),
            textcoords="offset points",
            xytext=(4, 2),
            color=colour,
            fontsize=8,
        )
    axes.set_xlabel("transfers allowed (existing cases that may move)")
    axes.set_ylabel("highest WMT % in the unit")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


AFTER_COLOUR = "#1565c0"
"""The colour of each practitioner's WMT after the solve (the browser test looks for it)."""
SVG_STYLE: Any = {"svg.hashsalt": "caseload-optimiser", "svg.fonttype": "none", "font.size": 9}
"""Deterministic element ids and real text (selectable, small), so a report is the same for the same result."""


def _svg(figure: Figure, extra: str = "") -> str:
    """A figure as an inline <svg> element (no XML prolog, no date), with ``extra`` SVG elements drawn last."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    _pyplot().close(figure)
    text = buffer.getvalue()
    head, closing, _ = re.sub(r"\s*<metadata>.*?</metadata>", "", text[text.index("<svg") :], flags=re.S).rpartition(
        "</svg>"
    )
    return f"{head}{extra}{closing}\n"


def _margins(figure: Figure, label_chars: int) -> None:
    """Room for the row labels and the axis text, set directly: a layout engine measures every label,
    which costs more than drawing the chart."""
    width, height = figure.get_size_inches()
    left = min(0.6, (0.3 + 0.07 * label_chars) / width)
    figure.subplots_adjust(left=left, right=0.98, top=1 - 0.45 / height, bottom=0.55 / height)


def _row_labels(figure: Figure, axes: Any, labels: Sequence[str]) -> str:
    """Each row's label left of the axes, where a tick label would be, as SVG text anchored at its end
    (``axes``' limits and place in the figure final). Written directly: matplotlib measures every label
    it places, at 100 pt, to lay out text that the browser lays out anyway (over half a chart's drawing
    time); a tick per row would cost more still."""
    axes.set_yticks([])
    width, height = (72 * inches for inches in figure.get_size_inches())  # SVG user units are points
    box = axes.get_position()
    bottom, top = axes.get_ylim()
    x = width * (box.x0 - 0.006 * box.width)
    plt = _pyplot()
    fonts = ", ".join([*(repr(name) for name in plt.rcParams["font.sans-serif"]), "sans-serif"])
    texts = "".join(
        f'<text x="{x:.2f}" y="{height * (1 - box.y0 - box.height * (row - bottom) / (top - bottom)):.2f}">'
        f"{escape(label)}</text>"
        for row, label in enumerate(labels)
    )
    style = f"font-size: {plt.rcParams['font.size']:g}px; font-family: {fonts}; text-anchor: end"
    return f'<g id="row_labels" style="{escape(style)}; dominant-baseline: central">{texts}</g>'


def workload_svg(loads: Sequence[Workload], thresholds: Sequence[Decimal], title: str) -> str:
    """Every practitioner's WMT % before (hollow) and after (filled), highest after first, with their cap
    (a red bar), the threshold lines, and their grade and hours beside their name."""
    return _workload_svg(tuple(loads), tuple(thresholds), title)


CHARTS_KEPT = 64
"""Charts remembered by what they show: a what-if draws each pdu's chart in every run's report, and a
scenario leaves most pdus as the baseline has them (a drawing costs about 0.3 s; 50 of them made a
4-scenario what-if on a 10-pdu region three times as long as one solve)."""


@lru_cache(maxsize=CHARTS_KEPT)
def _workload_svg(loads: tuple[Workload, ...], thresholds: tuple[Decimal, ...], title: str) -> str:
    rated = sorted(
        (w for w in loads if w.wmt_pct_after is not None and w.wmt_pct_before is not None),
        key=lambda w: (-(w.wmt_pct_after or 0), w.staff_code),
    )
    plt = _pyplot()
    with plt.rc_context(SVG_STYLE):
        figure, axes = plt.subplots(figsize=(9, max(2.2, 0.2 * len(rated) + 1.3)))
        rows = range(len(rated))
        before = [float(w.wmt_pct_before or 0) for w in rated]
        after = [float(w.wmt_pct_after or 0) for w in rated]
        axes.hlines(list(rows), before, after, color="#9e9e9e", linewidth=1)
        axes.scatter(before, list(rows), facecolors="none", edgecolors="#616161", s=22, label="before", zorder=3)
        axes.scatter(after, list(rows), color=AFTER_COLOUR, s=26, label="after", zorder=4)
        capped = [i for i, w in enumerate(rated) if w.cap_pct is not None]
        if capped:
            caps = [float(rated[i].cap_pct or 0) for i in capped]
            axes.scatter(caps, capped, marker="|", color="#c62828", s=140, label="cap", zorder=5)
        for value, colour in zip(thresholds, THRESHOLD_COLOURS * 3, strict=False):
            axes.axvline(float(value), color=colour, linewidth=1, linestyle="--", alpha=0.9)
            axes.annotate(f"{value}%", (float(value), -0.9), color=colour, fontsize=8, ha="center")
        labels = [f"{w.staff_code} {w.name} · {w.grade} {w.hours.normalize():f} h".replace("  ", " ") for w in rated]
        axes.set_ylim(len(rated) - 0.4, -1.4)
        axes.set_xlabel("WMT % (points held / points available)")
        axes.set_title(title, loc="left")
        axes.grid(True, axis="x", alpha=0.3)
        axes.legend(loc="lower right", fontsize=8)
        _margins(figure, max((len(label) for label in labels), default=10))
        return _svg(figure, _row_labels(figure, axes, labels))


def whatif_svg(
    names: Sequence[str], maxima: Sequence[float], means: Sequence[float], thresholds: Sequence[Decimal]
) -> str:
    """The highest and the mean WMT % after allocation, per what-if run."""
    plt = _pyplot()
    with plt.rc_context(SVG_STYLE):
        figure, axes = plt.subplots(figsize=(9, max(2.2, 0.45 * len(names) + 1.2)))
        rows = list(range(len(names)))
        axes.barh([r - 0.2 for r in rows], maxima, height=0.4, color=AFTER_COLOUR, label="highest WMT %")
        axes.barh([r + 0.2 for r in rows], means, height=0.4, color="#90caf9", label="mean WMT %")
        for value, colour in zip(thresholds, THRESHOLD_COLOURS * 3, strict=False):
            axes.axvline(float(value), color=colour, linewidth=1, linestyle="--")
        axes.set_yticks(rows, list(names))
        axes.invert_yaxis()
        axes.set_xlabel("WMT % after allocation")
        axes.legend(loc="lower right", fontsize=8)
        axes.grid(True, axis="x", alpha=0.3)
        figure.tight_layout()
        return _svg(figure)
