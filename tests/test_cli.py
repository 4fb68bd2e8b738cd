"""End to end through the command line: outputs, summary, exit codes, errors, determinism."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from tests.conftest import MALL, PERSONALITY, WHOLESALE, DefaultRun, DefaultRuns, blobs, pdf_text

OUTPUTS = {"report.html", "report.pdf", "segments.csv", "summary.json", "model.json"}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_ok(*args: str) -> str:
    code, out, err = invoke("run", *args)
    assert code == 0, err + out
    return out


@pytest.fixture
def pipeline_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """For tests of the command line layer only: ``reportgen.pipeline.run`` is replaced, so
    nothing runs; each call's Config and keyword arguments are kept."""
    from reportgen import pipeline

    calls: list[tuple[Any, dict[str, Any]]] = []

    def fake_run(config: Any, **kwargs: Any) -> Any:
        calls.append((config, kwargs))
        return SimpleNamespace(out=config.out)

    monkeypatch.setattr(pipeline, "run", fake_run)
    return calls


@pytest.fixture(scope="module")
def mall_two(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mall") / "out"
    run_ok(
        str(MALL),
        "--out",
        str(out),
        "--feature",
        "Annual Income (k$)",
        "--feature",
        "Spending Score (1-100)",
        "--quiet",
    )
    return out


def test_quick_start_writes_every_output_and_prints_a_summary(mall_report: DefaultRun) -> None:
    out, printed = mall_report.out, mall_report.printed  # reportgen run MALL --out OUT
    assert OUTPUTS <= {p.name for p in out.iterdir()}
    assert "Read " in printed and "200 rows, 5 columns (csv, utf-8, comma)" in printed
    # Age describes who customers are: shown per segment, not clustered
    assert "Features (2): Annual Income (k$), Spending Score (1-100)" in printed
    summary = json.loads((out / "summary.json").read_text())
    k = summary["k_selection"]["k"]
    assert k == 5 and round(summary["silhouette"], 3) == 0.555
    verdict = summary["k_selection"]["structure"]["verdict"]
    assert verdict == "clear"
    assert f"k = {k}: k={k} has the best consensus score" in printed
    assert f"Structure: {verdict} (gap " in printed
    for seg in summary["segments"]:
        assert seg["name"] in printed
    assert f"Wrote {out.resolve()}" in printed
    text = "\n".join(pdf_text(out / "report.pdf"))
    assert "Choosing the number of segments" in text
    for seg in summary["segments"]:
        assert seg["name"] in text


def test_mall_income_and_spending_gives_k5_with_good_silhouette(mall_two: Path) -> None:
    summary = json.loads((mall_two / "summary.json").read_text())
    assert summary["k_selection"]["k"] == 5
    assert summary["silhouette"] >= 0.55
    assert [f["name"] for f in summary["features"]] == [
        "Annual Income (k$)",
        "Spending Score (1-100)",
    ]
    sizes = sorted((s["size"] for s in summary["segments"]), reverse=True)
    assert sizes == [s["size"] for s in summary["segments"]]  # numbered by size
    assert sum(sizes) == 200
    seg = pd.read_csv(mall_two / "segments.csv")
    assert list(seg.columns) == ["CustomerID", "segment", "segment_name", "distance"]
    assert seg["CustomerID"].tolist() == list(range(1, 201))
    counts = seg["segment"].value_counts().sort_index().tolist()
    assert counts == [s["size"] for s in summary["segments"]]


def test_summary_json_has_the_documented_fields(mall_two: Path) -> None:
    summary = json.loads((mall_two / "summary.json").read_text())
    assert summary["reportgen_version"]
    assert {"path", "sha256", "rows", "columns", "encoding", "delimiter"} <= set(summary["input"])
    import hashlib

    assert summary["input"]["sha256"] == hashlib.sha256(MALL.read_bytes()).hexdigest()
    ks = summary["k_selection"]
    assert {"k", "method", "rationale", "ambiguous", "candidates"} <= set(ks)
    assert {
        "k",
        "inertia",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "stability",
    } <= set(ks["candidates"][0])
    assert {d["name"] for d in summary["dropped_columns"]} == {"CustomerID", "Genre", "Age"}
    seg = summary["segments"][0]
    assert {"id", "name", "size", "share", "centroid", "traits", "recommendations"} <= set(seg)
    assert all(s["recommendations"] for s in summary["segments"])
    model = json.loads((mall_two / "model.json").read_text())
    assert model["format"] == "reportgen-model" and model["k"] == 5
    assert len(model["centers"]) == 5 and len(model["features"]) == 2


def test_same_input_and_seed_give_identical_outputs(tmp_path: Path, mall_two: Path) -> None:
    out = tmp_path / "again"
    run_ok(
        str(MALL),
        "--out",
        str(out),
        "--feature",
        "Annual Income (k$)",
        "--feature",
        "Spending Score (1-100)",
        "--quiet",
        "--format",
        "html",
    )
    for name in ("segments.csv", "summary.json", "model.json"):
        assert (out / name).read_bytes() == (mall_two / name).read_bytes(), name


def test_personality_quirks_are_handled_and_reported(default_run: DefaultRuns) -> None:
    out = default_run(PERSONALITY).out  # reportgen run PERSONALITY --out OUT
    summary = json.loads((out / "summary.json").read_text())
    assert summary["input"]["delimiter"] == "\t"
    dropped = {d["name"]: d["reason"] for d in summary["dropped_columns"]}
    assert "constant" in dropped["Z_CostContact"] and "constant" in dropped["Z_Revenue"]
    assert "identifier" in dropped["ID"]
    assert "outcome" in dropped["Response"]
    features = {f["name"]: f for f in summary["features"]}
    assert features["Income"]["imputed"] == 24
    assert "Dt_Customer tenure (days)" in features
    alerts = {(a["kind"], a["column"]): a["message"] for a in summary["profile"]["alerts"]}
    assert "1893, 1899, 1900" in alerts[("implausible_values", "Year_Birth")]
    assert (
        "04-09-2012" in alerts.get(("day_first_dates", "Dt_Customer"), "")
        or "day first" in alerts[("day_first_dates", "Dt_Customer")]
    )
    assert "24 values" in alerts[("missing", "Income")]
    assert ("constant", "Z_Revenue") in alerts
    html = (out / "report.html").read_text()
    assert "Z_CostContact" in html and "written day first" in html


def test_wholesale_codes_are_described_not_clustered(default_run: DefaultRuns) -> None:
    out = default_run(WHOLESALE).out  # reportgen run WHOLESALE --out OUT
    summary = json.loads((out / "summary.json").read_text())
    assert "Channel" not in [f["name"] for f in summary["features"]]
    assert "Region" not in [f["name"] for f in summary["features"]]
    dropped = {d["name"]: d["reason"] for d in summary["dropped_columns"]}
    assert "code a category" in dropped["Channel"] and "code a category" in dropped["Region"]
    assert summary["described_columns"] == ["Channel", "Region"]
    assert all(f["transform"] == "log1p" for f in summary["features"])
    seg = pd.read_csv(out / "segments.csv")
    assert list(seg.columns)[0] == "row" and seg["row"].tolist() == list(range(1, 441))


def test_known_segments_through_the_whole_pipeline(tmp_path: Path) -> None:
    from sklearn.metrics import adjusted_rand_score

    frame, truth = blobs(4, seed=1, n=800)
    source = tmp_path / "known.csv.gz"
    with gzip.open(source, "wt", encoding="utf-8") as handle:
        frame.to_csv(handle, index=False)
    out = tmp_path / "o"
    run_ok(str(source), "--out", str(out), "--format", "html", "--quiet")
    seg = pd.read_csv(out / "segments.csv")
    assert seg["customer_id"].tolist() == frame["customer_id"].tolist()
    assert seg["segment"].nunique() == 4
    assert adjusted_rand_score(truth, seg["segment"]) >= 0.9


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    (tmp / "empty.csv").write_text("")
    (tmp / "header.csv").write_text("a,b,c\n")
    (tmp / "few.csv").write_text("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(5)))
    (tmp / "text.csv").write_text("name,city\n" + "".join(f"n{i},c{i % 3}\n" for i in range(30)))
    (tmp / "same.csv").write_text("a,b\n" + "1,2\n" * 40)
    (tmp / "junk.csv").write_bytes(bytes(range(256)) * 20)
    (tmp / "ragged.csv").write_text("a,b\n1,2\n3,4\n5,6,7\n8,9\n")
    (tmp / "bad.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (tmp / "bad.parquet").write_bytes(b"PAR1 truncated")
    shutil.copy(MALL, tmp / "mall.csv")
    return {
        "missing": (["missing.csv"], "missing.csv: no such file"),
        "empty": (["empty.csv"], "empty.csv is empty"),
        "header": (["header.csv"], "header.csv has a header but no data rows"),
        "few": (["few.csv"], "only 5 rows; segmenting needs at least 10"),
        "text": (["text.csv"], "no column describes how customers behave"),
        "same": (["same.csv"], "all 40 rows are identical"),
        "junk": (["junk.csv"], "does not look like a text table"),
        "ragged": (["ragged.csv"], "line 4 has 3 fields but the header has 2"),
        "xlsx": (["bad.xlsx"], "bad.xlsx could not be read as Excel"),
        "parquet": (["bad.parquet"], "bad.parquet could not be read as Parquet"),
        "feature": (["mall.csv", "--feature", "Incom"], "no column named 'Incom'"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "empty",
        "header",
        "few",
        "text",
        "same",
        "junk",
        "ragged",
        "xlsx",
        "parquet",
        "feature",
    ],
)
def test_bad_input_is_one_clear_line_and_writes_nothing(tmp_path: Path, case: str) -> None:
    args, message = _bad_inputs(tmp_path)[case]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    out = tmp_path / "out"
    code, stdout, stderr = invoke("run", str(tmp_path / args[0]), *args[1:], "--out", str(out))
    assert code == 1
    assert message in stderr
    assert stderr.startswith("Error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before  # inputs untouched


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    result = CliRunner().invoke(main, ["run", str(tmp_path / "empty.csv"), "--debug"])
    assert result.exit_code == 1 and result.exception is not None


def test_existing_output_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = invoke("run", str(MALL), "--out", str(out))
    assert code == 1 and "already exists and is not empty" in err
    code, _, err = invoke("run", str(MALL), "--out", str(out), "--force")
    assert code == 1 and "was not made by reportgen" in err
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "args",
    [
        ["--k", "3", "--k-max", "5"],
        ["--k", "1"],
        ["--format", "docx"],
        ["--bogus"],
    ],
)
def test_bad_usage_exits_2(args: list[str], pipeline_calls: list[Any]) -> None:
    code, _, _ = invoke("run", str(MALL), *args)
    assert code == 2
    assert pipeline_calls == []


def test_fixed_k_and_seed_flags(tmp_path: Path, pipeline_calls: list[Any]) -> None:
    """The flags reach the Config (what the library does with it: test_pipeline.py)."""
    out = tmp_path / "k4"
    run_ok(str(MALL), "--out", str(out), "--k", "4", "--seed", "11", "--format", "html", "--quiet")
    [(config, kwargs)] = pipeline_calls
    assert (config.input, config.out) == (MALL, out)
    assert config.clustering.k == 4 and config.clustering.seed == 11
    assert config.report.formats == ("html",)
    assert kwargs == {"progress": None, "notify": None}  # --quiet: nothing to hear of


def test_help_lists_every_documented_flag() -> None:
    code, out, _ = invoke("run", "--help")
    assert code == 0
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for flag in (
        "--out",
        "--feature",
        "--exclude",
        "--id-column",
        "--k",
        "--k-min",
        "--k-max",
        "--seed",
        "--config",
        "--format",
        "--title",
        "--force",
        "--quiet",
        "--debug",
        "--sheet",
        "--period",
        "--paper",
        "--max-text-length",
        "--template-dir",
        "--playbook",
    ):
        assert flag in out, flag
        assert f"`{flag}" in readme, f"{flag} is not documented in the README"


def test_format_none_writes_no_report(tmp_path: Path) -> None:
    out = tmp_path / "none"
    run_ok(str(MALL), "--out", str(out), "--k", "3", "--format", "none", "--quiet")
    assert sorted(p.name for p in out.iterdir()) == [
        ".reportgen",
        "model.json",
        "segments.csv",
        "summary.json",
    ]


@pytest.mark.slow  # a real process or a large table: CI runs it with -m slow
def test_piped_output_arrives_line_by_line_as_the_run_goes(tmp_path: Path) -> None:
    """Through a pipe, the "Read" line is there while the report is still being made."""
    import subprocess
    import sys

    out = tmp_path / "o"
    command = [sys.executable, "-c", "from reportgen.cli import main; main()"]
    with subprocess.Popen(
        [*command, "run", str(MALL), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        written_by_then = (out / "summary.json").exists()
        rest = process.stdout.read()
    assert first.startswith(f"Read {MALL}: 200 rows, 5 columns")
    assert not written_by_then
    assert process.returncode == 0 and rest.rstrip().splitlines()[-1].startswith(f"Wrote {out}")
