"""Stage 9, render: the HTML page and the PDF.

Templates receive a ``context.ReportContext`` (the public template API, documented there and
in the README; ``views.report_context`` builds it from a run).  The HTML embeds every chart and
the logo as ``data:`` URIs, so it is one self-contained file; WeasyPrint gets a URL fetcher that
serves ``data:`` URIs only, so neither a template nor a data value can make it fetch anything.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from jinja2 import Environment

from reportgen.errors import ConfigError, RenderError
from reportgen.options import Branding, Report
from reportgen.report.charts import Chart
from reportgen.report.context import ChartView, ReportContext
from reportgen.report.templating import render
from reportgen.report.workers import IN_PROCESS, Helpers

LOGO_TYPES = {
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
LOGO_LIMIT = 5 * 1024 * 1024  # bytes: the logo is embedded in every report and email
_LOGO_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


def chart_view(chart: Chart) -> ChartView:
    src = "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")
    return ChartView(chart.key, chart.title, chart.alt, src, chart.width, chart.height)


def logo_uri(path: Path | None) -> str | None:
    """The logo as a data: URI; refuses files that are not PNG, JPEG or SVG images."""
    if path is None:
        return None
    mime = LOGO_TYPES.get(path.suffix.lower())
    if mime is None:
        raise ConfigError(f"logo {path}: use a PNG, JPEG or SVG file")
    try:
        size = path.stat().st_size
        if size > LOGO_LIMIT:
            raise ConfigError(
                f"logo {path}: {size / 1024 / 1024:,.1f} MB is too large to embed in every "
                f"report; use an image under {LOGO_LIMIT // 1024 // 1024} MB"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"logo {path}: cannot be read ({exc.strerror or exc})") from None
    magic = _LOGO_MAGIC.get(mime)
    if (magic and not data.startswith(magic)) or (
        mime == "image/svg+xml" and b"<svg" not in data[:4096]
    ):
        raise ConfigError(f"logo {path}: not a valid {path.suffix.lstrip('.').upper()} image")
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def theme_css(env: Environment, branding: Branding, report: Report) -> str:
    """theme.css, then the user's custom.css, with the brand's colours and the paper size."""
    values = {"branding": branding, "paper": report.paper, "title": report.title}
    return render(env, "theme.css", values) + "\n" + render(env, "custom.css", values)


def html(env: Environment, context: ReportContext, template: str = "report.html") -> str:
    data = {f.name: getattr(context, f.name) for f in fields(ReportContext)}
    return render(env, template, data)


SPILL = 0.3  # a section's last page used less than this much is a spill worth refitting
_SECTION_TAG = re.compile(r'<section class="(segment|chapter)" id="([\w-]+)"')


def pdf(page: str, path: Path, helpers: Helpers | None = None) -> None:
    """Write the PDF; only ``data:`` URIs may be fetched while rendering.

    Each segment starts a page.  A section that spills a little onto a page of its own (a
    segment's last card, the method table's last rows: the page otherwise empty up to the
    next segment or the end) is set tighter (class ``fit``: a smaller chart, smaller cards
    and tables) and the document laid out once more; reports without such a spill are laid
    out once.  WeasyPrint runs in a warm helper process when ``helpers`` has one."""
    begin_pdf(page, path, helpers)()


def begin_pdf(page: str, path: Path, helpers: Helpers | None = None) -> Callable[[], None]:
    """``pdf`` started in a warm helper while this process goes on (it writes the data files
    meanwhile); calling the result waits for the PDF (or writes it here, then, when there
    are no helpers)."""
    return (helpers or IN_PROCESS).begin(_write_pdf, page, path)


def _write_pdf(page: str, path: Path) -> None:
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        document = HTML(string=page, base_url=None, url_fetcher=_fetcher()).render()
        fitted = _fit(page, spilled_sections(document))
        if fitted != page:
            document = HTML(string=fitted, base_url=None, url_fetcher=_fetcher()).render()
        document.write_pdf(str(path), pdf_variant=None, uncompressed_pdf=False)
    except OSError as exc:
        raise RenderError(f"could not write {path.name}: {exc}") from None


def spilled_sections(document: Any) -> list[str]:
    """The ids of the sections whose last page is a spill: a page less than ``SPILL``
    used that holds nothing but the end of one section begun on the page before, followed
    by the next segment's page or by nothing."""
    spilled = []
    pages = document.pages
    for i, page in enumerate(pages[1:], start=1):
        ids = list(page.anchors)
        if len(ids) != 1 or ids[0] not in pages[i - 1].anchors:
            continue  # not the continuation of one section
        after = pages[i + 1].anchors if i + 1 < len(pages) else {}
        if ids[0] in after or (after and not any(a.startswith("segment-") for a in after)):
            continue  # not its last page, or the next page does not start a segment
        if _used(page) < SPILL:
            spilled.append(ids[0])
    return spilled


def _used(page: Any) -> float:
    """How much of the page's body height its content uses (1.0 when it cannot tell)."""
    try:
        box = page._page_box
        root = box.children[0]
        top, bottom = box.margin_top, box.height - box.margin_bottom
        ends = [
            b.position_y + b.margin_height()
            for b in root.descendants()
            if type(b).__name__ in ("LineBox", "InlineReplacedBox", "BlockReplacedBox")
        ]
        return (min(max(ends), bottom) - top) / (bottom - top) if ends else 0.0
    except (AttributeError, IndexError, TypeError, ZeroDivisionError):  # another WeasyPrint
        return 1.0


def _fit(page: str, ids: list[str]) -> str:
    """The page with the class ``fit`` on the sections ``ids`` (a user's template that
    writes its sections differently is left as it is)."""
    if not ids:
        return page
    wanted = set(ids)
    return _SECTION_TAG.sub(
        lambda m: (
            m.group(0).replace(f'class="{m.group(1)}"', f'class="{m.group(1)} fit"')
            if m.group(2) in wanted
            else m.group(0)
        ),
        page,
    )


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serves data: URIs; everything else (http, file, ftp...) is refused."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("data:"):
                raise ValueError(f"reportgen blocks external resources: {url[:80]}")
            return super().fetch(url, headers)

    return DataOnlyFetcher(allowed_protocols=("data",), allow_redirects=False)
