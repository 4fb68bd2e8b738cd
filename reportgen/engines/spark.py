"""The Spark engine (``--engine spark``): the same report for tables that live on a cluster.

Spark reads INPUT (a file, a folder or a glob of CSV or Parquet files), counts and summarises
every column over all rows, applies the feature steps, fits ``pyspark.ml`` K-Means (k-means||,
the run's seed) and writes each customer's segment as Parquet (``segments/``).  Only small
things reach the driver: a seeded sample of about ``DRIVER_ROWS`` rows, on which roles,
feature steps and k are decided and the segments are described and drawn, and aggregates
(counts, means, quartiles, cluster sizes).  Needs the ``spark`` extra and Java 17.
"""

from __future__ import annotations

import glob
import gzip
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reportgen.config import Config
from reportgen.engines.analysis import Analysis, Assignments, Notify, Progress, Stage, choose_k
from reportgen.errors import ConfigError, InputError, naming
from reportgen.options import Clustering
from reportgen.profiling import codes
from reportgen.profiling import profile as profiling
from reportgen.profiling.fences import EXTREME, OUTLIER, fences
from reportgen.reading import tables as loader
from reportgen.segmenting import clustering, features, steps
from reportgen.segmenting import segments as describing

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

SPARK_LOG = Path(tempfile.gettempdir()) / "reportgen-spark.log"  # the JVM's own output
LOCAL_DRIVER_MEMORY = "4g"  # JVM heap with --spark-master local[...]
DRIVER_ROWS = 200_000  # rows brought to the driver to decide, describe and draw from
MAX_ITER = 100  # K-Means iterations (scikit-learn's default is 300; Spark's 20)
INIT_STEPS = 5  # k-means|| rounds (Spark's default 2 often started in a poor optimum)
STARTS = 3  # fits at most, seeds seed, seed + 1, ...; see _fit
SLACK = 0.01  # a fit within 1% of the sweep's sample cost is as good as it
TOLERANCE = 1e-4
QUANTILE_ACCURACY = 10_000  # percentile_approx: relative error about 1/accuracy
_CSV = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")
_PARQUET = (".parquet", ".parq")
_Z = "_reportgen_z{}"  # internal column names, unlikely to clash with the user's
_CLIPPED = "_reportgen_clipped{}"
_FEATURES = "_reportgen_features"
_CLUSTER = "_reportgen_cluster"


@dataclass(frozen=True)
class SparkInput:
    """The table as Spark reads it, and the seeded sample the driver works on."""

    frame: DataFrame
    files: tuple[str, ...]
    format: str  # "csv" or "parquet"
    delimiter: str | None
    n_rows: int
    sample: pd.DataFrame  # about DRIVER_ROWS rows; the whole table when it is that small


@contextmanager
def analyse(
    config: Config, stage: Stage, progress: Progress | None, notify: Notify
) -> Iterator[tuple[Analysis, Assignments]]:
    """The analysis with Spark doing the work that touches every row; the session lives until
    the report is written, since the per-customer file is written from Spark's rows."""
    with ExitStack() as cleanup:  # on success and on errors: free the cache, stop our session
        with naming(config.source):  # the stages' errors say what is wrong, this says where
            analysis, writer = _analysis(config, stage, progress, notify, cleanup)
        yield analysis, writer


def _analysis(
    config: Config, stage: Stage, progress: Progress | None, notify: Notify, cleanup: ExitStack
) -> tuple[Analysis, Assignments]:
    """The stages, up to the segment descriptions; ``cleanup`` stops a session started here
    and frees the cached features when the run ends."""
    files, kind = resolve(config.input)
    with stage("spark start"):  # session() quiets pyspark itself
        spark, owned = session(config.spark_master)
    if owned:
        cleanup.callback(spark.stop)
    with stage("load"), _quiet():
        table = read(spark, files, kind, seed=config.clustering.seed)
    notify("read", (_dataset(table), None))
    with stage("profile"), _quiet():
        sample_profile = profiling.profile(
            table.sample, id_column=config.id_column, corrections=config.columns
        )
        profile = profiling.with_totals(
            sample_profile, table.n_rows, totals(table.frame, sample_profile)
        )
    with stage("features"), _quiet():
        data, matrix = _features(config, table, sample_profile, profile)
        cleanup.callback(data.unpersist)
    notify("features", matrix)
    with stage("select k"):
        selection = choose_k(config, matrix, progress)
        selection = replace(selection, n_rows=table.n_rows)
    with stage("fit"), _quiet():
        model, order, starts = _fit(
            data, selection.k, config.clustering.seed, matrix.X, selection.centroids
        )
        segmentation, cost = _segmentation(model, order, matrix.X, config.clustering)
    with stage("describe"):
        described = describing.describe(
            matrix,
            segmentation,
            table.sample,
            role_overrides=config.roles,
            column_roles={c.name: c.role for c in profile.columns},
        )
        profiles = _with_sizes(described, segmentation.sizes, table.n_rows)
    notify("segments", (selection, segmentation, profiles, None))
    analysis = Analysis(
        _dataset(table),
        profile,
        matrix,
        selection,
        segmentation,
        profiles,
        engine_rows=_method_rows(spark, table, cost),
        parameters=_parameters(config, starts),
    )
    return analysis, lambda folder, names: _write_segments(
        data, model, order, names, matrix.id_label, folder
    )


