"""Run configuration: defaults, then ``reportgen.toml``, then command-line flags.

Everything a run needs is in one frozen ``Config`` so a notebook user can build it by hand and
the pipeline never reads flags or files on its own.  Problems are collected and reported
together, because fixing a config one error at a time is tedious.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from reportgen.errors import ConfigError
from reportgen.formatting import MAX_TEXT_LIMIT, MIN_TEXT_LENGTH
from reportgen.options import FORMATS, Branding, Clustering, Report, TransactionOptions

ENGINES = ("local", "spark")
PAPERS = ("A4", "letter")
T = TypeVar("T")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_FONT = re.compile(r"^[\w \-,'\"]+$")


@dataclass(frozen=True)
class Config:
    """Everything one run needs, in option groups each handed whole to its stage; build it with
    ``Config.build`` (flat settings, as in ``reportgen.toml``), ``make_config`` or by hand."""

    input: Path
    out: Path = Path("reportgen-out")
    force: bool = False
    sheet: str | None = None
    id_column: str | None = None
    features: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)  # feature -> marketing role override
    # [columns]: column -> {"meaning": ..., "event": ...} corrections of the profile's reading
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    baseline: Path | None = None  # previous output folder or its model.json
    mode: str = "assign"  # with a baseline: "assign" (keep its segments) or "refit"
    # Engines: "local" (pandas + scikit-learn, the default) or "spark" (the pyspark extra).
    engine: str = "local"
    spark_master: str | None = None  # e.g. "local[2]", "spark://host:7077", "yarn"
    clustering: Clustering = field(default_factory=Clustering)
    transactions: TransactionOptions = field(default_factory=TransactionOptions)
    report: Report = field(default_factory=Report)
    branding: Branding = field(default_factory=Branding)

    @property
    def source(self) -> str:
        """The input's file name, as messages and the report name it."""
        return Path(str(self.input)).name

    @classmethod
    def build(cls, **settings: Any) -> Config:
        """A Config from flat settings named as in ``reportgen.toml`` and the flags
        (``Config.build(input="customers.csv", k=4, formats=("html",))``)."""
        return make_config({}, settings)

    def __post_init__(self) -> None:
        problems = _validate(self)
        if problems:
            raise ConfigError("; ".join(problems))


# Flat settings (TOML keys and flags) that belong to an option group, by the group's field.
CLUSTERING_KEYS = {f.name: f.name for f in fields(Clustering) if f.name != "k_max_given"}
REPORT_KEYS = {f.name: f.name for f in fields(Report)}
TRANSACTION_KEYS = {
    "transactions": "enabled",
    **{
        f"{f.name}_col": f.name
        for f in fields(TransactionOptions)
        if f.name not in ("enabled", "as_of")
    },
    "as_of": "as_of",
}

# Keys accepted in each TOML section (the [report] section holds the report's wording).
_REPORT_KEYS = {"title", "period", "paper", "max_text_length"}
_RUN_KEYS = {
    "features",
    "exclude",
    "id_column",
    "sheet",
    "engine",
    "spark_master",
    "baseline",
    "mode",
    *CLUSTERING_KEYS,
    *(set(REPORT_KEYS) - _REPORT_KEYS),
    *TRANSACTION_KEYS,
}
# [email]: read here with the rest of the file, made into MailSettings by reportgen.mail.compose
EMAIL_KEYS = (
    "from",
    "to",
    "subject",
    "smtp_host",
    "smtp_port",
    "smtp_user",
    "smtp_password",
    "tls",
    "attach_pdf",
    "deadline",
)
_BRANDING_KEYS = {f.name for f in fields(Branding)}
_PATH_KEYS = {"template_dir", "logo", "playbook", "baseline"}
_SECTIONS = {
    "run": _RUN_KEYS,
    "report": _REPORT_KEYS,
    "branding": _BRANDING_KEYS,
    "email": set(EMAIL_KEYS),
}


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict; a missing, unreadable or invalid file is one ConfigError."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def read_config_file(path: Path) -> dict[str, Any]:
    """Read ``reportgen.toml`` into flat Config keyword values (paths resolved from its folder),
    ``branding`` and ``email`` as tables of their own."""
    values, problems = _read_sections(path)
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return values


