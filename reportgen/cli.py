"""The ``reportgen`` command: a thin click layer over ``reportgen.pipeline.run``.

Flags become a ``Config``; a ``ReportgenError`` becomes one line on stderr and exit code 1;
bad usage is exit code 2 (click's own).  Heavy modules are imported inside the commands so
``reportgen --help`` stays fast.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reportgen import __version__
from reportgen.cli_common import one_line_errors
from reportgen.cli_email import email_command
from reportgen.formatting import MAX_TEXT_LENGTH, MAX_TEXT_LIMIT, MIN_TEXT_LENGTH, percent

if TYPE_CHECKING:
    from reportgen.report.summary import SummaryComparison

_BAR_STAGES = {"select k", "charts"}


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="reportgen")
def main() -> None:
    """Turn a customer table into segments and a branded HTML/PDF report.

    \b
    Quick start:
      reportgen run sample_data/mall_customers.csv --out out/mall
    """


def _formats(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[str, ...] | None:
    if value is None:
        return None
    if value.strip().lower() == "none":
        return ()
    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    bad = [f for f in formats if f not in ("html", "pdf")]
    if bad or not formats:
        raise click.BadParameter("use html, pdf, html,pdf or none")
    return formats


@main.command("run")
@click.argument("input", metavar="INPUT", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder (default: reportgen-out). Must be new or empty, or an earlier "
    "reportgen output with --force.",
)
@click.option(
    "--feature",
    "features",
    multiple=True,
    metavar="COL",
    help="Cluster on this column (repeat for several). Default: the numeric measures.",
)
@click.option("--exclude", multiple=True, metavar="COL", help="Leave this column out (repeatable).")
@click.option(
    "--id-column", metavar="COL", help="Column that identifies customers (default: guessed)."
)
@click.option(
    "--sheet", metavar="NAME", help="Excel sheet to read (needed when several sheets hold tables)."
)
@click.option(
    "--k", type=click.IntRange(min=2), help="Use exactly this many segments (skips the choice)."
)
@click.option("--k-min", type=click.IntRange(min=2), help="Smallest k to consider (default 2).")
@click.option(
    "--k-max",
    type=click.IntRange(min=2, max=50),
    help="Largest k to consider (default 10; unset, a best k at 10 that still improves "
    "extends the sweep to 15).",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    help="Random seed (default 0); same input and seed, same segments.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="reportgen.toml with [run], [report], [branding] and [roles] settings.",
)
@click.option(
    "--format",
    "formats",
    callback=_formats,
    metavar="html,pdf",
    help="Report formats to write (default html,pdf); none writes only the CSV and JSON files.",
)
@click.option("--title", help="Report title.")
@click.option("--period", help="Period label for the report, e.g. 2026-11 (default: this month).")
@click.option("--paper", type=click.Choice(["A4", "letter"]), help="PDF paper size (default A4).")
@click.option(
    "--max-text-length",
    type=click.IntRange(MIN_TEXT_LENGTH, MAX_TEXT_LIMIT),
    metavar="N",
    help=f"Show at most N characters of a column name or cell value in the charts, the report, "
    f"the terminal and the email, cut with '…' (default {MAX_TEXT_LENGTH}); summary.json and "
    "segments.csv keep the full text.",
)
@click.option(
    "--template-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of templates that override the defaults.",
)
@click.option(
    "--playbook",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Marketing playbook TOML replacing the shipped one.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="Previous output folder (or its model.json) to keep segments stable and compare with.",
)
@click.option(
    "--mode",
    type=click.Choice(["assign", "refit"]),
    help="With --baseline: assign customers to last run's segments (default) or refit and "
    "match the new segments to the old ones.",
)
@click.option(
    "--transactions/--no-transactions",
    default=None,
    help="Read INPUT as a transaction log (one row per purchase line) or as a customer table. "
    "Default: recognise a log from its columns and say so.",
)
@click.option("--customer-col", metavar="COL", help="Transaction log: the customer id column.")
@click.option("--date-col", metavar="COL", help="Transaction log: the purchase date column.")
@click.option("--amount-col", metavar="COL", help="Transaction log: the line amount column.")
@click.option(
    "--quantity-col", metavar="COL", help="Transaction log: quantity (amount = quantity × price)."
)
@click.option("--price-col", metavar="COL", help="Transaction log: the unit price column.")
@click.option("--product-col", metavar="COL", help="Transaction log: product or stock code column.")
@click.option(
    "--invoice-col",
    metavar="COL",
    help="Transaction log: invoice or order number (orders are counted by it).",
)
@click.option(
    "--as-of",
    metavar="DATE",
    help="Transaction log: count recency to this date, YYYY-MM-DD (default: the day after "
    "the last date in the data).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    help="local (default): pandas and scikit-learn in this process. spark: Apache Spark reads "
    "INPUT (a file, folder or glob of CSV/Parquet), fits pyspark.ml K-Means on all rows and "
    'writes segments/ as Parquet; needs pip install "reportgen[spark]" and Java 17.',
)
@click.option(
    "--spark-master",
    metavar="URL",
    help="With --engine spark: the cluster to run on, e.g. spark://host:7077, yarn, local[4] "
    "(default: the active session or pyspark's default, local[*]).",
)
@click.option(
    "--email-to",
    multiple=True,
    metavar="ADDR",
    help="After the run, email the summary to ADDR (repeatable); sender and SMTP server come "
    "from [email] in --config (see `reportgen email --help`).",
)
@click.option("--force", is_flag=True, help="Replace an earlier reportgen output folder.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
def run_command(
    input: Path,
    config_file: Path | None,
    quiet: bool,
    debug: bool,
    k: int | None,
    k_min: int | None,
    k_max: int | None,
    email_to: tuple[str, ...],
    **flags: Any,
) -> None:
    """Segment the customers in INPUT (CSV/TSV/TXT, .gz, .xlsx, .parquet) and write
    report.html, report.pdf, segments.csv, summary.json and model.json to --out.

    With --engine spark, INPUT may also be a folder or a glob of CSV or Parquet files and the
    per-customer segments are written as Parquet (segments/) instead of segments.csv."""
    if k is not None and (k_min is not None or k_max is not None):
        raise click.UsageError("use either --k or --k-min/--k-max, not both")
    with sigterm_as_interrupt(), one_line_errors(debug):
        with warnings.catch_warnings():
            if not debug:  # numerical warnings are for developers; users get results or a line
                warnings.simplefilter("ignore")
            _run(
                input,
                config_file,
                quiet,
                {"k": k, "k_min": k_min, "k_max": k_max, **flags},
                email_to,
            )


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the command like Ctrl-C: the run's helpers are killed, the staging folder
    and the lock are cleaned up (``pipeline.run`` owns them), and one line is printed."""

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(
    input: Path,
    config_file: Path | None,
    quiet: bool,
    flags: dict[str, Any],
    email_to: tuple[str, ...],
) -> None:
    from reportgen.config import load_config
    from reportgen.pipeline import run

    config = load_config(config_file, {"input": input, **flags})
    mail_settings = _mail_settings(config_file, config, email_to) if email_to else None
    printer = None if quiet else _Printer(input, config.report.max_text_length)
    result = run(config, progress=None if quiet else _Progress(), notify=printer)
    if printer is not None:
        printer.finish(result)
    if mail_settings is not None:
        from reportgen.cli_email import echo_result
        from reportgen.mail import compose as mail

        echo_result(mail.send_report(result.out, mail_settings), quiet=quiet)


