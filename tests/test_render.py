"""The rendered report: branding, template overrides, the template context, the PDF's layout.

Each real table is rendered once per session (the PDF costs a few seconds); tests that only need
the HTML use ``--format html``, and the template error cases run on a small synthetic table.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import struct
import types
import typing
import zlib
from dataclasses import dataclass, fields, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from reportgen.cli import main
from reportgen.reading import transactions
from reportgen.report import context, stageviews, templating
from reportgen.report.context import (
    ChartView,
    ColumnView,
    ComparisonView,
    ReportContext,
    RfmMapView,
    SegmentView,
    SourceView,
    StatusView,
    TransactionsView,
)
from reportgen.report.templating import default_template_dir
from reportgen.segmenting import comparison
from tests.conftest import (
    MALL,
    PERSONALITY,
    ROOT,
    SUPERSTORE,
    TELCO,
    DefaultRun,
    DefaultRuns,
    blobs,
    pdf_text,
)

TITLE = "Customer segmentation report"
DEFAULT_PRIMARY = "#1f4e79"
METHOD_SECTION = re.compile(r'<section\b[^>]*\bid="method"[^>]*>.*?</section>', re.S)
PAGE_NUMBER = re.compile(r"Page (\d+) of (\d+)")
GENERIC_NAME = re.compile(r"^(cluster|segment)\s*\d+$", re.I)
EXPORTED = (
    "base.html",
    "report.html",
    "theme.css",
    "custom.css",
    "playbook.toml",
    "text/story.txt",
    "partials/profile_table.html",
)


# --------------------------------------------------------------------------------------------
# helpers


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_ok(*args: str) -> str:
    code, out, err = invoke("run", *args)
    assert code == 0, err + out
    return out


def assert_one_line_error(code: int, stderr: str) -> None:
    assert code == 1, stderr
    assert stderr.startswith("Error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr


def png_1x1(rgb: tuple[int, int, int] = (0xAA, 0x33, 0x00)) -> bytes:
    """A valid 1x1 RGB PNG, built from its chunks."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def squash(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Report:
    out: Path
    html: str
    pages: tuple[str, ...]  # pypdf text of every page
    mediabox: tuple[float, float]  # first page, points
    summary: dict

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


def load_report(out: Path) -> Report:
    pdf = PdfReader(out / "report.pdf")
    box = pdf.pages[0].mediabox
    return Report(
        out=out,
        html=(out / "report.html").read_text(encoding="utf-8"),
        pages=pdf_text(out / "report.pdf"),
        mediabox=(float(box.width), float(box.height)),
        summary=json.loads((out / "summary.json").read_text(encoding="utf-8")),
    )


def body_lines(page: str, running: set[str]) -> list[str]:
    """The page's text lines without the running header/footer lines."""
    lines = [line.strip() for line in page.splitlines()]
    return [
        line
        for line in lines
        if line and line not in running and not PAGE_NUMBER.fullmatch(line) and line != "•"
    ]


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.meta: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.links.append((tag, name, value))
        if tag == "meta":
            self.meta.append(dict(attrs))


def without_method(page: str) -> str:
    """The page with its method section (and the blank lines around it) cut out."""
    sections = METHOD_SECTION.findall(page)
    assert len(sections) == 1, sections
    return re.sub(r"\s*" + METHOD_SECTION.pattern + r"\s*", "\n", page, flags=re.S)


# --------------------------------------------------------------------------------------------
# fixtures: every table is rendered once (the real tables with no flags once per session)


@pytest.fixture(scope="module")
def mall(mall_report: DefaultRun) -> Report:
    return load_report(mall_report.out)


@pytest.fixture(scope="module")
def personality(default_run: DefaultRuns) -> Report:
    return load_report(default_run(PERSONALITY).out)


BRANDING_TOML = """\
[branding]
company = "Acme Retail"
primary_color = "#aa3300"
footer = "Confidential"
logo = "logo.png"
"""


@pytest.fixture(scope="module")
def branded(tmp_path_factory: pytest.TempPathFactory) -> Report:
    folder = tmp_path_factory.mktemp("branded")
    (folder / "logo.png").write_bytes(png_1x1())
    (folder / "reportgen.toml").write_text(BRANDING_TOML, encoding="utf-8")
    out = folder / "out"
    run_ok(str(MALL), "--config", str(folder / "reportgen.toml"), "--out", str(out), "--quiet")
    return load_report(out)