def load(
    path: Path | None,
    flags: Mapping[str, Any],
    make: Callable[[dict[str, Any], Mapping[str, Any]], T],
    also: Callable[[Mapping[str, Any]], list[str]] | None = None,
) -> T:
    """``make(file values, flags)`` (defaults < file < flags: ``make_config`` for a run,
    ``mail.make_settings`` for the email) with every problem of the file and of the values in
    one ConfigError: unknown keys, wrong values, and what ``also`` finds in the merged values."""
    values, problems = _read_sections(path) if path is not None else ({}, [])
    made = None
    try:
        made = make(values, flags)
    except ConfigError as exc:
        problems.append(str(exc))
    if also is not None:
        problems += also(merge(values, flags))
    if problems:
        raise ConfigError((f"{path}: " if path is not None else "") + "; ".join(problems))
    assert made is not None
    return made


def load_config(path: Path | None, flags: Mapping[str, Any]) -> Config:
    """The run's Config from a config file (or none) and flags, with every problem of the file
    and the values in one ConfigError: unknown keys, wrong values, paths that do not exist."""
    return load(path, flags, make_config, also=_missing_paths)


def merge(
    file_values: Mapping[str, Any], flags: Mapping[str, Any], *, empty_given: Collection[str] = ()
) -> dict[str, Any]:
    """Config file < flags, for settings whose dataclass holds the defaults: a flag that is
    None, or an empty repeatable flag, was not given (unless named in ``empty_given``:
    ``formats=()`` is ``--format none``)."""
    merged = dict(file_values)
    for key, value in flags.items():
        if value is None or (value == () and key not in empty_given):
            continue
        merged[key] = value
    return merged


def _missing_paths(values: Mapping[str, Any]) -> list[str]:
    """Files and folders the run will need, named now rather than one run at a time."""
    wanted = {
        "template_dir": ("template folder", Path.is_dir),
        "playbook": ("playbook", Path.is_file),
        "baseline": ("baseline", Path.exists),
    }
    problems = []
    for key, (what, exists) in wanted.items():
        value = values.get(key)
        if isinstance(value, (str, Path)) and not exists(Path(value)):
            problems.append(f"{what} {value} does not exist")
    logo = (
        values.get("branding", {}).get("logo") if isinstance(values.get("branding"), dict) else None
    )
    if isinstance(logo, (str, Path)) and not Path(logo).is_file():
        problems.append(f"logo {logo} does not exist")
    return problems


def _read_sections(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The file's values for the keys it may hold, and a problem for each one it may not."""
    data = read_toml(path)
    problems: list[str] = []
    values: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}  # [run] and [report] flat, [branding] and [email] apart
    for section, content in data.items():
        if section == "roles" and isinstance(content, dict):
            values["roles"] = content
            continue
        if section == "columns" and isinstance(content, dict):
            values["columns"] = {
                name: {"meaning": spec} if isinstance(spec, str) else spec
                for name, spec in content.items()
            }
            continue
        allowed = _SECTIONS.get(section)
        if allowed is not None and not isinstance(content, dict):
            problems.append(f"[{section}] must be a table")
            continue
        if allowed is None or not isinstance(content, dict):
            problems.append(
                f"unknown section [{section}] (use [run], [report], [branding], [email], [roles], "
                "[columns])"
            )
            continue
        for key, value in content.items():
            if key not in allowed:
                hint = f" (use {', '.join(EMAIL_KEYS)})" if section == "email" else ""
                problems.append(f"[{section}] has unknown key '{key}'{hint}")
                continue
            if key in _PATH_KEYS and isinstance(value, str):
                value = (path.parent / value).resolve()
            tables.setdefault(section, {})[key] = value
    values.update(tables.pop("run", {}), **tables.pop("report", {}))
    return {**values, **tables}, problems


