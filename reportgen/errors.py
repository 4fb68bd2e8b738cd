"""Errors a user can act on.

Every message names the file, column or row at fault and says what to do; the CLI prints it as
one line and exits 1.  Anything that is not a ``ReportgenError`` is a bug in reportgen.

A stage names the column or rows at fault but not the input file: the engine names it once,
around all its stages (``with naming(config.source): ...``), for every ``InputError`` that
does not name a file (or flag) yet.  The loader's and the model reader's messages name their
file in their own words and say so in ``where``, so it is never named twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class ReportgenError(Exception):
    """Base class: a problem with the user's data, configuration or templates."""


class InputError(ReportgenError):
    """The input table cannot be read or cannot be segmented.

    ``where`` is what the message names first (the file, or the flag or config section at
    fault); None while it names nothing, as when a stage raises it.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def at(self, where: str) -> InputError:
        """This error naming ``where`` in front ("x.csv: column 'a' ..."); itself when it
        names a place already."""
        if self.where is not None:
            return self
        return InputError(f"{where}: {self.message}", where=where)


@contextmanager
def naming(where: str) -> Iterator[None]:
    """Re-raise an ``InputError`` that names no place yet as one naming ``where`` (the input
    file); anything else passes through unchanged."""
    try:
        yield
    except InputError as exc:
        named = exc.at(where)
        if named is exc:
            raise
        raise named.with_traceback(exc.__traceback__) from exc.__cause__


class ConfigError(ReportgenError):
    """A flag or configuration value is invalid."""


class RenderError(ReportgenError):
    """A template or the PDF writer failed."""