def _mail_settings(config_file: Path | None, config: Any, email_to: tuple[str, ...]) -> Any:
    """Email settings checked before the run, so a bad address does not waste a run."""
    from reportgen.mail import compose as mail

    flags = {
        "to": email_to,
        "template_dir": config.report.template_dir,
        "branding": config.branding,
    }
    return mail.load_settings(config_file, flags, os.environ)


class _Printer:
    """The run's summary lines, each printed as soon as its stage is done (so a piped or
    logged run shows them as it goes); ``finish`` prints what no notice brought.  Long
    column names and values are cut at ``limit`` characters, as in the report."""

    def __init__(self, input: Path, limit: int = MAX_TEXT_LENGTH) -> None:
        from reportgen.report.display import Shortener

        self._input = input
        self._limit = limit
        self._short = Shortener(limit)
        self._done: set[str] = set()

    def echo(self, line: str) -> None:
        click.echo(self._short.text(line))

    def __call__(self, what: str, value: Any) -> None:
        if what in self._done:
            return
        self._done.add(what)
        _clear_progress()
        if what == "read":
            dataset, log = value
            self._learn_names(dataset, log)
            _print_read(self._input, dataset, log, self.echo)
        elif what == "features":
            self.echo(f"Features ({len(value.names)}): {', '.join(value.names)}")
        elif what == "segments":
            selection, segmentation, profiles, comparison = value
            previous = comparison.previous_period if comparison is not None else None
            _print_segments(selection, segmentation, profiles, previous, self.echo)

    def _learn_names(self, dataset: Any, log: Any) -> None:
        from reportgen.report.display import Shortener

        names = [*map(str, dataset.frame.columns)]
        if log is not None and log.table is not None:
            names += map(str, log.table.columns)
        self._short = Shortener.of(names, self._limit)

    def finish(self, result: Any) -> None:
        from reportgen.report.views import shortener

        self("read", (result.dataset, result.transactions))
        self._short = shortener(result.dataset, result.profile, result.segments, self._limit)
        self("features", result.features)
        comparison = result.summary.comparison
        previous = comparison.previous_period if comparison is not None else None
        if "segments" not in self._done:
            self._done.add("segments")
            _print_segments(
                result.selection, result.segmentation, result.segments, previous, self.echo
            )
        if comparison is not None:
            _print_changes(comparison, self.echo)
        self.echo(f"Wrote {result.out}: {', '.join(result.files)}")