def make_config(file_values: Mapping[str, Any], flags: Mapping[str, Any]) -> Config:
    """Merge defaults < config file < flags (flags that are None, or empty repeatable flags,
    are not given; ``formats=()`` is ``--format none`` and is given)."""
    merged = merge(file_values, flags, empty_given={"formats"})
    branding = dict(merged.pop("branding", {}))
    merged.pop("email", None)  # reportgen.mail.compose's
    for key in ("features", "exclude", "formats"):
        if key in merged and isinstance(merged[key], (list, str)):
            value = merged[key]
            merged[key] = tuple(value.split(",") if isinstance(value, str) else value)
    if "formats" in merged:
        merged["formats"] = tuple(f.strip().lower() for f in merged["formats"] if f.strip())
    for key in ("template_dir", "out", "input", "playbook", "baseline"):
        if isinstance(merged.get(key), str):
            merged[key] = Path(merged[key])
    if isinstance(branding.get("logo"), str):
        branding["logo"] = Path(branding["logo"])
    if isinstance(merged.get("as_of"), date):  # TOML's own dates: as_of = 2011-12-10
        merged["as_of"] = merged["as_of"].isoformat()

    def group(keys: Mapping[str, str]) -> dict[str, Any]:
        """The group's fields, taken out of the flat settings."""
        return {f: merged.pop(key) for key, f in keys.items() if key in merged}

    k_max_given = "k_max" in merged
    try:
        clustering = Clustering(**group(CLUSTERING_KEYS), k_max_given=k_max_given)
        report, transactions = (
            Report(**group(REPORT_KEYS)),
            TransactionOptions(**group(TRANSACTION_KEYS)),
        )
        return Config(
            **merged,
            clustering=clustering,
            report=report,
            transactions=transactions,
            branding=Branding(**branding),
        )
    except TypeError as exc:  # a wrongly typed value that dataclass construction rejects
        raise ConfigError(str(exc)) from None


def _validate(config: Config) -> list[str]:
    groups = (config.clustering, config.report, config.transactions, config.branding)
    kinds = (Clustering, Report, TransactionOptions, Branding)
    wrong = [type(g).__name__ for g, kind in zip(groups, kinds, strict=True) if type(g) is not kind]
    if wrong:  # a hand-built Config with a dict where a group belongs
        return [f"clustering, report, transactions and branding must be option groups ({wrong[0]})"]
    return (
        _validate_clustering(config.clustering)
        + _validate_report(config.report)
        + _validate_run(config)
        + branding_problems(config.branding)
        + _validate_roles(config.roles)
        + _validate_columns(config.columns)
        + _validate_transactions(config.transactions)
        + _validate_engine(config)
    )


_WHOLE = (
    "k_min",
    "k_max",
    "seed",
    "sample_size",
    "silhouette_sample",
    "n_init",
    "stability_resamples",
)