def _features(
    config: Config,
    table: SparkInput,
    sample_profile: profiling.Profile,
    profile: profiling.Profile,
) -> tuple[DataFrame, features.FeatureMatrix]:
    """Feature steps decided on the driver sample, applied to every row in Spark (cached)."""
    drafted = features.build(
        table.sample,
        sample_profile,
        features=config.features,
        exclude=config.exclude,
    )
    _check_unique_ids(table.frame, drafted.id_label)
    return _featurize(table.frame, drafted, profile)


def _dataset(table: SparkInput) -> loader.Dataset:
    """The Dataset the report describes: the driver sample, with the whole table's size."""
    return loader.Dataset(
        frame=table.sample,
        path=Path(table.files[0]),
        format=f"{table.format} (Spark)",
        encoding="utf-8" if table.format == "csv" else None,
        delimiter=table.delimiter,
        compression=None,
        sheet=None,
        sha256="",
        conversions=(),
        date_formats={},
        n_rows=table.n_rows,
    )


def _method_rows(spark: Any, table: SparkInput, cost: float) -> dict[str, str]:
    """The Spark rows of the report's method table."""
    sampled = len(table.sample) < table.n_rows
    return {
        "Spark": f"Apache Spark {spark.version} ({spark.sparkContext.master}); "
        f"{len(table.files):,} input file(s)",
        "Driver sample": (
            f"{len(table.sample):,} of {table.n_rows:,} rows (seeded), for roles, "
            "feature steps, k, segment statistics and charts; counts, missing values, "
            "quartiles and segment sizes are over all rows"
            if sampled
            else f"all {table.n_rows:,} rows"
        ),
        "Within-segment sum of squares": f"{cost:,.1f} (Spark, all rows)",
    }


def _parameters(config: Config, starts: int) -> dict[str, Any]:
    """The Spark engine's own run parameters (summary.json and the method table)."""
    return {
        "engine": "spark",
        "algorithm": "K-Means (pyspark.ml, k-means|| initialisation)",
        "final_fit": f"all rows in Spark, at most {MAX_ITER} iterations, "
        f"k-means|| with {INIT_STEPS} rounds; {starts} start(s) (seed {config.clustering.seed}"
        + (f" to {config.clustering.seed + starts - 1})" if starts > 1 else ")"),
    }


# ------------------------------------------------------------------------------------ session


