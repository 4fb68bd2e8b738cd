"""Jinja2 environments built per run: the user's template folder first, then the defaults.

The defaults stay reachable as ``default:NAME`` so an override can extend the default report
and change a single block.  ``StrictUndefined`` turns a misspelt variable into an error that
names the template and line instead of a silently empty report.  Templates render in Jinja's
immutable sandbox: a template folder from a shared config can read the context it is given
but cannot reach Python internals (``__class__``, ``__globals__``...), call unsafe
functions or change the objects it is given.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from reportgen.errors import ConfigError, RenderError
from reportgen.formatting import MAX_TEXT_LENGTH, clip, number, percent

_TEMPLATE_SUFFIXES = (".html", ".txt", ".css", ".j2", ".toml")


def default_template_dir() -> Path:
    """The shipped templates: inside the wheel, or the source tree's top-level folder."""
    package = Path(__file__).resolve().parent.parent  # reportgen/
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    return package.parent / "templates"


def environment(
    template_dir: Path | None = None,
    *,
    html: bool = True,
    max_text_length: int = MAX_TEXT_LENGTH,
) -> Environment:
    """An environment for HTML (autoescaped) or plain text (not escaped) templates; its
    ``label``, ``shorten`` and ``clip`` filters show at most ``max_text_length`` characters
    of a name or value."""
    if template_dir is not None and not template_dir.is_dir():
        raise ConfigError(f"template folder {template_dir} does not exist")
    defaults = FileSystemLoader(str(default_template_dir()))
    loaders: list[Any] = [FileSystemLoader(str(template_dir))] if template_dir else []
    loaders += [defaults, PrefixLoader({"default": defaults}, delimiter=":")]
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "htm", "xml"]) if html else False,
        undefined=StrictUndefined,
        trim_blocks=not html,
        lstrip_blocks=not html,
        keep_trailing_newline=False,
    )
    env.filters.update(FILTERS)
    env.filters.update(_clipping_filters(max_text_length))
    env.globals["max_text_length"] = max_text_length
    return env


def _clipping_filters(limit: int) -> dict[str, Any]:
    """The filters that show names and values, cut at the run's ``limit``."""

    def clip_filter(value: object, width: int | None = None) -> str:
        """``{{ name | clip }}``: the name cut at the limit (or at ``width``, if narrower)."""
        return clip(value, min(width or limit, limit))

    def shorten_filter(value: object, width: int = 48) -> Markup:
        return shorten(value, min(width, limit), tooltip=limit)

    def label_filter(name: object) -> str:
        """``{{ column | label }}``: the name as readable words ("NumWebPurchases" -> "web
        purchases"), cut at the limit."""
        from reportgen.profiling.labels import shown

        return shown(str(name), limit)

    return {"clip": clip_filter, "shorten": shorten_filter, "label": label_filter}


def render(env: Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render one template; any template mistake becomes a one-line ``RenderError``."""
    try:
        return env.get_template(name).render(**context)
    except TemplateNotFound as exc:
        raise RenderError(
            f"template {exc.name} not found (looked in the template folder and the defaults)"
        ) from None
    except TemplateSyntaxError as exc:
        where = exc.name or (Path(exc.filename).name if exc.filename else name)
        raise RenderError(f"template {where} line {exc.lineno}: {exc.message}") from None
    except SecurityError as exc:
        raise RenderError(
            f"template {_where(exc, name)}: not allowed in a template ({exc}); templates may "
            "use the documented context fields, filters and loops only"
        ) from None
    except TemplateError as exc:
        raise RenderError(f"template {_where(exc, name)}: {exc}") from None


def _where(exc: BaseException, fallback: str) -> str:
    """The template file and line a runtime template error happened at."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(_TEMPLATE_SUFFIXES):
            return f"{Path(frame.filename).name} line {frame.lineno}"
    return fallback


def signed_percent(value: float | None) -> str:
    return "–" if value is None else f"{value:+.0f}%"


def css_string(value: str) -> str:
    """A quoted CSS string: user text cannot close the string or the <style> element."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,-_&()!?:;'" else f"\\{ord(ch):x} " for ch in str(value)
    )
    return f'"{escaped}"'


def shorten(value: object, limit: int = 48, *, tooltip: int = MAX_TEXT_LENGTH) -> Markup:
    """Long names shortened in tables, the name kept as a tooltip (itself cut at
    ``tooltip`` characters); long words of a name may wrap where its parts meet
    (``breakable``)."""
    text = str(value)
    if len(text) <= limit:
        return breakable(text)
    title = escape(clip(text, max(tooltip, limit)))
    return Markup(f'<span title="{title}">{breakable(clip(text, limit))}</span>')


_LONG_WORD = re.compile(r"\S{12,}")
_RUN = 20  # a part of a word without joints this long may wrap every _RUN characters
# where the parts of a long name meet: camelCase, ABCWord, after _ / . and between
# letters and digits ("MntMeatProducts", "Dt_Customer", "Q4_Q1", "HTTPServer")
_JOINT = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[_/.])(?=\w)|(?<=[a-zA-Z])(?=\d{2,})"
)


def breakable(value: str) -> Markup:
    """The text escaped, with a ``<wbr>`` where the parts of each long word meet, so a narrow
    table column wraps "NumCatalogPurchases" as "NumCatalog/Purchases", never mid-word (a
    part longer than ``_RUN`` characters, which no column fits, every ``_RUN``)."""
    text = str(value)
    out: list[str] = []
    last = 0
    for word in _LONG_WORD.finditer(text):
        out.append(str(escape(text[last : word.start()])))
        parts = [run for part in _JOINT.split(word.group()) for run in _runs(part)]
        out.append("<wbr>".join(str(escape(part)) for part in parts))
        last = word.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def _runs(part: str) -> list[str]:
    """A part of a long word in pieces of ``_RUN`` characters: "xxxx…" of 47 letters has no
    joint, and a table column would otherwise be as wide as all of it."""
    return [part[i : i + _RUN] for i in range(0, len(part), _RUN)] or [part]


FILTERS = {  # and label, clip and shorten, which cut at the run's limit (_clipping_filters)
    "number": number,
    "percent": percent,
    "signed_percent": signed_percent,
    "css_string": css_string,
    "breakable": breakable,
}