def _validate_clustering(c: Clustering) -> list[str]:
    problems: list[str] = []
    whole = {}
    for name in _WHOLE:
        value = getattr(c, name)
        whole[name] = isinstance(value, int) and not isinstance(value, bool)
        if not whole[name]:
            problems.append(f"{name} must be a whole number")
    if c.k is not None and (not isinstance(c.k, int) or c.k < 2):
        problems.append("k must be a whole number of at least 2")
    # each range check only where its numbers are whole numbers (already said otherwise)
    if whole["seed"] and not 0 <= c.seed < 2**32:
        problems.append(f"seed must be a whole number from 0 to {2**32 - 1}, not {c.seed}")
    if whole["k_min"] and c.k_min < 2:
        problems.append("k_min must be at least 2")
    if whole["k_min"] and whole["k_max"] and c.k_max < c.k_min:
        problems.append(f"k_max ({c.k_max}) must not be below k_min ({c.k_min})")
    if whole["k_max"] and c.k_max > 50:
        problems.append("k_max must be at most 50")
    if not isinstance(c.min_share, (int, float)) or not 0 <= c.min_share < 0.5:
        problems.append("min_share must be a fraction between 0 and 0.5, e.g. 0.02")
    if whole["sample_size"] and c.sample_size < 500:
        problems.append("sample_size must be at least 500")
    if whole["silhouette_sample"] and c.silhouette_sample < 100:
        problems.append("silhouette_sample must be at least 100")
    if (whole["n_init"] and c.n_init < 1) or (
        whole["stability_resamples"] and c.stability_resamples < 0
    ):
        problems.append("n_init must be at least 1 and stability_resamples at least 0")
    return problems


def _validate_report(r: Report) -> list[str]:
    problems: list[str] = []
    limit = r.max_text_length
    if not isinstance(limit, int) or isinstance(limit, bool):
        problems.append("max_text_length must be a whole number")
    elif not MIN_TEXT_LENGTH <= limit <= MAX_TEXT_LIMIT:
        problems.append(
            f"max_text_length must be from {MIN_TEXT_LENGTH} to {MAX_TEXT_LIMIT:,} characters, "
            f"not {limit}"
        )
    formats = r.formats if isinstance(r.formats, tuple) else ("?",)
    if [f for f in formats if f not in FORMATS]:  # () is allowed: only the data files
        problems.append(f"format must be a comma-separated subset of {', '.join(FORMATS)}")
    if r.paper not in PAPERS:
        problems.append(f"paper must be one of {', '.join(PAPERS)}")
    problems += _wrong_types(r, paths=("template_dir", "playbook"), texts=("title", "period"))
    return problems


def _validate_run(config: Config) -> list[str]:
    """The settings of the Config itself: which columns, the baseline, the engine's kind."""
    problems: list[str] = []
    if config.mode not in ("assign", "refit"):
        problems.append("mode must be 'assign' or 'refit'")
    for name in ("features", "exclude"):
        value = getattr(config, name)
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            problems.append(f'{name} must be a list of column names, e.g. ["Income"]')
    lists = (config.features, config.exclude)
    overlap = set(lists[0]) & set(lists[1]) if all(isinstance(v, tuple) for v in lists) else ()
    if overlap:
        problems.append(f"{', '.join(sorted(overlap))} both chosen and excluded")
    texts = ("id_column", "sheet", "mode", "engine")
    return problems + _wrong_types(config, paths=("baseline",), texts=texts)


def _wrong_types(group: Any, paths: tuple[str, ...], texts: tuple[str, ...]) -> list[str]:
    """Values of the wrong kind from a config file (``template_dir = 5``), said by key."""
    problems = []
    for name in paths:
        value = getattr(group, name)
        if value is not None and not isinstance(value, Path):
            problems.append(f'{name} must be a path written as text, e.g. "brand"')
    for name in texts:
        value = getattr(group, name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{name} must be text, not {value!r}")
    return problems


def _validate_engine(config: Config) -> list[str]:
    """The Spark engine covers customer tables; monthly comparisons and transaction logs
    still need the whole table in memory, so they are refused up front, not half done."""
    if config.engine not in ENGINES:
        return [f"engine must be one of {', '.join(ENGINES)}, not {config.engine!r}"]
    if config.engine == "local":
        if config.spark_master is not None:
            return ["spark_master (--spark-master) needs engine = spark (--engine spark)"]
        return []
    refused = [
        (config.baseline is not None, "--baseline"),
        (config.transactions.enabled is True, "--transactions"),
        (config.sheet is not None, "--sheet (Excel)"),
    ]
    return [
        f"{flag} is not available with --engine spark yet; use the local engine for it"
        for given, flag in refused
        if given
    ]


def _validate_transactions(t: TransactionOptions) -> list[str]:
    problems = []
    if t.enabled not in (None, True, False):
        problems.append("transactions must be true or false")
    named = [key for key, name in TRANSACTION_KEYS.items() if key.endswith("_col")]
    named = [key for key in named if getattr(t, TRANSACTION_KEYS[key]) is not None]
    for key in named:
        value = getattr(t, TRANSACTION_KEYS[key])
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key} must be a column name")
    if t.as_of is not None:
        try:
            date.fromisoformat(str(t.as_of))
        except ValueError:
            problems.append(f"as_of must be a date written YYYY-MM-DD, not {t.as_of!r}")
    if t.enabled is False and (named or t.as_of is not None):
        given = ", ".join([*named, *(["as_of"] if t.as_of is not None else [])])
        problems.append(
            f"transactions is off (--no-transactions) but {given} "
            f"{'is' if len(named) + (t.as_of is not None) == 1 else 'are'} set; "
            "those apply only to transaction logs"
        )
    return problems