def session(master: str | None) -> tuple[SparkSession, bool]:
    """A Spark session (the active one when no master is given) and whether we started it."""
    try:
        with _quiet():
            from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(
            '--engine spark needs pyspark: pip install "reportgen[spark]" (and Java 17)'
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active, False
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise ConfigError(
            "--engine spark needs Java 17: install a JDK and put java on PATH or set JAVA_HOME"
        )
    builder = SparkSession.builder.appName("reportgen")
    if master:
        builder = builder.master(master)
    if master and master.startswith("local"):  # one JVM does all the work: Spark's 1g is tight
        builder = builder.config("spark.driver.memory", LOCAL_DRIVER_MEMORY)
    for key, value in {
        "spark.sql.session.timeZone": "UTC",  # tenure in days must not shift with DST
        "spark.ui.showConsoleProgress": "false",
        "spark.ui.enabled": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }.items():
        builder = builder.config(key, value)
    try:
        with _jvm_output(SPARK_LOG), _quiet():
            spark = builder.getOrCreate()
    except Exception as exc:  # the JVM failed to start: say why in one line
        raise ConfigError(f"Spark could not start ({_short(exc)}); see {SPARK_LOG}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark, True


@contextmanager
def _jvm_output(path: Path) -> Iterator[None]:
    """Point file descriptors 1 and 2 at ``path`` while the JVM starts: it inherits them and
    keeps its log lines (and native-library notices) there instead of in the user's terminal."""
    import sys

    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(path, "wb") as log:  # the latest start only: it must not grow forever
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


@contextmanager
def _quiet() -> Iterator[None]:
    """pyspark warns about pandas versions and Arrow fallbacks; users get results or a line."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


# ------------------------------------------------------------------------------------ reading


def resolve(input: str | Path) -> tuple[tuple[str, ...], str]:
    """The files INPUT names (a file, a folder or a glob) and their kind, "csv" or "parquet".

    A URL (hdfs://, s3a://, ...) is passed to Spark as it is; it must be Parquet unless it
    ends like a CSV file.
    """
    text = str(input)
    if "://" in text:
        return (text,), "csv" if text.lower().endswith(_CSV) else "parquet"
    if any(ch in text for ch in "*?["):
        found = sorted(p for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not found:
            raise InputError("no files match this pattern").at(text)
    elif Path(text).is_dir():
        found = sorted(
            str(p)
            for p in Path(text).rglob("*")
            if p.is_file() and not p.name.startswith(("_", ".")) and not p.name.endswith(".crc")
        )
        if not found:
            raise InputError("the folder holds no data files").at(text)
    elif Path(text).is_file():
        found = [text]
    else:
        raise InputError("no such file or folder").at(text)
    kinds = {}
    for name in found:
        lower = name.lower()
        kind = "parquet" if lower.endswith(_PARQUET) else "csv" if lower.endswith(_CSV) else None
        if kind is None:
            raise InputError(
                "not a CSV or Parquet file; the Spark engine reads .csv, .tsv, .txt "
                "(optionally .gz) and .parquet files"
            ).at(name)
        kinds[name] = kind
    if len(set(kinds.values())) > 1:
        raise InputError("mixes CSV and Parquet files; point at one kind of file").at(text)
    return tuple(found), next(iter(kinds.values()))


def read(spark: SparkSession, files: Sequence[str], kind: str, *, seed: int) -> SparkInput:
    """Spark's view of the files, its row count and a seeded sample on the driver."""
    from pyspark.sql.types import DecimalType

    delimiter = None
    try:
        if kind == "parquet":
            frame = spark.read.parquet(*files)
        else:
            delimiter = loader.sniff_delimiter(_head(files[0]))
            frame = spark.read.csv(
                list(files), header=True, inferSchema=True, sep=delimiter, mode="PERMISSIVE"
            )
        n_rows = frame.count()
    except Exception as exc:
        raise InputError(f"Spark cannot read it ({_short(exc)})").at(files[0]) from None
    if n_rows == 0:
        raise InputError("no data rows; export the table again").at(files[0])
    # exact decimals would reach pandas as Python objects; measures are floats here
    decimals = [f.name for f in frame.schema.fields if isinstance(f.dataType, DecimalType)]
    if decimals:
        frame = frame.withColumns({name: col(name).cast("double") for name in decimals})
    if n_rows > DRIVER_ROWS:  # one pass, no sort: about DRIVER_ROWS rows, the same every run
        sample = frame.sample(fraction=DRIVER_ROWS / n_rows, seed=seed).toPandas()
    else:
        sample = frame.toPandas()
    return SparkInput(frame, tuple(files), kind, delimiter, n_rows, _tidy(sample))


def _head(path: str, size: int = 262_144) -> str:
    """The start of a text file, for the delimiter sniffer."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        raw = handle.read(size)
    return raw.decode("utf-8", errors="replace")


def _tidy(sample: pd.DataFrame) -> pd.DataFrame:
    """Spark's pandas types as the local loader gives them (datetimes without time zone)."""
    for name in sample.columns:
        series = sample[name]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            sample[name] = series.dt.tz_localize(None)
        elif series.dtype == object and len(series.dropna()):
            first = series.dropna().iloc[0]
            if hasattr(first, "isoformat") and not isinstance(first, str):  # datetime.date
                sample[name] = pd.to_datetime(series)
    return sample.reset_index(drop=True)


def col(name: str) -> Column:
    """A column by its exact name, dots and spaces included."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


# ------------------------------------------------------------------------------------ profile


def totals(frame: DataFrame, sample: profiling.Profile) -> dict[str, profiling.ColumnTotals]:
    """Missing values, distinct counts, statistics, outliers and top values of every column,
    computed by Spark over all rows (two passes plus one small group-by per category column)."""
    kinds = {c.name: _kind(c) for c in sample.columns}
    exprs = [expr for i, c in enumerate(sample.columns) for expr in _aggregates(i, c, kinds)]
    first = frame.agg(*exprs).first()
    assert first is not None
    n_rows = int(first["rows"])
    stats = {
        c.name: _stats(first, i, kinds[c.name])
        for i, c in enumerate(sample.columns)
        if kinds[c.name] in ("number", "date") and first[f"n{i}"]
    }
    outliers = _outliers(frame, sample, stats)
    tops = _top_values(frame, [c.name for c in sample.columns if c.top_values])
    tops = {
        name: tuple((_as_sample_text(v) if kinds[name] == "number" else v, n) for v, n in top)
        for name, top in tops.items()
    }
    result = {}
    for i, c in enumerate(sample.columns):
        n_outliers, n_extreme, examples = outliers.get(c.name, (0, 0, ()))
        n_coded = int(first[f"s{i}"] or 0) if c.sentinel is not None else 0
        result[c.name] = profiling.ColumnTotals(
            n_missing=n_rows - int(first[f"n{i}"]) - n_coded,
            n_coded=n_coded,
            n_distinct=int(first[f"d{i}"]),
            stats=stats.get(c.name, {}),
            n_outliers=n_outliers,
            n_extreme=n_extreme,
            extreme_values=examples,
            top_values=tops.get(c.name, ()),
        )
    return result


def _aggregates(i: int, c: profiling.ColumnProfile, kinds: dict[str, str]) -> list[Column]:
    """The one-pass aggregates of column number ``i`` (the row count with the first)."""
    from pyspark.sql import functions as F

    kind = kinds[c.name]
    value = _valid(c.name, kind, c.sentinel)
    exprs: list[Column] = [F.count(F.lit(1)).alias("rows")] if i == 0 else []
    exprs += [F.count(value).alias(f"n{i}"), F.approx_count_distinct(value).alias(f"d{i}")]
    if c.sentinel is not None:  # the code is not a value: counted apart, not missing
        coded = col(c.name).cast("double") == F.lit(c.sentinel.code)
        exprs.append(F.sum(F.when(coded, 1).otherwise(0)).alias(f"s{i}"))
    if kind == "number":
        exprs += [
            F.mean(value).alias(f"mean{i}"),
            F.stddev_samp(value).alias(f"std{i}"),
            F.min(value).alias(f"min{i}"),
            F.max(value).alias(f"max{i}"),
            F.percentile_approx(value, [0.25, 0.5, 0.75], QUANTILE_ACCURACY).alias(f"q{i}"),
        ]
    elif kind == "date":
        exprs += [F.min(value).alias(f"min{i}"), F.max(value).alias(f"max{i}")]
    return exprs


def _stats(first: Any, i: int, kind: str) -> dict[str, float]:
    """Column ``i``'s statistics from the aggregate row (dates as day ordinals)."""
    if kind == "date":
        return {
            "min": float(first[f"min{i}"].toordinal()),
            "max": float(first[f"max{i}"].toordinal()),
        }
    q1, median, q3 = (float(v) for v in first[f"q{i}"])
    return {
        "mean": float(first[f"mean{i}"]),
        "std": float(first[f"std{i}"] or 0.0),
        "min": float(first[f"min{i}"]),
        "q1": q1,
        "median": median,
        "q3": q3,
        "max": float(first[f"max{i}"]),
    }


def _kind(column: profiling.ColumnProfile) -> str:
    if column.dtype.startswith("datetime"):
        return "date"
    if column.dtype.startswith(("int", "uint", "float", "Int", "Float", "bool")):
        return "number"
    return "text"


def _valid(name: str, kind: str, sentinel: codes.Sentinel | None = None) -> Column:
    """The column with missing values (and NaN, infinity and a sentinel code for numbers)
    as null."""
    from pyspark.sql import functions as F

    c = col(name)
    if kind != "number":
        return c
    x = c.cast("double")
    valid = ~F.isnan(x) & (F.abs(x) != float("inf"))
    if sentinel is not None:
        valid = valid & (x != F.lit(sentinel.code))
    return F.when(valid, x)


def _outliers(
    frame: DataFrame, sample: profiling.Profile, stats: dict[str, dict[str, float]]
) -> dict[str, tuple[int, int, tuple[float, ...]]]:
    """Values beyond 1.5 and 3 IQR of the measures, and the farthest ones as examples."""
    from pyspark.sql import functions as F

    measures = [c.name for c in sample.columns if c.role == "numeric" and c.name in stats]
    if not measures:
        return {}
    fences = {name: _fences(stats[name]) for name in measures}
    exprs = []
    for i, name in enumerate(measures):
        x = _valid(name, "number", sample.column(name).sentinel)
        lo1, hi1, lo3, hi3 = fences[name]
        exprs += [
            F.sum(F.when((x < lo1) | (x > hi1), 1).otherwise(0)).alias(f"o{i}"),
            F.sum(F.when((x < lo3) | (x > hi3), 1).otherwise(0)).alias(f"e{i}")
            if hi3 > lo3
            else F.lit(0).alias(f"e{i}"),
        ]
    row = frame.agg(*exprs).first()
    assert row is not None
    result = {}
    for i, name in enumerate(measures):
        s = stats[name]
        _, _, lo3, hi3 = fences[name]
        n_extreme = int(row[f"e{i}"] or 0)
        # the extremes furthest from the median: the range ends, when they lie beyond 3 IQR
        ends = sorted(
            {s["min"], s["max"]} if n_extreme else set(), key=lambda v: -abs(v - s["median"])
        )
        examples = tuple(v for v in ends if v < lo3 or v > hi3)
        result[name] = (int(row[f"o{i}"] or 0), n_extreme, examples)
    return result


def _fences(stats: dict[str, float]) -> tuple[float, float, float, float]:
    """The 1.5 and 3 IQR fences around the quartiles: low and high of each."""
    return (
        *fences(stats["q1"], stats["q3"], OUTLIER),
        *fences(stats["q1"], stats["q3"], EXTREME),
    )


def _top_values(
    frame: DataFrame, names: Sequence[str], top: int = 10
) -> dict[str, tuple[tuple[str, int], ...]]:
    """The most frequent values of each named column (ties in value order, as the local
    profile gives them), from one group-by over (column, value) pairs."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    if not names:
        return {}
    pairs = F.explode(
        F.map_from_arrays(
            F.array(*[F.lit(i) for i in range(len(names))]),
            F.array(*[col(name).cast("string") for name in names]),
        )
    )
    counts = (
        frame.select(pairs.alias("column", "value"))
        .where(F.col("value").isNotNull())
        .groupBy("column", "value")
        .count()
    )
    rank = F.row_number().over(
        Window.partitionBy("column").orderBy(F.desc("count"), F.asc("value"))
    )
    rows = counts.withColumn("rank", rank).where(F.col("rank") <= top).collect()
    found: dict[str, list[tuple[int, str, int]]] = {name: [] for name in names}
    for r in rows:
        found[names[r["column"]]].append((r["rank"], r["value"], int(r["count"])))
    return {name: tuple((v, n) for _, v, n in sorted(values)) for name, values in found.items()}


def _as_sample_text(value: str) -> str:
    """A number cast to text by Spark, written as the local profile writes it ("3", not "3.0")."""
    try:
        return profiling.format_value(float(value))
    except ValueError:
        return value


# ----------------------------------------------------------------------------------- features


def _check_unique_ids(frame: DataFrame, id_label: str) -> None:
    """Each customer once, over all rows (the sample would miss most repeats)."""
    from pyspark.sql import functions as F

    if id_label == "row":
        return
    repeated = (
        frame.where(col(id_label).isNotNull())
        .groupBy(col(id_label).alias("id"))
        .count()
        .where(F.col("count") > 1)
    )
    examples = repeated.orderBy("id").limit(3).collect()
    if examples:
        shown = [str(r["id"]) for r in examples]
        raise features.repeated_ids(id_label, repeated.count(), shown, logs=False)


def _featurize(
    frame: DataFrame, drafted: features.FeatureMatrix, profile: profiling.Profile
) -> tuple[DataFrame, features.FeatureMatrix]:
    """The standardized features of every row in Spark (cached for the fit), and the
    driver's matrix with whole-table counts of imputed and limited values."""
    from pyspark.ml.feature import VectorAssembler
    from pyspark.sql import functions as F

    specs = drafted.specs
    columns: dict[str, Column] = {}
    for j, spec in enumerate(specs):
        z, clipped = feature_column(spec)
        columns[_Z.format(j)] = z
        columns[_CLIPPED.format(j)] = clipped
    keep = [drafted.id_label] if drafted.id_label != "row" else list(frame.columns)
    data = frame.select(*[col(c) for c in keep], *[v.alias(k) for k, v in columns.items()])
    assembler = VectorAssembler(
        inputCols=[_Z.format(j) for j in range(len(specs))], outputCol=_FEATURES
    )
    data = assembler.transform(data).drop(*[_Z.format(j) for j in range(len(specs))]).persist()
    row = data.agg(*[F.sum(_CLIPPED.format(j)).alias(str(j)) for j in range(len(specs))]).first()
    assert row is not None
    counted = tuple(
        features.with_counts(
            spec,
            n_imputed=profile.column(spec.column).n_without_value,  # empty or coded
            n_clipped=int(row[str(j)] or 0),
            n_coded=_n_coded(profile.column(spec.column)),
        )
        for j, spec in enumerate(specs)
    )
    return data, replace(drafted, specs=counted)


def _n_coded(column: profiling.ColumnProfile) -> int:
    return column.sentinel.count if column.sentinel is not None else 0


def feature_column(spec: features.FeatureSpec) -> tuple[Column, Column]:
    """One standardized feature as a Spark expression, the local steps in the same order:
    a sentinel code as missing, impute, log1p, limit, standardize; and 1 where the value was
    limited."""
    from pyspark.sql import functions as F

    c = col(spec.column)
    if spec.kind == "tenure_days":
        reference = F.lit(spec.reference_date).cast("timestamp")
        raw = (F.unix_timestamp(reference) - F.unix_timestamp(c.cast("timestamp"))) / 86400.0
    else:
        raw = c.cast("double")
    algebra = SparkAlgebra()
    return steps.standardized(raw, spec, algebra), steps.limited(raw, spec, algebra)


class SparkAlgebra:
    """The feature steps (``reportgen.segmenting.steps``) on Spark columns."""

    def missing(self, raw: Column) -> Column:
        from pyspark.sql import functions as F

        return raw.isNull() | F.isnan(raw) | (F.abs(raw) == float("inf"))

    def equals(self, raw: Column, value: float) -> Column:
        from pyspark.sql import functions as F

        return raw == F.lit(value)

    def either(self, a: Column, b: Column) -> Column:
        return a | b

    def where(self, condition: Column, value: float, otherwise: Column) -> Column:
        from pyspark.sql import functions as F

        return F.when(condition, F.lit(value)).otherwise(otherwise)

    def log1p_of_positive(self, x: Column) -> Column:
        from pyspark.sql import functions as F

        return F.log1p(F.greatest(x, F.lit(0.0)))

    def outside(self, x: Column, low: float, high: float) -> Column:
        from pyspark.sql import functions as F

        return F.when((x < F.lit(low)) | (x > F.lit(high)), 1).otherwise(0)

    def clip(self, x: Column, low: float, high: float) -> Column:
        from pyspark.sql import functions as F

        return F.least(F.greatest(x, F.lit(low)), F.lit(high))

    def nothing(self, like: Column) -> Column:
        from pyspark.sql import functions as F

        return F.lit(0)

    def affine(self, x: Column, center: float, scale: float) -> Column:
        from pyspark.sql import functions as F

        return (x - F.lit(center)) / F.lit(scale)


# ---------------------------------------------------------------------------------- the fit


def _fit(
    data: DataFrame, k: int, seed: int, X: np.ndarray, reference: np.ndarray
) -> tuple[Any, list[int], int]:
    """pyspark.ml K-Means (k-means||) on every row; clusters ordered by size as the local
    engine orders them.

    One k-means|| start can settle in a poor local optimum where the local engine's ten starts
    do not (adjusted Rand 0.73 against it on the benchmark table).  So each fit is scored on
    the driver sample against the sweep's centres (``reference``): a fit more than 1% worse is
    repeated with the next seed, up to ``STARTS`` fits, and the best is kept.
    """
    from pyspark.ml.clustering import KMeans

    target = _sample_cost(X, reference)
    best: tuple[float, Any, int] | None = None
    for start in range(STARTS):
        model = KMeans(
            k=k,
            seed=seed + start,
            initMode="k-means||",
            initSteps=INIT_STEPS,
            maxIter=MAX_ITER,
            tol=TOLERANCE,
            featuresCol=_FEATURES,
            predictionCol=_CLUSTER,
        ).fit(data)
        cost = _sample_cost(X, _centers(model))
        if best is None or cost < best[0]:
            best = (cost, model, start + 1)
        if cost <= target * (1 + SLACK):
            break
    assert best is not None
    _, model, starts = best
    sizes = np.asarray(model.summary.clusterSizes, dtype=np.int64)
    return model, clustering.size_order(_centers(model), sizes), starts


def _centers(model: Any) -> np.ndarray:
    return np.array([np.asarray(c, dtype=float) for c in model.clusterCenters()])


def _sample_cost(X: np.ndarray, centers: np.ndarray) -> float:
    """Within-segment sum of squares of the driver sample around ``centers``."""
    _, distances = clustering.assign(X, centers)
    return float((distances**2).sum())


def _segmentation(
    model: Any, order: list[int], X: np.ndarray, options: Clustering
) -> tuple[clustering.Segmentation, float]:
    """Centres and sizes from Spark; the driver sample's labels and distances for describing
    and drawing (each sample row goes to its nearest centre, as Spark assigns it)."""
    centers = _centers(model)[order]
    sizes = tuple(int(model.summary.clusterSizes[i]) for i in order)
    labels, distances = clustering.assign(X, centers)
    sil, rows = clustering.silhouette(X, labels, options.seed, options.silhouette_sample)
    segmentation = clustering.Segmentation(
        k=len(centers),
        labels=labels,
        centers=centers,
        sizes=sizes,
        distances=distances,
        inertia=float((distances**2).sum()),
        silhouette=sil,
        silhouette_rows=rows,
        seed=options.seed,
        n_init=1,
        warm_start=False,
    )
    return segmentation, float(model.summary.trainingCost)


def _with_sizes(
    profiles: describing.SegmentProfiles, sizes: tuple[int, ...], n_rows: int
) -> describing.SegmentProfiles:
    """Segment sizes and shares counted over all rows (the rest is from the sample)."""
    segments = tuple(
        replace(s, size=size, share=size / n_rows)
        for s, size in zip(profiles.segments, sizes, strict=True)
    )
    return replace(profiles, segments=segments, n_rows=n_rows)


def _write_segments(
    data: DataFrame,
    model: Any,
    order: list[int],
    names: dict[int, str],
    id_label: str,
    folder: Path,
) -> dict[str, Path]:
    """Every customer's segment, name and distance to its centre, written by Spark as
    Parquet; never collected.  Without an id column the input columns are kept instead."""
    from pyspark.sql import functions as F

    segment_of = [0] * len(order)
    for position, cluster in enumerate(order):
        segment_of[cluster] = position + 1
    centers = list(_centers(model))
    predicted = model.transform(data)
    index = F.col(_CLUSTER) + 1  # element_at counts from 1
    segment = F.element_at(F.array(*[F.lit(s) for s in segment_of]), index)
    name = F.element_at(F.array(*[F.lit(names[s]) for s in segment_of]), index)
    vector = _vector_to_array(F.col(_FEATURES))
    squared = sum(
        (
            F.pow(
                vector[j] - F.element_at(F.array(*[F.lit(float(c[j])) for c in centers]), index),
                2,
            )
            for j in range(len(centers[0]))
        ),
        F.lit(0.0),
    )
    kept = [c for c in data.columns if c != _FEATURES and not c.startswith("_reportgen_")]
    out = predicted.select(
        *[col(c) for c in kept],
        segment.cast("int").alias("segment"),
        name.alias("segment_name"),
        F.round(F.sqrt(squared), 4).alias("distance"),
    )
    target = folder / "segments"
    out.write.mode("error").parquet(str(target))
    return {"segments": target}


def _vector_to_array(column: Column) -> Column:
    from pyspark.ml.functions import vector_to_array

    return vector_to_array(column)
