"""Imported once by the helpers' fork server (``reportgen.report.workers``): loads matplotlib,
WeasyPrint and their fonts, so that every worker forked from the server starts warm.

Nothing here is needed for correctness: a worker imports whatever is missing on first use.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402,F401
from matplotlib.figure import Figure  # noqa: E402,F401

from reportgen.report import (
    charts,
    render,  # noqa: E402
)


def _warm_up() -> None:
    """Draw a small chart and lay out a small page, in the default fonts."""
    from matplotlib import rc_context
    from weasyprint import HTML

    with rc_context(charts._style("DejaVu Sans")):  # type: ignore[arg-type]
        fig = charts._figure(2.0, 1.2)
        ax = fig.add_subplot()
        ax.plot([1, 2, 3], [3, 1, 2])
        ax.set_title("Warm-up 1,234")
        charts._png(fig, "warm", "warm", "warm")
    page = (
        "<html><body style='font-family: DejaVu Sans'><h1>Warm-up</h1>"
        "<p>Text, <b>bold</b> and <i>italic</i> 1,234.</p>"
        "<table><tr><th>a</th><td>1</td></tr></table></body></html>"
    )
    HTML(string=page, base_url=None, url_fetcher=render._fetcher()).write_pdf()


try:
    _warm_up()
except Exception:  # noqa: BLE001 - a failed warm-up only costs time later  # pragma: no cover
    pass