@pytest.fixture(scope="module")
def small_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small two-segment table: cheap to render when only the template step matters."""
    frame, _ = blobs(2, n=120, p=2, seed=3)
    path = tmp_path_factory.mktemp("small") / "small.csv"
    frame.to_csv(path, index=False)
    return path


def template_dir(tmp_path: Path, report_html: str) -> Path:
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "report.html").write_text(report_html, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------------------------
# 1. branding


def test_branding_reaches_the_html(branded: Report, mall: Report) -> None:
    page = branded.html
    assert "--primary: #aa3300;" in page
    assert f"--primary: {DEFAULT_PRIMARY}" not in page
    assert '<div class="company">Acme Retail</div>' in page
    assert '<meta name="author" content="Acme Retail">' in page
    assert "Confidential" in page
    logo = re.search(r'<img class="logo" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert logo, "the logo is not embedded as a data: URI"
    assert base64.b64decode(logo.group(1)) == png_1x1()
    # without a config: the default colour and no logo or company
    assert f"--primary: {DEFAULT_PRIMARY};" in mall.html
    assert "#aa3300" not in mall.html
    assert 'class="logo"' not in mall.html
    assert 'class="company"' not in mall.html


def test_branding_reaches_the_pdf(branded: Report, mall: Report) -> None:
    cover, rest = branded.pages[0], branded.pages[1:]
    assert "Acme Retail" in cover  # the cover's company line
    assert TITLE in cover
    # the running header (company, top left) and the footer (bottom left) on the other pages
    assert all("Acme Retail" in page for page in rest)
    assert all("Confidential" in page for page in rest)
    assert "Acme Retail" not in mall.text and "Confidential" not in mall.text


def test_a_logo_that_is_not_an_image_stops_the_run(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_text("this is not a picture\n", encoding="utf-8")
    (tmp_path / "reportgen.toml").write_text(BRANDING_TOML, encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = invoke(
        "run", str(MALL), "--config", str(tmp_path / "reportgen.toml"), "--out", str(out)
    )
    assert_one_line_error(code, err)
    assert "not a valid PNG image" in err and "logo.png" in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logo.png", "reportgen.toml"]


def test_a_colour_that_is_not_hex_stops_the_run(tmp_path: Path) -> None:
    (tmp_path / "reportgen.toml").write_text(
        '[branding]\ncompany = "Acme Retail"\nprimary_color = "red"\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    code, _, err = invoke(
        "run", str(MALL), "--config", str(tmp_path / "reportgen.toml"), "--out", str(out)
    )
    assert_one_line_error(code, err)
    assert "primary_color" in err and "'red'" in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["reportgen.toml"]


# --------------------------------------------------------------------------------------------
# 2. overriding one block

OVERRIDE = (
    '{% extends "default:report.html" %}'
    '{% block method %}<section id="method"><h2>Our method</h2><p>Ask analytics.</p></section>'
    "{% endblock %}"
)


def test_one_block_override_changes_only_that_block(tmp_path: Path, mall: Report) -> None:
    brand = template_dir(tmp_path, OVERRIDE)
    out = tmp_path / "out"
    run_ok(str(MALL), "--out", str(out), "--template-dir", str(brand), "--format", "html", "-q")
    assert not (out / "report.pdf").exists()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<section id="method"><h2>Our method</h2><p>Ask analytics.</p></section>' in page
    assert "<h2>Method and reproducibility</h2>" not in page
    assert "<h2>Method and reproducibility</h2>" in mall.html
    assert 'class="method-table"' not in page
    assert without_method(page) == without_method(mall.html)


def test_every_block_and_partial_is_named_in_the_readme() -> None:
    """Each table is a partial included from the block of its name (the RFM grid from the
    log's partial); the README names every block; charts are drawn by the figure macro."""
    folder = default_template_dir()
    files = [folder / "base.html", *sorted((folder / "partials").glob("*.html"))]
    pages = {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in files}
    base = pages["base.html"]
    included = re.findall(r'{% include "partials/(\w+)\.html" %}', "".join(pages.values()))
    assert sorted(included) == sorted(p.stem for p in files[1:])
    from_blocks = re.findall(r'{% block (\w+)(?: scoped)? %}(?:{% if \w+ %})?{% include "', base)
    assert from_blocks == [name for name in included if name != "rfm_table"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme.split("Templates: `base.html`", 1)[1].split("`macros.html`", 1)[0]
    named = set(re.findall(r"`(\w+)`", paragraph))
    assert set(re.findall(r"{% block (\w+)", base)) - named == set()
    assert [name for name, text in pages.items() if "<figure" in text] == []


# --------------------------------------------------------------------------------------------
# 3. the template context contract


# what the README documented before the views (0.x): each still reaches templates
DOCUMENTED_BEFORE = {
    ReportContext: {f.name for f in fields(ReportContext)},
    SourceView: {"name", "format", "encoding", "delimiter", "sheet", "sha256", "rows", "columns"},
    SegmentView: {"id", "name", "size", "share", "color", "traits", "skews", "centroid", "z"}
    | {"tightness", "story", "recommendations", "kpis", "note", "chart", "outcomes", "profiled"},
    ColumnView: {"name", "meaning", "why", "use"},
    ChartView: {"key", "title", "alt", "src", "width", "height"},
    ComparisonView: {"previous_period", "mode", "changes", "migration", "n_new_customers"}
    | {"n_gone_customers", "drift"},
    TransactionsView: {"how", "reason", "columns", "dates", "as_of", "first_date", "last_date"}
    | {"rows_read", "set_aside", "rows_used", "return_rows", "customers_only_returns"}
    | {"frequency_basis", "status", "features", "scores", "rfm_map"},
    StatusView: {"column", "set_aside", "kept"},
    RfmMapView: {"segments", "names", "counts", "totals"},
}


def readme_context_table() -> str:
    """The README's text between the context table's markers."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split(context.START, 1)[1].split(context.END, 1)[0].strip("\n")


def check_value(value: Any, hint: Any, where: str, met: set[str]) -> None:
    """Fail unless ``value`` is of its documented type ``hint``, views included field by
    field (never a stage's object, a numpy number or an array); ``met`` collects each
    ``View.field`` seen."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is types.UnionType:
        if value is None:
            assert type(None) in args, f"{where} is None"
            return
        (hint,) = [a for a in args if a is not type(None)]
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple:
        assert type(value) is tuple, f"{where}: {type(value).__name__}, not a tuple"
        items = args[:1] * len(value) if args[1:] == (Ellipsis,) else args
        assert len(items) == len(value), f"{where}: {len(value)} items, not {len(items)}"
        for i, (item, item_hint) in enumerate(zip(value, items, strict=True)):
            check_value(item, item_hint, f"{where}[{i}]", met)
    elif origin is dict:
        assert type(value) is dict, f"{where}: {type(value).__name__}, not a dict"
        for key, item in value.items():
            check_value(key, args[0], f"{where} key", met)
            check_value(item, args[1], f"{where}[{key!r}]", met)
    elif dataclasses.is_dataclass(hint):
        assert type(value) is hint, f"{where}: {type(value).__name__}, not {hint.__name__}"
        for name, (field_hint, _) in context.documented(hint)[hint].items():
            met.add(f"{hint.__name__}.{name}")
            check_value(getattr(value, name), field_hint, f"{where}.{name}", met)
    else:
        assert type(value) is hint or (hint is float and type(value) is int), (
            f"{where}: {type(value).__name__} {value!r:.60}, not {hint.__name__}"
        )


def test_the_readme_context_table_is_written_from_the_views() -> None:
    assert readme_context_table() == context.context_table(), (
        "the README's context table is out of date: "
        "python -m reportgen.report.context --readme README.md"
    )


def test_templates_receive_exactly_the_documented_fields(
    mall_report: DefaultRun, default_run: DefaultRuns
) -> None:
    """What report.html received in the session's runs of the mall, personality and telco
    tables and of the Superstore log, plus what a run with --baseline and a log with a status
    column add: every documented field of every view, each of its documented type, and
    nothing else."""
    page = (mall_report.out / "report.html").read_text(encoding="utf-8")
    assert templating.render(templating.environment(), "report.html", mall_report.received) == page
    documented = {
        f"{cls.__name__}.{name}" for cls, found in context.documented().items() for name in found
    }
    hints = {name: hint for name, (hint, _) in context.documented()[ReportContext].items()}
    met: set[str] = set()
    for run in (mall_report, *map(default_run, (PERSONALITY, TELCO, SUPERSTORE))):
        assert run.received.keys() == hints.keys()
        for name, value in run.received.items():
            check_value(value, hints[name], name, met)
    check_value(compared_with_itself(mall_report), hints["comparison"], "comparison", met)
    check_value(log_with_status(default_run(SUPERSTORE)), hints["transactions"], "log", met)
    expected = documented - {f"ReportContext.{name}" for name in hints}
    assert met == expected, sorted(met ^ expected)


def compared_with_itself(run: DefaultRun) -> ComparisonView | None:
    """The mall run compared with its own output folder, as a --baseline run would see it."""
    r = run.result
    return stageviews.comparison(
        comparison.compare(
            comparison.load_baseline(run.out),
            "assign",
            r.dataset.frame,
            r.features.ids,
            r.segmentation,
            {s.id: s.name for s in r.segments.segments},
            {s.id: s.centroid for s in r.segments.segments},
        )
    )


def log_with_status(run: DefaultRun) -> TransactionsView | None:
    """The Superstore log as if a status column had set lines aside."""
    status = transactions.StatusReading("Status", (("Disputed", "disputed", 3),), (("OK", 9),))
    return stageviews.transactions(replace(run.result.transactions, status=status))


def test_fields_documented_before_the_views_still_reach_templates() -> None:
    documented = context.documented()
    for cls, names in DOCUMENTED_BEFORE.items():
        assert names <= documented[cls].keys(), (cls.__name__, names - documented[cls].keys())


def test_a_partial_in_the_template_folder_replaces_only_its_table(
    tmp_path: Path, mall_report: DefaultRun
) -> None:
    brand = tmp_path / "brand"
    (brand / "partials").mkdir(parents=True)
    (brand / "partials" / "k_table.html").write_text("<p>Our k table</p>", encoding="utf-8")
    page = templating.render(templating.environment(brand), "report.html", mall_report.received)
    mall = templating.render(templating.environment(), "report.html", mall_report.received)
    assert "<p>Our k table</p>" in page and 'class="k-table"' not in page
    assert page.replace("<p>Our k table</p>", "") == re.sub(
        r'<div class="table-wrap"><table class="k-table">.*?</table></div>', "", mall, flags=re.S
    )


def test_the_changes_section_shows_each_move_with_its_change(mall_report: DefaultRun) -> None:
    values = {**mall_report.received, "comparison": compared_with_itself(mall_report)}
    page = templating.render(templating.environment(), "report.html", values)
    moves = re.search(r'<table class="moves-table">.*?</table>', page, re.S)
    assert moves and "<h2>Changes since " in page
    changes = re.findall(r'<td class="num">([^<]*)</td></tr>', moves.group())
    assert changes and set(changes) == {"+0%"}  # the same run: no centre moved


def test_a_name_outside_the_context_stops_the_run(tmp_path: Path, small_table: Path) -> None:
    brand = template_dir(
        tmp_path,
        '{% extends "default:report.html" %}{% block method %}{{ no_such_field }}{% endblock %}',
    )
    out = tmp_path / "out"
    code, _, err = invoke(
        "run", str(small_table), "--k", "2", "--format", "html", "--template-dir", str(brand),
        "--out", str(out),
    )  # fmt: skip
    assert_one_line_error(code, err)
    assert "report.html" in err and "line" in err and "no_such_field" in err
    assert re.search(r"report\.html line 1\b", err), err
    assert not out.exists()


# --------------------------------------------------------------------------------------------
# 4. template syntax errors


def test_a_template_syntax_error_names_the_file_and_line(tmp_path: Path, small_table: Path) -> None:
    brand = template_dir(
        tmp_path, '{% extends "default:report.html" %}\n{% block method %}{% if %}{% endblock %}'
    )
    out = tmp_path / "out"
    code, _, err = invoke(
        "run", str(small_table), "--k", "2", "--format", "html", "--template-dir", str(brand),
        "--out", str(out),
    )  # fmt: skip
    assert_one_line_error(code, err)
    assert "report.html line 2" in err
    assert not out.exists()


# --------------------------------------------------------------------------------------------
# 5. templates export


def test_templates_export_copies_the_defaults_and_renders_the_same(
    tmp_path: Path, mall: Report
) -> None:
    target = tmp_path / "brand"
    code, printed, err = invoke("templates", "export", str(target))
    assert code == 0, err
    assert str(target) in printed
    defaults = default_template_dir()
    for name in EXPORTED:
        assert (target / name).is_file(), name
        assert (target / name).read_bytes() == (defaults / name).read_bytes(), name

    (target / "custom.css").write_text("/* mine */\n", encoding="utf-8")
    code, _, err = invoke("templates", "export", str(target))
    assert_one_line_error(code, err)
    assert "not empty" in err and "--force" in err
    assert (target / "custom.css").read_text(encoding="utf-8") == "/* mine */\n"
    code, _, err = invoke("templates", "export", str(target), "--force")
    assert code == 0, err
    assert (target / "custom.css").read_bytes() == (defaults / "custom.css").read_bytes()

    out = tmp_path / "out"
    run_ok(str(MALL), "--out", str(out), "--template-dir", str(target), "--format", "html", "-q")
    assert (out / "report.html").read_text(encoding="utf-8") == mall.html


# --------------------------------------------------------------------------------------------
# 6. the PDF's structure


@pytest.mark.parametrize("table", ["mall", "personality"])
def test_pdf_structure(request: pytest.FixtureRequest, table: str) -> None:
    report: Report = request.getfixturevalue(table)
    source = {"mall": MALL, "personality": PERSONALITY}[table].name
    pages, n = report.pages, len(report.pages)
    assert TITLE in pages[0] and source in pages[0]
    assert "Contents" in pages[0]  # the contents share the cover's page
    assert any(page.lstrip().startswith("Executive summary") for page in pages)

    segments = report.summary["segments"]
    names = [seg["name"] for seg in segments]
    assert len(names) == report.summary["k_selection"]["k"]
    assert len(set(names)) == len(names), names
    assert not [name for name in names if GENERIC_NAME.match(name.strip())], names

    running = {TITLE}
    starts = []
    for seg in segments:
        heading = f"{seg['id']}. {seg['name']}"
        found = [
            i
            for i, page in enumerate(pages)
            if " ".join(body_lines(page, running)[:3]).startswith(heading)
        ]
        assert len(found) == 1, f"{heading!r} does not start exactly one page"
        starts.append(found[0])
    assert starts == sorted(starts) and len(set(starts)) == len(starts)

    text = squash(report.text)
    for seg in segments:
        assert seg["recommendations"], seg["name"]
        for rec in seg["recommendations"]:
            assert squash(rec["objective"]) in text, rec["objective"]

    numbers = [PAGE_NUMBER.findall(page) for page in pages]
    assert any(numbers), "no 'Page X of Y' footer"
    assert {int(total) for found in numbers for _, total in found} == {n}
    for i, found in enumerate(numbers[1:], start=2):  # the cover has no page number
        assert (str(i), str(n)) in found, f"page {i} lacks 'Page {i} of {n}'"


# --------------------------------------------------------------------------------------------
# 7. paper size


def test_paper_letter_and_a4(tmp_path: Path, small_table: Path, mall: Report) -> None:
    out = tmp_path / "out"
    run_ok(str(small_table), "--k", "2", "--paper", "letter", "--format", "pdf", "--out", str(out))
    assert not (out / "report.html").exists()
    width, height = PdfReader(out / "report.pdf").pages[0].mediabox[2:]
    assert (round(float(width)), round(float(height))) == (612, 792)
    assert mall.mediabox == pytest.approx((595.28, 841.89), abs=0.5)  # A4 by default


# --------------------------------------------------------------------------------------------
# 8. the HTML is self-contained


@pytest.mark.parametrize("table", ["mall", "personality", "branded"])
def test_html_is_self_contained(request: pytest.FixtureRequest, table: str) -> None:
    report: Report = request.getfixturevalue(table)
    parser = _Attributes()
    parser.feed(report.html)
    parser.close()
    assert parser.links, "no src/href attributes at all"
    external = [
        (tag, attr, value[:60])
        for tag, attr, value in parser.links
        if value.strip().lower().startswith(("http:", "https:", "file:", "//"))
    ]
    assert external == []
    for tag, attr, value in parser.links:
        assert value.startswith(("#", "data:")), (tag, attr, value[:60])
    assert any(meta.get("name") == "viewport" for meta in parser.meta)
    assert '<meta name="viewport"' in report.html
    css_urls = re.findall(r"url\(\s*['\"]?([^'\")\s]+)", report.html)
    assert [u for u in css_urls if not u.startswith("data:")] == []
    assert "@import" not in report.html
