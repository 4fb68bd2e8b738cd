"""Layout that holds on any table: no near-empty PDF page, no word broken inside a table, a
caption said once, category charts that add up, segment colours apart, one percent rule.

Each real table is run once per session (``default_run`` in conftest.py); the assertions read
the PDF (pypdf: text, and where text and images sit on each page), the HTML's structure and the
charts' inputs, never pixels.
"""

from __future__ import annotations

import email
import itertools
import re
from email import policy
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from pypdf.generic import ContentStream

from reportgen.cli import main
from reportgen.config import Config
from reportgen.formatting import percent
from reportgen.pipeline import run
from reportgen.report import charts
from reportgen.report.colours import distance, segment_colours
from reportgen.report.templating import breakable, default_template_dir
from tests.conftest import (
    MALL,
    PERSONALITY,
    SUPERSTORE,
    TELCO,
    DefaultRun,
    DefaultRuns,
    blobs,
    pdf_text,
)

MIN_FILL = 0.2  # share of a page's body height that its text and images must span
RFM_NAMES = ("Champions", "Potential loyalist", "Need attention", "About to sleep", "Lost")

SEGMENT_LINE = re.compile(r"^\s+(\d+)\. (.+?)\s+([\d,]+) \((.+%)\)$", re.M)


@pytest.fixture(scope="module")
def mall(mall_report: DefaultRun) -> tuple[Path, str]:
    """The mall report (HTML and PDF) and what the terminal printed (the session's run)."""
    return mall_report.out, mall_report.printed


@pytest.fixture(scope="module")
def reports(default_run: DefaultRuns) -> dict[str, Path]:
    """The report folders of three shared tables of different widths, with no flags."""
    tables = {"mall": MALL, "telco": TELCO, "personality": PERSONALITY}
    return {name: default_run(path).out for name, path in tables.items()}


@pytest.fixture(scope="module")
def superstore(default_run: DefaultRuns) -> Path:
    """A transaction log: its report has the RFM grid, a wide table of short names."""
    return default_run(SUPERSTORE).out


@pytest.fixture(scope="module")
def categories(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """Three segments and three category columns: 'brand' with 60 even values, 'shop' with
    20 uneven ones, 'plan' with 4."""
    frame, _ = blobs(3, n=1500, p=3, seed=1)
    rng = np.random.default_rng(0)
    frame["brand"] = [f"Brand {i:02d}" for i in rng.integers(0, 60, len(frame))]
    weights = np.array([30, 20, 12, 8, 6, 5, 4, 3, 2, 2, 1.5, 1.5, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5])
    shops = [f"Shop {i}" for i in range(len(weights))]
    frame["shop"] = rng.choice(shops, len(frame), p=weights / weights.sum())
    frame["plan"] = rng.choice(["Basic", "Plus", "Pro", "Team"], len(frame))
    folder = tmp_path_factory.mktemp("categories")
    frame.to_csv(folder / "table.csv", index=False)
    result = run(Config.build(input=folder / "table.csv", out=folder / "out", formats=("html",)))
    return folder / "out", result


def pdf_pages(out: Path) -> list[str]:
    return list(pdf_text(out / "report.pdf"))


def page_fill(reader: PdfReader, index: int) -> tuple[float, int]:
    """How much of the page's body height its text and images span (0 to 1), and how many
    characters of text it has, running head and foot left out."""
    page = reader.pages[index]
    height = float(page.mediabox.height)
    ys: list[float] = []
    chars = 0

    def text(content: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        nonlocal chars
        y = _times(tm, cm)[5]
        if content.strip() and 0.05 * height < y < 0.95 * height:
            ys.append(y)
            chars += len(content.strip())

    page.extract_text(visitor_text=text)
    stack: list[list[float]] = []
    ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q" and stack:
            ctm = stack.pop()
        elif op == b"cm":
            ctm = _times([float(x) for x in operands], ctm)
        elif op == b"Do":  # an image: the unit square through the current matrix
            ys += [ctm[5], ctm[5] + ctm[3]]
    body = [y for y in ys if 0.05 * height < y < 0.95 * height]
    span = (max(body) - min(body)) / (0.86 * height) if body else 0.0
    return span, chars


def _times(m: list[float], n: list[float]) -> list[float]:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return [
        a * p + b * r,
        a * q + b * s,
        c * p + d * r,
        c * q + d * s,
        e * p + f * r + t,
        e * q + f * s + u,
    ]


# --------------------------------------------------------------------------------------------
# 1. one percent rule


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.0, "0%"),
        (1.0, "100%"),
        (0.225, "23%"),  # halves round up, as written
        (0.405, "41%"),
        (0.115, "12%"),
        (0.1, "10%"),
        (0.0996, "10%"),
        (0.045, "4.5%"),
        (0.02, "2%"),  # no trailing .0
        (0.001, "0.1%"),
        (0.0004, "<0.1%"),  # a share that is there never reads 0%
        (0.998, "99.8%"),  # ... nor 100%
        (0.9996, ">99.9%"),
        (None, "–"),
        (float("nan"), "–"),
    ],
)
def test_percent_rule(share: float | None, text: str) -> None:
    assert percent(share) == text