COLUMN_KEYS = ("meaning", "event", "sentinel")


def _validate_columns(columns: Mapping[str, Any]) -> list[str]:
    """[columns] "Name" = "meaning" or {meaning = "...", event = "..."}."""
    from reportgen.profiling.meanings import MEANINGS

    if not isinstance(columns, Mapping):
        return ['[columns] must map column names to a meaning, e.g. "Spending Score" = "score"']
    problems = []
    for name, spec in columns.items():
        if not isinstance(spec, Mapping):
            problems.append(f"[columns] {name} must be a meaning or a table with meaning")
            continue
        unknown = [k for k in spec if k not in COLUMN_KEYS]
        if unknown:
            problems.append(
                f"[columns] {name} has unknown key {unknown[0]!r} (use {', '.join(COLUMN_KEYS)})"
            )
        meaning = spec.get("meaning")
        if meaning is not None and meaning not in MEANINGS:
            problems.append(
                f"[columns] {name} = {meaning!r} is not a meaning (use one of "
                f"{', '.join(MEANINGS)})"
            )
        if "event" in spec and not isinstance(spec["event"], (str, int, float)):
            problems.append(f'[columns] {name} event must be the value that counts, e.g. "Yes"')
        if "event" in spec and meaning not in (None, "outcome"):
            problems.append(f'[columns] {name}: event applies only to meaning = "outcome"')
        code = spec.get("sentinel")
        if "sentinel" in spec and (code is True or not isinstance(code, (int, float))):
            problems.append(
                f"[columns] {name} sentinel must be the code that means 'none' (e.g. -1), or "
                "false to read no code"
            )
        if "sentinel" in spec and len(spec) > 1:
            problems.append(f"[columns] {name}: give sentinel alone; the meaning is then read")
    return problems


def _validate_roles(roles: Mapping[str, str]) -> list[str]:
    from reportgen.profiling.roles import WORDS

    if not isinstance(roles, Mapping):
        return ["[roles] must map feature names to roles"]
    return [
        f"[roles] {name} = {role!r} is not a known role (use one of {', '.join(sorted(WORDS))})"
        for name, role in roles.items()
        if role not in WORDS
    ]


def branding_problems(branding: Branding) -> list[str]:
    """What is wrong with branding values, which go into CSS (the report's and the email's)."""
    problems = []
    for name in ("primary_color", "accent_color"):
        value = getattr(branding, name)
        if not isinstance(value, str) or not _COLOR.fullmatch(value):
            problems.append(f"branding {name} must be a hex colour like #1f4e79, not {value!r}")
    if not isinstance(branding.font_family, str) or not _FONT.fullmatch(branding.font_family):
        problems.append(
            "branding font_family may hold only letters, digits, spaces, commas, hyphens and quotes"
        )
    if branding.logo is not None and not isinstance(branding.logo, Path):
        problems.append("branding logo must be a file path")
    return problems
