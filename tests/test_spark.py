"""The Spark engine (``--engine spark``) in ``local[2]`` mode against the local engine.

Needs the ``spark`` extra and Java 17 (``.ci/run`` installs both); without them the Spark
runs are skipped with the reason, and the input checks that need no Spark still run.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sklearn.metrics import adjusted_rand_score

from reportgen.cli import main
from reportgen.config import Config
from reportgen.engines import spark as spark_engine
from reportgen.errors import ConfigError, InputError
from reportgen.pipeline import run
from tests.conftest import MALL, blobs

HAVE_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None
pytestmark = pytest.mark.slow  # a JVM and a Spark session: CI runs them (-m slow)
needs_spark = pytest.mark.skipif(not HAVE_SPARK, reason="pyspark extra or Java 17 not installed")


@pytest.fixture(scope="module")
def spark():  # type: ignore[no-untyped-def]
    """One local[2] session for the module; runs without --spark-master use it."""
    if not HAVE_SPARK:
        pytest.skip("pyspark extra or Java 17 not installed")
    session, owned = spark_engine.session("local[2]")
    yield session
    if owned:
        session.stop()


@pytest.fixture(scope="module")
def parquet_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """4 known segments, 3,000 customers with a category column and gaps, in 3 Parquet files."""
    frame, truth = blobs(4, n=3000, p=4, seed=7)
    rng = np.random.default_rng(7)
    frame["plan"] = np.where(truth % 2 == 0, "basic", "premium")
    frame["store"] = rng.integers(1, 4, size=len(frame))  # a coded category
    frame.loc[rng.random(len(frame)) < 0.03, "measure_2"] = np.nan
    folder = tmp_path_factory.mktemp("spark") / "customers"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(frame)), 3)):
        frame.iloc[part].to_parquet(folder / f"part-{i}.parquet", index=False)
    (folder / "_SUCCESS").write_text("")  # Spark's marker files are skipped
    return folder, frame


@pytest.fixture(scope="module")
def both(spark, parquet_folder, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The same table through both engines."""
    folder, frame = parquet_folder
    base = tmp_path_factory.mktemp("engines")
    whole = base / "customers.parquet"
    frame.to_parquet(whole, index=False)
    local = run(Config.build(input=whole, out=base / "local"))
    sparked = run(Config.build(input=folder, out=base / "spark", engine="spark"))
    return local, sparked, frame


@needs_spark
def test_spark_segments_agree_with_the_local_engine(both) -> None:  # type: ignore[no-untyped-def]
    local, sparked, frame = both
    assert sparked.selection.k == local.selection.k == 4
    assigned = pd.read_parquet(sparked.out / "segments")
    assert len(assigned) == len(frame)
    assert list(assigned.columns) == ["customer_id", "segment", "segment_name", "distance"]
    ours = pd.read_csv(local.out / "segments.csv")
    joined = ours.merge(assigned, on="customer_id", suffixes=("_local", "_spark"))
    assert len(joined) == len(frame)
    ari = adjusted_rand_score(joined["segment_local"], joined["segment_spark"])
    assert ari >= 0.95
    # names follow the segments: every Spark segment name is one of the local names
    assert set(assigned["segment_name"]) == set(ours["segment_name"])
    # the distance is to the segment's own centre in standardized units
    assert assigned["distance"].between(0, 10).all()


@needs_spark
def test_spark_counts_are_over_all_rows(both) -> None:  # type: ignore[no-untyped-def]
    _, sparked, frame = both
    summary = json.loads((sparked.out / "summary.json").read_text())
    assert summary["input"]["rows"] == 3000
    assert summary["input"]["engine"] == "spark"
    assert summary["input"]["sha256"] is None
    assigned = pd.read_parquet(sparked.out / "segments")
    counts = assigned["segment"].value_counts().to_dict()
    assert {s["id"]: s["size"] for s in summary["segments"]} == counts
    measure = next(c for c in summary["profile"]["columns"] if c["name"] == "measure_2")
    assert measure["n_missing"] == int(frame["measure_2"].isna().sum())
    assert measure["stats"]["mean"] == pytest.approx(frame["measure_2"].mean())
    assert measure["stats"]["max"] == pytest.approx(frame["measure_2"].max())
    plan = next(c for c in summary["profile"]["columns"] if c["name"] == "plan")
    assert dict(plan["top_values"]) == frame["plan"].value_counts().to_dict()
    store = next(c for c in summary["profile"]["columns"] if c["name"] == "store")
    assert store["role"] == "coded_category"
    assert dict(store["top_values"]) == {
        str(v): n for v, n in frame["store"].value_counts().to_dict().items()
    }