def test_terminal_report_and_email_write_shares_alike(
    mall: tuple[Path, str], tmp_path: Path
) -> None:
    out, printed = mall
    lines = SEGMENT_LINE.findall(printed)
    assert len(lines) >= 2, printed
    html = (out / "report.html").read_text(encoding="utf-8")
    eml = tmp_path / "report.eml"
    result = CliRunner().invoke(
        main,
        ["email", str(out), "--from", "a@example.com", "--to", "b@example.com", "--eml", str(eml)],
    )
    assert result.exit_code == 0, result.stderr + result.stdout
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    body = message.get_body(("plain",))
    assert body is not None
    text = str(body.get_content())
    for number, name, size, share in lines:
        row = re.search(
            rf"{number}\. {re.escape(name)}</td>\s*<td class=\"num\">{size}</td>\s*"
            rf"<td class=\"num\">([^<]+)</td>",
            html,
        )
        assert row, f"segment {number} is not in the summary table"
        assert row.group(1) == share, (name, share, row.group(1))
        assert f"{number}. {name}: {size} customers ({share})" in text


# --------------------------------------------------------------------------------------------
# 2. no page nearly empty


@pytest.mark.parametrize("table", ["mall", "telco", "personality"])
def test_no_pdf_page_is_nearly_empty(reports: dict[str, Path], table: str) -> None:
    reader = PdfReader(reports[table] / "report.pdf")
    assert len(reader.pages) > 5
    for i in range(len(reader.pages)):
        span, chars = page_fill(reader, i)
        # a lone table row, a lone card or a lone footer line spans a few percent of a page
        assert span >= MIN_FILL, f"{table} page {i + 1} is {span:.0%} filled"
        # a page of one large chart has little text, but it is not empty
        assert chars >= 60 or span >= 0.3, f"{table} page {i + 1} has {chars} characters"


def test_the_cover_holds_the_contents_and_the_summary_starts_a_page(
    reports: dict[str, Path],
) -> None:
    pages = pdf_pages(reports["telco"])
    assert "Customer segmentation report" in pages[0] and "Contents" in pages[0]
    assert pages[1].lstrip().startswith("Executive summary")


# --------------------------------------------------------------------------------------------
# 3. words whole in tables


