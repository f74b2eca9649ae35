"""report.html: structure (always), escaping of hostile values, and a real headless Chromium rendering it:
not blank, the chart drawn, no console errors, no network request."""

from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from optimiser.plots import AFTER_COLOUR

from .conftest import ROOT, TINY, write_csv
from .test_cli import run

LONDON = ROOT / "instances" / "london-pdu"


class Page(HTMLParser):
    """The tags, attributes and text of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}


def _solve(instance: Path, out: Path, *options: str) -> str:
    run("solve", instance, "--out", out, "--no-history", *options)
    return (out / "report.html").read_text(encoding="utf-8")


def test_the_report_is_one_self_contained_page_with_every_section(tmp_path):
    out = tmp_path / "out"
    html = _solve(LONDON, out, "--max-transfers", "20")
    page = Page(html)
    tags = [t for t, _ in page.tags]
    assert tags.count("svg") >= 1 and "script" not in tags and "img" not in tags and "link" not in tags
    assert not [a for _, a in page.tags for k, v in a.items() if k in ("src", "href") and v and ":" in v]
    unnamespaced = re.sub(r'xmlns(:\w+)?="[^"]*"', "", html)
    assert "http://" not in unnamespaced and "https://" not in unnamespaced
    assert {"summary", "chart", "allocations", "unallocated", "rules", "workload"} <= page.ids()
    text = " ".join(page.text)
    assert "Proven best: no allocation can have a lower maximum" in text
    moves = pd.read_csv(out / "allocations.csv", dtype=str, keep_default_na=False)
    for move in moves.itertuples(index=False):
        assert move.reason in text and move.crn in text
    assert "@media print" in html and "By team" in text
    assert "100%, 110%, 120%" in text and "Practitioner LDN-001" in text and "PQiP 4.5 h" in html


def test_a_region_report_has_figures_per_pdu_and_a_chart_per_pdu(tmp_path):
    from optimiser.generate import generate, write_instance

    instance = tmp_path / "region"
    write_instance(instance, generate(120, 200, 4, 3))
    page = Page(_solve(instance, tmp_path / "out"))
    text = " ".join(page.text)
    assert "By pdu" in text and all(f"PDU00{i}" in text for i in (1, 2, 3))
    assert [t for t, _ in page.tags].count("svg") == 3 and "pdu PDU002" in text


def test_every_value_is_escaped(tiny_copy, tmp_path):
    staff = tiny_copy / "practitioners.csv"
    staff.write_text(
        staff.read_text().replace("Asha Patel", "<script>alert(1)</script>").replace(",T1,", ",<b>T1</b>,", 1)
    )
    html = _solve(tiny_copy, tmp_path / "out")
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_whatif_writes_a_comparison_report_linking_each_run(tmp_path):
    out = tmp_path / "out"
    scenario = tmp_path / "leave.toml"
    scenario.write_text('name = "PO2 leaves"\n[[leave]]\nstaff_code = "PO2"\n')
    run("whatif", TINY, scenario, "--out", out, "--workers", "1", "--no-history")
    page = Page((out / "report.html").read_text())
    links = [a["href"] for t, a in page.tags if t == "a"]
    assert links == ["baseline/report.html", "po2-leaves/report.html"]
    assert all((out / link).is_file() for link in links) and "PO2 leaves" in " ".join(page.text)


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    path = _chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must render the report in Chromium, and none was found (.ci/run installs Debian's chromium)"
            )
        pytest.skip("no Chromium found (install Debian's chromium package, or set CHROMIUM to its path)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


def _render(browser, report: Path, shot: Path) -> tuple[list[str], list[str], object]:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    fetched: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: fetched.append(r.url) if not r.url.startswith("file://") else None)
    page.goto(report.as_uri())
    page.screenshot(path=str(shot))
    chart = page.locator("figure.chart svg").first
    chart.screenshot(path=str(shot.with_suffix(".chart.png")))
    box = chart.bounding_box()
    page.close()
    return errors, fetched, box


@pytest.mark.slow
def test_chromium_renders_the_report_with_its_chart_and_no_errors(browser, tmp_path):
    import matplotlib.image

    out = tmp_path / "out"
    _solve(LONDON, out)
    errors, fetched, box = _render(browser, out / "report.html", tmp_path / "page.png")
    assert errors == [] and fetched == []
    assert box is not None and box["width"] > 600 and box["height"] > 600
    page = matplotlib.image.imread(tmp_path / "page.png")[:, :, :3]
    assert (page < 0.9).any(axis=2).mean() > 0.02, "the page is blank"
    chart = matplotlib.image.imread(tmp_path / "page.chart.png")[:, :, :3]
    blue = tuple(int(AFTER_COLOUR[i : i + 2], 16) / 255 for i in (1, 3, 5))
    drawn = (abs(chart - blue) < 0.08).all(axis=2).sum()
    assert drawn > 500, f"only {drawn} pixels of the after-solve dots were drawn"


@pytest.mark.slow
def test_chromium_renders_a_report_with_many_pdus_and_a_hostile_name(browser, tmp_path):
    from optimiser.generate import generate, write_instance

    instance = tmp_path / "region"
    write_instance(instance, generate(120, 200, 4, 3))
    staff = instance / "practitioners.csv"
    frame = pd.read_csv(staff, dtype=str, keep_default_na=False)
    frame.loc[1, "name"] = "</svg><script>console.error('x')</script>"
    write_csv(staff, list(frame.columns), frame.values.tolist())
    out = tmp_path / "out"
    _solve(instance, out)
    errors, fetched, box = _render(browser, out / "report.html", tmp_path / "page.png")
    assert errors == [] and fetched == [] and box is not None


def test_a_chart_showing_the_same_workloads_is_drawn_once():
    """A what-if draws every pdu's chart in each run's report; a scenario leaves most pdus unchanged."""
    from decimal import Decimal

    from optimiser import plots
    from optimiser.outcome import build_outcome
    from optimiser.reader import read_instance
    from optimiser.solve import solve

    loaded = read_instance(TINY)
    loads = build_outcome(loaded.instance, loaded.rules, solve(loaded.instance, loaded.rules)).workloads
    first = plots.workload_svg(list(loads), [Decimal(100)], "pdu A")
    drawn = plots._workload_svg.cache_info().misses
    again = plots.workload_svg(list(loads), (Decimal(100),), "pdu A")
    other = plots.workload_svg(list(loads), [Decimal(100)], "pdu B")
    assert again == first and other != first
    assert plots._workload_svg.cache_info().misses == drawn + 1  # only the other title was drawn


def test_reports_begun_together_send_each_chart_to_be_drawn_once(monkeypatch):
    """A what-if's runs share most charts: one drawing task gets each distinct chart once, and every report
    gets its own charts back in its own order."""
    from decimal import Decimal

    from optimiser import report
    from optimiser.outcome import build_outcome
    from optimiser.reader import read_instance
    from optimiser.solve import solve

    loaded = read_instance(TINY)
    loads = build_outcome(loaded.instance, loaded.rules, solve(loaded.instance, loaded.rules)).workloads
    sent = []

    def draw(jobs, cancellation=None):
        sent.append(list(jobs))
        return [f"<svg>{shown[2]}</svg>" for _, shown in jobs]

    monkeypatch.setattr(report, "draw_charts", draw)
    back = []
    _, charts = report.start_charts(
        [(loads, [Decimal(100)], title) for title in ("baseline", "leave", "baseline")],
        then=lambda: back.append(len(sent)),
    )
    assert sent == [] and back == []  # in this process, drawn when first asked for
    assert [c.svgs() for c in charts] == [["<svg>baseline</svg>"], ["<svg>leave</svg>"], ["<svg>baseline</svg>"]]
    assert back == [1]  # told once, when the charts were back
    assert len(sent) == 1 and [shown[2] for _, shown in sent[0]] == ["baseline", "leave"]


def test_each_row_label_is_escaped_text_beside_its_row_highest_first():
    """Row labels are written into the chart's SVG directly: a hostile name stays text, the SVG stays
    well-formed, and each label sits level with its row's dot, the highest WMT at the top."""
    import xml.etree.ElementTree as ET
    from decimal import Decimal

    from optimiser import plots
    from optimiser.outcome import Workload

    hostile = "</text></svg><script>alert(1)</script> & 'x'"
    loads = [
        Workload(f"S{i}", hostile if i == 1 else f"N{i}", "P", "T", "PO", Decimal(37), 1000, 900, after, 1, 2, None)
        for i, after in enumerate([800, 1200, 1000])
    ]
    text = plots.workload_svg(loads, [Decimal(100)], "pdu P")
    svg = ET.fromstring(text)
    ns = {"s": "http://www.w3.org/2000/svg"}
    labels = svg.findall(".//s:g[@id='row_labels']/s:text", ns)
    assert [t.text for t in labels] == [f"S1 {hostile} · PO 37 h", "S2 N2 · PO 37 h", "S0 N0 · PO 37 h"]
    assert not svg.findall(".//s:script", ns)
    dots = re.findall(rf'<use [^>]* y="([\d.]+)" style="fill: {AFTER_COLOUR}', text)[:3]  # then the legend's
    rows = [float(t.get("y") or "nan") for t in labels]
    assert rows == sorted(rows) and [round(row, 1) for row in rows] == [round(float(y), 1) for y in dots]
