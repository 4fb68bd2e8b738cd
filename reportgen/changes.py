"""Changes since the baseline in a few plain lines, for the terminal and the email.

Built from ``summary.json``'s ``comparison`` (a mapping), not from the stage objects, so that
``reportgen email`` can tell a folder's changes long after the run, and the terminal and the
email say the same thing in the same words.  Only what changed gets a line of its own: new,
vanished, split, merged, shrank and grew segments; the survivors share one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reportgen.comparison import REFIT_ADVICE, customers

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


def digest(comparison: Mapping[str, Any]) -> ChangeDigest:
    """The digest of summary.json's ``comparison``."""
    period = str(comparison.get("previous_period") or "the baseline")
    mode = str(comparison.get("mode") or "")
    rows = [s for s in comparison.get("segments") or () if isinstance(s, Mapping)]
    drift = [str(a) for a in comparison.get("drift") or ()]
    return ChangeDigest(
        previous_period=period,
        mode=mode,
        how=_HOW[mode].format(p=period) if mode in _HOW else "",
        customers=_customers(comparison),
        segments=tuple(_changed(s, period) for s in rows if s.get("status") != "survived"),
        survived=", ".join(
            f"{s.get('id')} ({_int(s, 'size_then'):,} -> {_int(s, 'size_now'):,})"
            for s in rows
            if s.get("status") == "survived"
        ),
        alerts=tuple(a for a in drift if a != REFIT_ADVICE),
        advice=REFIT_ADVICE if REFIT_ADVICE in drift else "",
    )


def kept_k(k: int, period: str) -> str:
    """The k line of an assign run: k came from the baseline, not from the criteria."""
    where = "" if period == "the baseline" else f" ({period})"
    return f"k = {k}, kept from the baseline model{where}"


def _customers(comparison: Mapping[str, Any]) -> str:
    new, gone = comparison.get("new_customers"), comparison.get("gone_customers")
    if new is None or gone is None:
        return "Without a customer id column, customers cannot be followed between periods."
    migration = comparison.get("migration")
    both = migration.get("customers_in_both") if isinstance(migration, Mapping) else None
    tail = f", {both:,} in both periods" if isinstance(both, int) else ""
    plural = "" if new == 1 else "s"
    return f"{int(new):,} new customer{plural}, {int(gone):,} gone{tail}."


def _changed(s: Mapping[str, Any], period: str) -> ChangedSegment:
    status, note = str(s.get("status") or ""), str(s.get("note") or "")
    then, now = _int(s, "size_then"), _int(s, "size_now")
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
    return ChangedSegment(int(s.get("id") or 0), str(s.get("name") or ""), status, detail)


def _int(s: Mapping[str, Any], key: str) -> int:
    value = s.get(key)
    return int(value) if isinstance(value, (int, float)) else 0