def test_table_cells_never_break_inside_words_by_rule() -> None:
    css = (default_template_dir() / "theme.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert "anywhere" not in css  # overflow-wrap: anywhere shrinks a column to one letter
    th = re.search(r"^th \{([^}]*)\}", css, re.M)
    assert th and "overflow-wrap: normal" in th.group(1)


def test_long_names_wrap_where_their_parts_meet() -> None:
    assert str(breakable("NumCatalogPurchases")) == "Num<wbr>Catalog<wbr>Purchases"
    assert str(breakable("Mudança Transações_Q4_Q1")) == "Mudança Transações_<wbr>Q4_<wbr>Q1"
    assert str(breakable("short_name")) == "short_name"
    marked = "&lt;b&gt;Bold<wbr>Face<wbr>Name&lt;/<wbr>b&gt;"  # escaped, then marked
    assert str(breakable("<b>BoldFaceName</b>")) == marked


def test_rfm_grid_headers_are_whole_words_in_the_pdf(superstore: Path) -> None:
    grid = next(page for page in pdf_pages(superstore) if "Segments on the RFM grid" in page)
    words = set(grid.split())
    for name in RFM_NAMES:  # "Champ ions", "Need attentio n" and "Los t" before
        assert set(name.split()) <= words, name


def test_method_table_keys_are_whole_words_in_the_pdf(reports: dict[str, Path]) -> None:
    pages = pdf_pages(reports["personality"])
    start = next(i for i, page in enumerate(pages) if "Method and reproducibility" in page)
    method = " ".join(pages[start:]).split()
    for key in ("Stability resamples", "Algorithm", "Library versions", "reportgen"):
        assert set(key.split()) <= set(method), key  # "resampl es", "Algorith m" before
    assert not [w for w in method if w in ("Silhouett", "Algorith", "resampl", "reportge")]


@pytest.mark.parametrize("table", ["telco", "personality"])
def test_column_names_break_only_where_their_parts_meet(
    reports: dict[str, Path], table: str
) -> None:
    """No column name split into pieces that are not its parts ("NumCatalogPurchas es")."""
    html = (reports[table] / "report.html").read_text(encoding="utf-8")
    names = set(re.findall(r'<td class="name">([^<]+(?:<wbr>[^<]+)*)</td>', html))
    tokens = set(" ".join(pdf_pages(reports[table])).split())
    for marked in names:
        name = marked.replace("<wbr>", "")
        if " " in name or len(name) < 8:
            continue
        joints = {
            len("".join(marked.split("<wbr>")[:i])) for i in range(1, marked.count("<wbr>") + 1)
        }
        for cut in range(3, len(name) - 1):
            if cut not in joints:
                assert not (name[:cut] in tokens and name[cut:] in tokens), (name, cut)


# --------------------------------------------------------------------------------------------
# 4. captions, category charts, colours


@pytest.mark.parametrize("table", ["mall", "telco"])
def test_no_caption_says_its_title_twice(reports: dict[str, Path], table: str) -> None:
    html = (reports[table] / "report.html").read_text(encoding="utf-8")
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", html, re.S)
    assert captions
    for caption in captions:
        first, _, rest = caption.partition(". ")
        assert not rest.startswith(first), caption  # "Segment sizes. Segment sizes: ..."
    assert "Segment sizes. Segment sizes" not in html


def test_a_column_with_too_many_values_is_not_charted_and_said_so(
    categories: tuple[Path, object],
) -> None:
    out, _ = categories
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Share of each brand value" not in html  # 60 values: no chart
    assert "Not charted: brand: 60 values, too many to chart." in html
    assert "Share of each plan value in every segment and overall.</figcaption>" in html
    shop = re.search(r"Share of each shop value[^<]*", html)
    assert (
        shop
        and "The 13 less common values (15% of customers) are pooled as &#39;other&#39;."
        in (shop.group())
    )


def test_every_category_bar_reaches_100_percent(categories: tuple[Path, object]) -> None:
    _, result = categories
    profiles = result.segments  # type: ignore[attr-defined]
    distinct = {c.name: c.n_distinct for c in result.profile.columns}  # type: ignore[attr-defined]
    plans = {p.column: p for p in charts.category_plans(profiles, distinct)}
    assert not plans["brand"].charted and plans["shop"].charted and plans["plan"].charted
    for column in ("shop", "plan"):
        labels, parts, shares = charts.mix_rows(plans[column], profiles)
        assert labels[0] == "All customers" and len(labels) == len(profiles.segments) + 1
        assert len(parts) <= charts.MAX_CATEGORY_LEVELS + 1
        np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-6)
    assert charts.mix_rows(plans["shop"], profiles)[1][-1] == "other (13 values)"


