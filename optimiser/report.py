"""``report.html``: one self-contained page a lead can put in front of their head of PDU, on screen or
printed. Rendered by Jinja2 with every value escaped; charts are matplotlib SVG, inline (no network, no
external assets)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from .domain import BASE_TIERS, Rosh
from .executor import Executor
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


ChartJob = tuple[Callable[..., str], tuple[Any, ...]]
"""One chart: the function of ``plots`` that draws it, and what it shows (hashable, so a chart several
reports show is drawn once)."""


def chart_jobs(loads: Sequence[Workload], thresholds: Sequence[Decimal], title: str) -> tuple[list[ChartJob], str]:
    """One chart, or one per pdu when there are many practitioners (the highest pdus only beyond
    ``MAX_CHARTS``, said in the note returned)."""
    lines = tuple(thresholds)
    by_pdu: dict[str, list[Workload]] = {}
    for w in loads:
        by_pdu.setdefault(w.pdu, []).append(w)
    if len(loads) <= CHART_ROWS or len(by_pdu) < 2:
        return [(workload_svg, (tuple(loads), lines, title))], ""
    pdus = sorted(by_pdu)
    note = ""
    if len(pdus) > MAX_CHARTS:
        highest = {pdu: max((w.wmt_pct_after or 0 for w in staff), default=0) for pdu, staff in by_pdu.items()}
        pdus = sorted(sorted(pdus, key=lambda pdu: (-highest[pdu], pdu))[:MAX_CHARTS])
        note = (
            f"Charts for the {MAX_CHARTS} pdus with the highest WMT after allocation, of {len(highest)}; every "
            "practitioner is in the tables below and in workload.csv."
        )
    return [(workload_svg, (tuple(by_pdu[pdu]), lines, f"pdu {pdu or '(none)'}")) for pdu in pdus], note


TASK_MODULES = ("matplotlib.pyplot",)
"""What a worker loads to draw charts (``Executor.preload``)."""


def draw_charts(jobs: Sequence[ChartJob], cancellation: Cancellation | None = None) -> list[str]:
    """Charts as one executor task (tasks run in this process are handed the ``cancellation``; a drawing
    is too short to stop halfway)."""
    return [draw(*shown) for draw, shown in jobs]


class Drawing:
    """Charts begun on an executor as one task (matplotlib is loaded once), each distinct chart drawn once
    whichever reports show it; their SVGs when a report asks for them."""

    def __init__(
        self, jobs: Sequence[ChartJob], executor: Executor | None = None, then: Callable[[], None] | None = None
    ):
        """``then``: called once the charts are back (a caller with no more tasks closes its cluster)."""
        self._jobs = list(dict.fromkeys(jobs))
        self._pending = (executor or Executor()).start(draw_charts, [(self._jobs,)])
        self._then = then
        self._drawn: dict[ChartJob, str] | None = None

    def svgs(self, jobs: Sequence[ChartJob]) -> list[Markup]:
        """``jobs``' charts, waited for. Matplotlib escapes the text it puts in an SVG."""
        if self._drawn is None:
            self._drawn = dict(zip(self._jobs, self._pending.results().values()[0], strict=True))
            if self._then is not None:
                self._then()
        return [Markup(self._drawn[job]) for job in jobs]


@dataclass(frozen=True)
class Charts:
    """A report's charts, from a drawing that may serve other reports too, and the note on which are shown."""

    drawing: Drawing
    jobs: tuple[ChartJob, ...]
    note: str

    def svgs(self) -> list[Markup]:
        return self.drawing.svgs(self.jobs)


def start_charts(
    reports: Sequence[tuple[Sequence[Workload], Sequence[Decimal], str]],
    executor: Executor | None = None,
    also: Sequence[ChartJob] = (),
    then: Callable[[], None] | None = None,
) -> tuple[Drawing, list[Charts]]:
    """Begin drawing the charts of reports given as (workloads, thresholds, title), and ``also`` others
    (a what-if's comparison): on one of a running cluster's workers, while this process works out the rest
    (a national solve's twelve charts take about as long as its moves and their reasons); on no cluster, in
    this process when first asked for; ``then`` is called once they are back. The drawing (for ``also``'s
    charts) and each report's charts."""
    planned = [chart_jobs(*report) for report in reports]
    drawing = Drawing([*also, *(job for jobs, _ in planned for job in jobs)], executor, then)
    return drawing, [Charts(drawing, tuple(jobs), note) for jobs, note in planned]


