"""What the commands share: turning errors into one line at the command-line boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from reportgen.errors import ReportgenError


@contextmanager
def one_line_errors(debug: bool) -> Iterator[None]:
    """A ReportgenError becomes one line and exit 1; anything else is a bug, said in one line
    too; ``--debug`` lets the traceback through instead."""
    try:
        yield
    except ReportgenError as exc:
        if debug:
            raise
        raise click.ClickException(str(exc)) from None
    except (KeyboardInterrupt, click.ClickException):
        raise
    except Exception as exc:
        if debug:
            raise
        raise click.ClickException(
            f"internal error ({type(exc).__name__}: {exc}); rerun with --debug for the "
            "traceback and report it"
        ) from None