@pytest.mark.parametrize("count", [2, 5, 8, 10, 12])
@pytest.mark.parametrize("primary", ["#1f4e79", "#0072B2", "#E69F00", "#aa3300", "#000000"])
def test_segment_colours_stay_apart(primary: str, count: int) -> None:
    colours = segment_colours(primary, count)
    assert colours[0] == primary and len(set(c.lower() for c in colours)) == count
    closest = min(distance(a, b) for a, b in itertools.combinations(colours, 2))
    assert closest >= 20, (primary, count, closest)  # CIEDE2000; #1f4e79 vs #0072B2 was 13


def test_fifteen_segments_still_get_distinct_colours() -> None:
    colours = segment_colours("#1f4e79", 15)
    assert min(distance(a, b) for a, b in itertools.combinations(colours, 2)) >= 15
    assert segment_colours("#1f4e79", 5) == colours[:5]  # a segment keeps its colour


def test_report_swatches_use_the_distinct_colours(mall: tuple[Path, str]) -> None:
    html = (mall[0] / "report.html").read_text(encoding="utf-8")
    table = html[html.index('class="summary-table"') :]
    swatches = re.findall(r'class="swatch" style="background: (#[0-9a-fA-F]{6})"', table)[:5]
    assert len(swatches) == 5
    assert tuple(swatches) == segment_colours("#1f4e79", 5)


# --------------------------------------------------------------------------------------------
# 5. a segment that would spill a little is set tighter

SPILLING = """<html><head><style>
@page {{ size: A4; margin: 20mm; }}
body {{ margin: 0; }}
.segment {{ break-before: page; }}
.segment .filler {{ height: 250mm; }}
.segment.fit .filler {{ height: 220mm; }}
</style></head><body>
<section class="segment" id="segment-1"><div class="filler"></div><p>{tail}</p></section>
<section class="segment" id="segment-2"><p>Second segment.</p></section>
</body></html>"""


def test_a_segment_spilling_a_few_lines_is_refitted(tmp_path: Path) -> None:
    from weasyprint import HTML

    from reportgen.report import render

    page = SPILLING.format(tail="The last card. " * 20)
    assert render.spilled_sections(HTML(string=page).render()) == ["segment-1"]
    render._write_pdf(page, tmp_path / "report.pdf")
    texts = pdf_pages(tmp_path)
    assert len(texts) == 2 and "The last card." in texts[0], texts


def test_a_segment_that_fits_is_laid_out_once(tmp_path: Path) -> None:
    from weasyprint import HTML

    from reportgen.report import render

    page = SPILLING.format(tail="Short.").replace("250mm", "200mm")
    assert render.spilled_sections(HTML(string=page).render()) == []
    assert render._fit(page, []) == page


def test_the_last_rows_of_the_last_chapter_alone_on_a_page_are_refitted(tmp_path: Path) -> None:
    from weasyprint import HTML

    from reportgen.report import render

    page = SPILLING.format(tail="A last row. " * 20)
    page = page.replace(".segment .filler", ".chapter .filler").replace(
        ".segment.fit", ".chapter.fit"
    )
    page = page.replace(
        '<section class="segment" id="segment-1">', '<section class="chapter" id="method">'
    )
    page = page.replace(
        '<section class="segment" id="segment-2"><p>Second segment.</p></section>', ""
    )
    assert render.spilled_sections(HTML(string=page).render()) == ["method"]
    render._write_pdf(page, tmp_path / "report.pdf")
    assert len(pdf_pages(tmp_path)) == 1


def test_dollar_signs_in_data_are_text_and_log_axes_keep_their_powers() -> None:
    from matplotlib import cbook, rc_context

    label = charts._wrap("$40K - $60K", 22)
    assert not cbook.is_math_text(label)  # drawn as written, not as a formula
    with rc_context(charts._style("DejaVu Sans")):  # type: ignore[arg-type]
        fig = charts._figure(3.0, 2.0)
        ax = fig.add_subplot()
        ax.set_yscale("symlog")
        ax.plot([0, 1000], [0, 1000])
        charts._png(fig, "t", "t", "t")
        ticks = [t for t in ax.get_yticklabels() if "10^" in t.get_text()]
    assert ticks and all(t.get_parse_math() for t in ticks)  # 10³, not "$\mathdefault{10^{3}}$"
