"""What the reader sees of names and values: at most ``max_text_length`` characters of each.

A column name or a cell can be any length: a 10,000-character header, a 10 MB note pasted into
one cell.  Charts and WeasyPrint lay out every character they are given, so one such name made
the PDF take minutes.  The report, the terminal and the email show a long name or value cut at
``max_text_length`` characters with an ellipsis (``formatting.clip``); summary.json,
segments.csv and model.json keep the full text.

Charts, the narrative and the template filters cut the names they print themselves.  The
views a template receives (``reportgen.report.context``) hold full names, in fields and inside
sentences ("X: 3 values are missing"); ``Shortener`` gives the template copies of them in
which every long name or value is cut wherever it appears, so a user's own template shows
short names too.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, TypeVar

from reportgen.formatting import ELLIPSIS, MAX_TEXT_LENGTH, clip

if TYPE_CHECKING:  # the email imports this module too, without the report's renderer
    from reportgen.report.context import ReportContext

T = TypeVar("T")
LONGEST_WORD = 40  # a run without spaces longer than this (and the limit) is a value, not a word
# Fields left as they are: data: URIs of charts and the logo and the theme CSS (ready to
# show), the k selection (no data text), and text that is not data, shown as written: the
# title, branding and email settings, and the playbook's actions (their "because" is cut
# by the narrative).
_LEAVE = frozenset(
    {"src", "logo", "css", "data", "cid", "chart", "charts", "selection"}
    | {"title", "period", "company", "footer", "subject", "font_family", "playbook"}
    | {"recommendations", "kpis", "top_action"}
)


@dataclass(frozen=True)
class Shortener:
    """Cuts the long names and values of one run wherever they appear in text."""

    limit: int = MAX_TEXT_LENGTH
    known: tuple[str, ...] = ()  # names and values longer than ``limit``, longest first

    @classmethod
    def of(cls, texts: Iterable[object], limit: int = MAX_TEXT_LENGTH) -> Shortener:
        """A shortener for these names and values (only those over ``limit`` are kept)."""
        long = {str(t) for t in texts if isinstance(t, str) and len(t) > limit}
        return cls(limit, tuple(sorted(long, key=lambda t: (-len(t), t))))

    def names_in(self, text: str) -> str:
        """``text`` with every known long name or value in it cut at the limit."""
        if len(text) <= self.limit:
            return text
        for long in self.known:
            if long in text:
                text = text.replace(long, clip(long, self.limit))
        return text

    def text(self, text: str) -> str:
        """``names_in``, then any run without spaces too long to be a word cut as well (a
        value the run did not list, such as a long cell quoted in a message)."""
        text = self.names_in(text)
        if len(text) <= max(self.limit, LONGEST_WORD):
            return text
        return _long_run(max(self.limit, LONGEST_WORD)).sub(
            lambda m: clip(m.group(), self.limit), text
        )

    def __call__(self, value: T) -> T:
        """A copy of ``value`` (text, tuple, list, dict or frozen dataclass, nested) with
        every string shortened by ``text``; other values (numbers, arrays, frames) as they
        are, and dict keys kept apart when two long ones would read the same."""
        return self._walk(value)  # type: ignore[no-any-return]

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, tuple):
            items = [self._walk(v) for v in value]
            return type(value)._make(items) if hasattr(value, "_make") else tuple(items)
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        if isinstance(value, dict):
            return self._dict(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changed = {
                f.name: self._walk(getattr(value, f.name))
                for f in fields(value)
                if f.name not in _LEAVE
            }
            if any(changed[name] is not getattr(value, name) for name in changed):
                return replace(value, **changed)
        return value

    def _dict(self, value: dict[Any, Any]) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key, item in value.items():
            shown = self._walk(key)
            n = 1
            while shown in out:  # "xxxx…" twice: two long names alike in their start
                n += 1
                shown = f"{self._walk(key)} ({n})"
            out[shown] = item if key in _LEAVE else self._walk(item)
        return out


@functools.lru_cache(maxsize=8)
def _long_run(longest: int) -> re.Pattern[str]:
    """Runs without a space longer than ``longest``; an ellipsis ends a run, so a name cut
    already ("xxxx…),") is not cut again with the punctuation after it."""
    return re.compile(rf"[^\s{ELLIPSIS}]{{{longest + 1},}}")


def report_context(context: ReportContext, shortener: Shortener) -> ReportContext:
    """The report's template context with long names and values cut: every field but the
    charts, the logo, the CSS and the k selection (no data text); the method table's values
    only where they name a column (the input's SHA-256 is longer than a short limit)."""
    method = {key: shortener.names_in(str(value)) for key, value in context.method.items()}
    return replace(shortener(context), method=method)
