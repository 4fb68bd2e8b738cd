"""Errors a user can act on.

Every message names the file, column or row at fault and says what to do; the CLI prints it as
one line and exits 1.  Anything that is not a ``ReportgenError`` is a bug in reportgen.
"""

from __future__ import annotations


class ReportgenError(Exception):
    """Base class: a problem with the user's data, configuration or templates."""


class InputError(ReportgenError):
    """The input table cannot be read or cannot be segmented."""


class ConfigError(ReportgenError):
    """A flag or configuration value is invalid."""


class RenderError(ReportgenError):
    """A template or the PDF writer failed."""
