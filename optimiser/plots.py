"""Pictures of results, rendered offline with matplotlib (no display, no network)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .tradeoff import TradeoffPoint

THRESHOLD_COLOURS = ("#2e7d32", "#f9a825", "#c62828")


def tradeoff_png(points: Sequence[TradeoffPoint], thresholds: Sequence[Decimal], title: str) -> bytes:
    """The best maximum WMT % against the transfer budget, with the proven bound and the threshold lines."""
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