def report_html(outcome: Outcome, title: str, charts: Charts | None = None) -> str:
    """The solve's report page (``charts``: begun already by ``start_charts``, else drawn here)."""
    s, rules = outcome.summary, outcome.rules
    charts = charts or start_charts([(outcome.workloads, rules.thresholds_pct, title)])[1][0]
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
        workloads=outcome.workloads,
        workload_rows=_workload_rows(outcome.workloads, rules.red_pct),
        moves=outcome.moves,
        move_rows=_move_rows(outcome),
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


def _workload_rows(loads: Sequence[Workload], red: Decimal) -> Markup:
    """The practitioners table's rows, highest WMT after first, each cell escaped: made here, as
    ``_move_rows``, for a national solve's 6,000 practitioners."""
    rows = []
    for w in sorted(loads, key=lambda w: (-(w.wmt_pct_after or -1), w.staff_code)):
        over = "over" if w.wmt_pct_after is not None and w.wmt_pct_after > red else ""
        cap = "" if w.cap_pct is None else f"{w.cap_pct}%"
        rows.append(
            f'<tr class="{over}">\n      <td>{escape(who(w))}</td><td>{escape(w.grade)}</td><td>{escape(w.team_code)}</td>'
            f'<td class="n">{w.hours.normalize()}</td>\n      <td class="n">{w.available_points}</td>'
            f'<td class="n">{_pct(w.wmt_pct_before)}</td><td class="n">{_pct(w.wmt_pct_after)}</td>\n      '
            f'<td class="n">{escape(cap)}</td><td class="n">{w.cases_before}</td><td class="n">{w.cases_after}</td></tr>'
        )
    return Markup("".join(rows))


def _move_rows(outcome: Outcome) -> Markup:
    """The allocations table's rows, each cell escaped: made here rather than by a loop in the template,
    which took 0.3 s over a national solve's 24,000 moves."""
    names = {w.staff_code: escape(who(w)) for w in outcome.workloads}
    return Markup(
        "".join(
            f"<tr><td>{escape(m.crn)}</td><td>{escape(m.action.lower())}</td><td>{names.get(m.from_staff_code, '')}</td>"
            f'\n      <td>{names[m.to_staff_code]}</td><td class="n">{m.points}</td><td>{escape(m.reason)}</td></tr>'
            for m in outcome.moves
        )
    )


def whatif_chart(rows: Sequence[dict[str, Any]], thresholds: Sequence[Decimal]) -> ChartJob:
    """The what-if page's chart: each solved run's highest and mean WMT %."""
    solved = [r for r in rows if r["status"] != "ERROR"]
    return (
        whatif_svg,
        (
            tuple(r["scenario"] for r in solved),
            tuple(float(r["max_wmt_pct"]) for r in solved),
            tuple(float(r["mean_wmt_pct"]) for r in solved),
            tuple(thresholds),
        ),
    )


def whatif_html(
    rows: Sequence[dict[str, Any]],
    headers: dict[str, str],
    scenarios: Sequence[tuple[str, Sequence[str]]],
    links: dict[str, str],
    chart: Markup,
) -> str:
    """The what-if comparison page: the runs side by side, a chart (``whatif_chart``'s), each scenario's
    changes, links to runs."""
    return _ENV.get_template("whatif.html.j2").render(
        runs=rows,
        rows=[dict(r) | {"link": links.get(r["scenario"], "")} for r in rows],
        headers=headers,
        notes=[f"{r['scenario']}: {r['error']}" for r in rows if r.get("error")],
        chart=chart,
        scenarios=scenarios,
    )
