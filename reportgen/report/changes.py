"""Changes since the baseline in a few plain lines, for the terminal and the email.

Built from ``summary.json``'s ``comparison`` (``summary.SummaryComparison``), not from the
stage objects, so that ``reportgen email`` can tell a folder's changes long after the run, and
the terminal and the email say the same thing in the same words.  Only what changed gets a
line of its own: new, vanished, split, merged, shrank and grew segments; the survivors share
one line.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportgen.report.summary import SummaryChange, SummaryComparison
from reportgen.segmenting.comparison import REFIT_ADVICE, customers

_HOW = {
    "assign": "Customers were scored with the {p} model (--mode assign): segments keep their "
    "number, name and centre.",
    "refit": "Segments were fitted afresh and matched to the {p} ones (--mode refit): matched "
    "segments keep their number and name.",
}


@dataclass(frozen=True)
class ChangedSegment:
    """One segment whose status is not a plain "survived"."""

    id: int
    name: str
    status: str  # "shrank", "grew", "new", "vanished", "split", "merged"
    detail: str  # e.g. "shrank from 39 to 10 customers (-74%)"

    def __str__(self) -> str:
        return f"{self.id}. {self.name}: {self.detail}"


@dataclass(frozen=True)
class ChangeDigest:
    """The changes since the baseline, each item a line of plain text."""

    previous_period: str
    mode: str  # "assign" or "refit"
    how: str  # how today's segments relate to the baseline's, one sentence
    customers: str  # "12 new customers, 61 gone, 139 in both periods." or why not known
    segments: tuple[ChangedSegment, ...]
    survived: str  # "1 (81 -> 95), 3 (35 -> 35)": id (size then -> now); "" if none
    alerts: tuple[str, ...]  # drift alerts, plain sentences, the advice apart
    advice: str  # the refit advice when the comparison gives it, else ""


def digest(comparison: SummaryComparison) -> ChangeDigest:
    """The digest of summary.json's ``comparison``."""
    period = comparison.previous_period or "the baseline"
    rows, drift = comparison.segments, comparison.drift
    return ChangeDigest(
        previous_period=period,
        mode=comparison.mode,
        how=_HOW[comparison.mode].format(p=period) if comparison.mode in _HOW else "",
        customers=_customers(comparison),
        segments=tuple(_changed(s, period) for s in rows if s.status != "survived"),
        survived=", ".join(
            f"{s.id} ({s.size_then:,} -> {s.size_now:,})" for s in rows if s.status == "survived"
        ),
        alerts=tuple(a for a in drift if a != REFIT_ADVICE),
        advice=REFIT_ADVICE if REFIT_ADVICE in drift else "",
    )


def kept_k(k: int, period: str) -> str:
    """The k line of an assign run: k came from the baseline, not from the criteria."""
    where = "" if period == "the baseline" else f" ({period})"
    return f"k = {k}, kept from the baseline model{where}"


def _customers(comparison: SummaryComparison) -> str:
    new, gone = comparison.new_customers, comparison.gone_customers
    if new is None or gone is None:
        return "Without a customer id column, customers cannot be followed between periods."
    migration = comparison.migration
    tail = f", {migration.customers_in_both:,} in both periods" if migration is not None else ""
    plural = "" if new == 1 else "s"
    return f"{new:,} new customer{plural}, {gone:,} gone{tail}."


def _changed(s: SummaryChange, period: str) -> ChangedSegment:
    status, note, then, now = s.status, s.note, s.size_then, s.size_now
    if status in ("shrank", "grew") and then:
        detail = f"{status} from {then:,} to {customers(now)} ({(now - then) / then:+.0%})"
    elif status == "vanished":
        detail = f"vanished ({customers(then)} in {period}{'; ' + note if note else ''})"
    elif status == "new":
        detail = f"new, {customers(now)}{f' ({note})' if note else ''}"
    elif then:
        detail = f"{note or status} ({customers(then)} in {period}, {customers(now)} now)"
    else:
        detail = f"{note or status}, {customers(now)}"
    return ChangedSegment(s.id, s.name, status, detail)
