"""Frozen dataclasses to and from JSON values, by their type hints.

A JSON file's schema is then written once, as dataclasses (``summary.json``'s in
``reportgen.report.summary``): writing walks the fields in order, so the keys keep their order, and
reading checks each value against its field's type, so a file that is not what it claims to be
is one problem naming the key ("segments[2].size must be a whole number, not 'x'") instead of a
``KeyError`` far away.  The types understood are ``str``, ``int``, ``float``, ``bool``, ``Any``,
``X | None``, ``tuple[X, ...]``, ``tuple[X, Y]``, ``Mapping[str, X]`` and dataclasses.

Field metadata: ``{KEY: "from"}`` names the JSON key when it is not the field's name;
``{OMIT_NONE: True}`` leaves the key out when the value is None (and reads a missing key as
None); ``{REST: True}`` on a ``Mapping`` field holds the object's other keys, written last.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import MISSING, Field, fields, is_dataclass
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from reportgen.report.outputs import plain

KEY = "json_key"
OMIT_NONE = "omit_none"
REST = "rest"
T = TypeVar("T")


class SchemaError(ValueError):
    """A value that does not fit its field: ``where`` is the key path, ``problem`` the rest."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where} {problem}")
        self.where = where
        self.problem = problem


def to_plain(obj: Any) -> Any:
    """``obj`` as JSON values: dataclasses as objects in field order, tuples as lists, numbers
    as ``outputs.plain`` writes them (NaN as null, floats rounded for stable files)."""
    return plain(_structure(obj))


def from_plain(cls: type[T], data: Any, where: str = "") -> T:
    """A ``cls`` read from JSON values; a SchemaError names the first key that does not fit."""
    value: T = _read(cls, data, where)
    return value


def _structure(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in fields(obj):
            value = getattr(obj, f.name)
            if f.metadata.get(REST):
                out.update({k: _structure(v) for k, v in value.items()})
            elif not (f.metadata.get(OMIT_NONE) and value is None):
                out[_key(f)] = _structure(value)
        return out
    if isinstance(obj, Mapping):
        return {k: _structure(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return [_structure(v) for v in obj]
    return obj


def _key(f: Field[Any]) -> str:
    return str(f.metadata.get(KEY, f.name))


def _read(tp: Any, value: Any, where: str) -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return value
    if isinstance(tp, type) and is_dataclass(tp):
        return _object(tp, value, where)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        if value is None and len(options) < len(get_args(tp)):
            return None
        return _read(options[0], value, where)
    if origin is tuple:
        return _tuple(get_args(tp), value, where)
    if origin is Mapping:
        if not isinstance(value, dict):
            raise SchemaError(where, f"must be an object, not {_shown(value)}")
        kind = get_args(tp)[1]
        return {k: _read(kind, v, f"{where}.{k}") for k, v in value.items()}
    return _scalar(tp, value, where)


def _object(cls: type[Any], value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise SchemaError(where, f"must be an object, not {_shown(value)}")
    hints = get_type_hints(cls)
    known = {_key(f) for f in fields(cls) if not f.metadata.get(REST)}
    given: dict[str, Any] = {}
    for f in fields(cls):
        key = _key(f)
        here = f"{where}.{key}" if where else key
        if f.metadata.get(REST):
            given[f.name] = {k: v for k, v in value.items() if k not in known}
        elif key in value:
            given[f.name] = _read(hints[f.name], value[key], here)
        elif not f.metadata.get(OMIT_NONE) and f.default is f.default_factory is MISSING:
            raise SchemaError(here, "is missing")
    return cls(**given)


def _tuple(args: tuple[Any, ...], value: Any, where: str) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise SchemaError(where, f"must be a list, not {_shown(value)}")
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_read(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if len(value) != len(args):
        raise SchemaError(where, f"must be a list of {len(args)}, not {_shown(value)}")
    return tuple(
        _read(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value, strict=True))
    )


_KINDS: dict[Any, tuple[str, tuple[type, ...]]] = {
    str: ("text", (str,)),
    bool: ("true or false", (bool,)),
    int: ("a whole number", (int,)),
    float: ("a number", (int, float)),
}


def _scalar(tp: Any, value: Any, where: str) -> Any:
    what, kinds = _KINDS[tp]
    if not isinstance(value, kinds) or (tp is not bool and isinstance(value, bool)):
        raise SchemaError(where, f"must be {what}, not {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