@needs_spark
def test_spark_report_is_produced(both) -> None:  # type: ignore[no-untyped-def]
    _, sparked, _ = both
    text = " ".join(page.extract_text() for page in PdfReader(sparked.out / "report.pdf").pages)
    for segment in sparked.segments.segments:
        assert segment.name in text
    assert "Apache Spark" in text
    html = (sparked.out / "report.html").read_text()
    assert "3,000" in html


@needs_spark
def test_driver_sample_is_bounded_and_sizes_still_count_everyone(
    spark,
    parquet_folder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    folder, frame = parquet_folder
    monkeypatch.setattr(spark_engine, "DRIVER_ROWS", 1000)
    result = run(Config.build(input=folder, out=tmp_path / "out", engine="spark", formats=()))
    assert 880 <= len(result.dataset.frame) <= 1120  # a Bernoulli sample of 1,000 expected
    assert result.profile.n_rows == 3000
    assert sum(s.size for s in result.segments.segments) == 3000
    assert sum(s.share for s in result.segments.segments) == pytest.approx(1.0)
    assert result.selection.n_rows == 3000
    missing = next(s for s in result.features.specs if s.column == "measure_2")
    assert missing.n_imputed == int(frame["measure_2"].isna().sum())
    assert len(pd.read_parquet(result.out / "segments")) == 3000


@needs_spark
def test_cli_reads_a_glob_of_csv_files(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mall = pd.read_csv(MALL)
    parts = tmp_path / "parts"
    parts.mkdir()
    mall.iloc[:120].to_csv(parts / "a.csv", index=False)
    mall.iloc[120:].to_csv(parts / "b.csv", index=False)
    result = CliRunner().invoke(
        main,
        ["run", str(parts / "*.csv"), "--engine", "spark", "--out", str(tmp_path / "o")],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "200 rows" in result.output
    assigned = pd.read_parquet(tmp_path / "o" / "segments")
    assert sorted(assigned["CustomerID"]) == list(range(1, 201))


@needs_spark
def test_repeated_ids_across_files_are_refused(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    frame, _ = blobs(3, n=600, p=3, seed=2)
    folder = tmp_path / "parts"
    folder.mkdir()
    frame.to_parquet(folder / "a.parquet", index=False)
    frame.iloc[:5].to_parquet(folder / "b.parquet", index=False)  # a re-sent batch
    result = CliRunner().invoke(
        main, ["run", str(folder), "--engine", "spark", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(  # the folder named once, by the engine
        "Error: parts: customer_id repeats 5 customer id(s) (e.g. C00000, C00001, C00002)"
    )
    assert not (tmp_path / "o").exists()


def test_resolve_finds_files_folders_and_globs(tmp_path: Path) -> None:
    (tmp_path / "a.parquet").write_bytes(b"")
    (tmp_path / "b.parquet").write_bytes(b"")
    (tmp_path / "_SUCCESS").write_bytes(b"")
    assert spark_engine.resolve(tmp_path)[1] == "parquet"
    assert len(spark_engine.resolve(tmp_path)[0]) == 2
    assert len(spark_engine.resolve(str(tmp_path / "*.parquet"))[0]) == 2
    assert spark_engine.resolve("s3a://bucket/customers/") == (
        ("s3a://bucket/customers/",),
        "parquet",
    )


@pytest.mark.parametrize(
    ("files", "pattern", "message"),
    [
        (["a.csv", "b.parquet"], "", "mixes CSV and Parquet"),
        (["a.json"], "", "not a CSV or Parquet file"),
        ([], "*.csv", "no files match"),
        ([], "", "holds no data files"),
    ],
)
def test_resolve_refuses_what_spark_cannot_read(
    tmp_path: Path, files: list[str], pattern: str, message: str
) -> None:
    for name in files:
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(InputError, match=message):
        spark_engine.resolve(str(tmp_path / pattern) if pattern else tmp_path)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"engine": "dask"}, "engine must be one of local, spark"),
        ({"spark_master": "local[2]"}, "needs engine = spark"),
        ({"engine": "spark", "baseline": Path("x")}, "--baseline is not available"),
        ({"engine": "spark", "transactions": True}, "--transactions is not available"),
    ],
)
def test_engine_settings_are_checked(extra: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.build(input=MALL, **extra)


def test_cli_refuses_spark_with_baseline_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["run", str(MALL), "--engine", "spark", "--baseline", str(tmp_path), "--out", "x"],
    )
    assert result.exit_code == 1
    assert "--baseline is not available with --engine spark" in result.output
    assert "Traceback" not in result.output
