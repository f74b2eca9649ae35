"""``report.html``: one self-contained page a lead can put in front of their head of PDU, on screen or
printed. Rendered by Jinja2 with every value escaped; charts are matplotlib SVG, inline (no network, no
external assets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .domain import BASE_TIERS, Rosh
from .executor import Executor, Pending
from .interrupt import Cancellation
from .narrative import average_sentence, count_sentences, group_figures, status_sentence, who
from .outcome import Outcome, Workload
from .plots import whatif_svg, workload_svg
from .results import Status

REPORT_FILE = "report.html"
CHART_ROWS = 80
"""Practitioners per chart: beyond this (a region), one chart per pdu keeps each readable."""
MAX_CHARTS = 12
"""At national scale, charts for the pdus with the highest WMT only (each chart costs about 0.1 s; 12 keep a
national report to 1.2 s of charts)."""

_ENV = Environment(
    loader=PackageLoader("optimiser", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.1f}%"


ChartJob = tuple[tuple[Workload, ...], tuple[Decimal, ...], str]
"""What one chart shows: its practitioners' workloads, the threshold lines and its title."""


def chart_jobs(loads: Sequence[Workload], thresholds: Sequence[Decimal], title: str) -> tuple[list[ChartJob], str]:
    """One chart, or one per pdu when there are many practitioners (the highest pdus only beyond
    ``MAX_CHARTS``, said in the note returned)."""
    lines = tuple(thresholds)
    by_pdu: dict[str, list[Workload]] = {}
    for w in loads:
        by_pdu.setdefault(w.pdu, []).append(w)
    if len(loads) <= CHART_ROWS or len(by_pdu) < 2:
        return [(tuple(loads), lines, title)], ""
    pdus = sorted(by_pdu)
    note = ""
    if len(pdus) > MAX_CHARTS:
        highest = {pdu: max((w.wmt_pct_after or 0 for w in staff), default=0) for pdu, staff in by_pdu.items()}
        pdus = sorted(sorted(pdus, key=lambda pdu: (-highest[pdu], pdu))[:MAX_CHARTS])
        note = (
            f"Charts for the {MAX_CHARTS} pdus with the highest WMT after allocation, of {len(highest)}; every "
            "practitioner is in the tables below and in workload.csv."
        )
    return [(tuple(by_pdu[pdu]), lines, f"pdu {pdu or '(none)'}") for pdu in pdus], note


def draw_charts(jobs: Sequence[ChartJob], cancellation: Cancellation | None = None) -> list[str]:
    """Charts as one executor task (tasks run in this process are handed the ``cancellation``; a drawing
    is too short to stop halfway)."""
    return [workload_svg(*job) for job in jobs]


@dataclass(frozen=True)
class Charts:
    """A report's charts, begun on an executor, and the note on which are shown."""

    pending: Pending[list[str]]
    note: str

    def svgs(self) -> list[Markup]:
        """The charts, waited for. Matplotlib escapes the text it puts in an SVG."""
        return [Markup(svg) for svg in self.pending.results().values()[0]]


def start_charts(
    loads: Sequence[Workload], thresholds: Sequence[Decimal], title: str, executor: Executor | None = None
) -> Charts:
    """Begin drawing a report's charts: on one of a running cluster's workers (one task: matplotlib is
    loaded once) while this process works out the rest of the report, as a national solve's twelve
    charts take about as long as its moves and their reasons; else in this process when asked for."""
    jobs, note = chart_jobs(loads, thresholds, title)
    return Charts((executor or Executor()).start(draw_charts, [(jobs,)]), note)


def report_html(outcome: Outcome, title: str, charts: Charts | None = None) -> str:
    """The solve's report page (``charts``: begun already by ``start_charts``, else drawn here)."""
    s, rules = outcome.summary, outcome.rules
    charts = charts or start_charts(outcome.workloads, rules.thresholds_pct, title)
    thresholds = [str(t) for t in rules.thresholds_pct]
    groups = [
        (heading, key, rows)
        for heading, key in (("pdu", "pdu"), ("team", "team_code"))
        if len(rows := group_figures(outcome, key, rules.thresholds_pct)) > 1
    ]
    return _ENV.get_template("report.html.j2").render(
        title=title or "Allocation",
        s=s,
        proven=s.status is Status.OPTIMAL,
        status=status_sentence(s),
        counts=[*count_sentences(s), average_sentence(outcome)],
        diagnosis=outcome.diagnosis.lines(),
        charts=charts.svgs(),
        chart_note=charts.note,
        no_capacity=[who(w) for w in outcome.workloads if w.available_points <= 0],
        thresholds=thresholds,
        groups=groups,
        workloads=sorted(outcome.workloads, key=lambda w: (-(w.wmt_pct_after or -1), w.staff_code)),
        red=rules.red_pct,
        moves=outcome.moves,
        names={w.staff_code: who(w) for w in outcome.workloads},
        unallocated=outcome.unallocated,
        rules=rules,
        grades=[
            (g.value, rule, [r.value for r in Rosh if r in rule.allowed_rosh])
            for g, rule in sorted(rules.grades.items())
        ],
        tiers=BASE_TIERS,
        points=[(t.value, row) for t, row in rules.points.items()],
        pct=_pct,
        who=who,
    )


def whatif_html(
    rows: Sequence[dict[str, Any]],
    headers: dict[str, str],
    scenarios: Sequence[tuple[str, Sequence[str]]],
    links: dict[str, str],
    thresholds: Sequence[Decimal],
) -> str:
    """The what-if comparison page: the runs side by side, a chart, each scenario's changes, links to runs."""
    solved = [r for r in rows if r["status"] != "ERROR"]
    chart = whatif_svg(
        [r["scenario"] for r in solved],
        [float(r["max_wmt_pct"]) for r in solved],
        [float(r["mean_wmt_pct"]) for r in solved],
        thresholds,
    )
    return _ENV.get_template("whatif.html.j2").render(
        runs=rows,
        rows=[dict(r) | {"link": links.get(r["scenario"], "")} for r in rows],
        headers=headers,
        notes=[f"{r['scenario']}: {r['error']}" for r in rows if r.get("error")],
        chart=Markup(chart),
        scenarios=scenarios,
    )