def _clear_progress() -> None:
    """Wipe a progress bar off the terminal line before a summary line is printed."""
    if sys.stderr.isatty():
        click.echo("\r\033[K", nl=False, err=True)


def _print_read(input: Path, data: Any, log: Any, echo: Callable[[str], None] = click.echo) -> None:
    how = ", ".join(x for x in (data.format, data.encoding, data.delimiter_name) if x)
    rows, columns = data.rows, data.columns_read
    joined = f"; dates joined: {', '.join(data.joined)}" if data.joined else ""
    echo(f"Read {input}: {rows:,} rows, {columns} columns ({how}){joined}")
    if log is not None:
        _print_transactions(log, echo)


def _print_segments(
    sel: Any,
    segmentation: Any,
    profiles: Any,
    previous: str | None,
    echo: Callable[[str], None] = click.echo,
) -> None:
    echo(_k_line(sel, previous))
    if sel.structure is not None and sel.method != "baseline":
        echo(f"Structure: {sel.structure.verdict} (gap {sel.structure.gap:.3f}).")
    echo(f"Silhouette {segmentation.silhouette:.3f}. Segments:")
    for s in profiles.segments:
        echo(f"  {s.id:>2}. {s.name:<40} {s.size:>9,} ({percent(s.share)})")


def _k_line(sel: Any, previous_period: str | None) -> str:
    """The chosen k and why; an assign run's k is the baseline's, which no criterion chose."""
    if sel.method == "baseline" and previous_period is not None:
        from reportgen.report.changes import kept_k

        return kept_k(sel.k, previous_period)
    return f"k = {sel.k}: {sel.rationale}"


def _print_changes(comparison: SummaryComparison, echo: Callable[[str], None] = click.echo) -> None:
    """A monthly run's changes since the baseline, one line per item (as in the email)."""
    from reportgen.report.changes import digest

    d = digest(comparison)
    echo(f"Changes since {d.previous_period}:")
    for line in (d.how, d.customers, *map(str, d.segments)):
        echo(f"  {line}")
    if d.survived:
        echo(f"  Survived (id, customers then -> now): {d.survived}")
    for alert in d.alerts:
        echo(f"  Alert: {alert}")
    if d.advice:
        echo(f"  {d.advice}")
    elif not d.alerts:
        echo("  No drift alerts.")


def _print_transactions(log: Any, echo: Callable[[str], None] = click.echo) -> None:
    """What was taken for a transaction log, what was set aside and what was derived."""
    lead = "Transaction log detected" if log.how == "detected" else "Read as a transaction log"
    echo(f"{lead}: {log.reason}.")
    echo(f"  Dates in {log.dates.column}: {log.dates.detail}")
    from reportgen.reading.transactions import LABELS

    parts = [f"{s.rows:,} {LABELS[s.reason]}" for s in log.set_aside if s.rows]
    if parts:
        echo(f"  Set aside {log.n_set_aside:,} of {log.rows_read:,} lines: {', '.join(parts)}")
    echo(
        f"  {log.rows_used:,} purchase lines -> {log.n_customers:,} customers as of {log.as_of} "
        f"(orders = {log.frequency_basis}); {log.scores} in customers.csv"
    )


class _Progress:
    """Stage names on stderr, with a bar for the stages that report steps."""

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total == 0:
            if self._tty:
                click.echo(f"\r\033[K{stage}…", nl=False, err=True)
            return
        if stage in _BAR_STAGES and self._tty:
            width = 24
            filled = int(width * done / total)
            bar = "#" * filled + "-" * (width - filled)
            click.echo(f"\r\033[K{stage} [{bar}] {done}/{total}", nl=False, err=True)
        if done == total and self._tty:
            click.echo("\r\033[K", nl=False, err=True)


@main.group("templates")
def templates_group() -> None:
    """Work with the report templates."""


@templates_group.command("export")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
def export_command(directory: Path, force: bool) -> None:
    """Copy the default templates to DIRECTORY as a starting point for --template-dir."""
    from reportgen.report.templating import default_template_dir

    if directory.exists() and not directory.is_dir():
        raise click.ClickException(f"{directory} is a file; choose a folder to copy into")
    if directory.exists() and any(directory.iterdir()) and not force:
        raise click.ClickException(f"{directory} is not empty; use --force to write into it")
    try:
        shutil.copytree(default_template_dir(), directory, dirs_exist_ok=True)
    except (OSError, shutil.Error) as exc:
        reason = getattr(exc, "strerror", None) or "cannot be written"
        raise click.ClickException(
            f"{directory}: {reason}; choose a folder you can write to"
        ) from None
    click.echo(
        f"Copied the default templates to {directory}. Use them with "
        f"--template-dir {directory}; extend 'default:report.html' to change one block."
    )


main.add_command(email_command, "email")
