"""Monthly runs: a saved model keeps segments stable; refits are matched; changes reported."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from reportgen.cli import main
from tests.conftest import MALL, blobs


def run(*args: str) -> None:
    result = CliRunner().invoke(main, ["run", *args, "--quiet"])
    assert result.exit_code == 0, result.stderr + result.stdout


def fail(*args: str) -> str:
    result = CliRunner().invoke(main, ["run", *args])
    assert result.exit_code == 1, result.stdout
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """October: 4 known segments. November: 30 customers moved to another segment's profile,
    60 gone, and 400 new customers whose measure_1 is twenty times as high (a shifted
    distribution that leaves the returning customers' values alone)."""
    tmp = tmp_path_factory.mktemp("months")
    october, truth = blobs(4, n=900, seed=5)
    rng = np.random.default_rng(11)
    november = october.copy()
    measures = [c for c in october.columns if c.startswith("measure")]
    donors = {label: october[truth == label][measures].mean() for label in range(4)}
    moved = rng.choice(len(october), 30, replace=False)
    for row in moved:
        target = (truth[row] + 1) % 4
        november.loc[row, measures] = donors[target].to_numpy() * rng.uniform(0.97, 1.03, 4)
    gone = rng.choice(np.setdiff1d(np.arange(len(october)), moved), 60, replace=False)
    november = november.drop(index=gone)
    fresh = october.sample(400, random_state=8).reset_index(drop=True)
    fresh["customer_id"] = [f"N{i:04d}" for i in range(400)]
    fresh["measure_1"] = (fresh["measure_1"] * 20).round(2)
    november = pd.concat([november, fresh], ignore_index=True)
    paths = {"october": tmp / "october.csv", "november": tmp / "november.csv"}
    october.to_csv(paths["october"], index=False)
    november.to_csv(paths["november"], index=False)
    run(
        str(paths["october"]),
        "--out",
        str(tmp / "2026-10"),
        "--period",
        "2026-10",
        "--format",
        "html",
    )
    return {
        "tmp": tmp,
        "paths": paths,
        "moved": set(october.loc[moved, "customer_id"]),
        "gone": set(october.loc[gone, "customer_id"]),
        "october": october,
    }


def _segments(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "segments.csv").set_index("customer_id")


def test_assign_mode_keeps_every_unchanged_customer_in_its_segment(months) -> None:  # type: ignore[no-untyped-def]
    tmp = months["tmp"]
    out = tmp / "2026-11-assign"
    run(
        str(months["paths"]["november"]),
        "--out",
        str(out),
        "--period",
        "2026-11",
        "--baseline",
        str(tmp / "2026-10"),
        "--format",
        "html",
    )
    before, after = _segments(tmp / "2026-10"), _segments(out)
    unchanged = [c for c in before.index if c in after.index and c not in months["moved"]]
    assert len(unchanged) == 900 - 60 - 30
    assert (after.loc[unchanged, "segment"] == before.loc[unchanged, "segment"]).all()
    assert (after.loc[unchanged, "segment_name"] == before.loc[unchanged, "segment_name"]).all()
    moved = [c for c in months["moved"] if c in after.index]
    assert (after.loc[moved, "segment"] != before.loc[moved, "segment"]).mean() > 0.9
    # previous_segment is the October segment where the customer was known, blank otherwise
    known = after.index.isin(before.index)
    assert (after.loc[known, "previous_segment"] == before.loc[after.index[known], "segment"]).all()
    assert after.loc[~known, "previous_segment"].isna().all() and (~known).sum() == 400
    summary = json.loads((out / "summary.json").read_text())
    comparison = summary["comparison"]
    assert comparison["mode"] == "assign" and comparison["previous_period"] == "2026-10"
    assert comparison["new_customers"] == 400 and comparison["gone_customers"] == 60
    counts = np.array(comparison["migration"]["counts"])
    assert counts.sum() == comparison["migration"]["customers_in_both"] == 840
    assert np.trace(counts) == 840 - sum(
        1 for c in moved if after.loc[c, "segment"] != before.loc[c, "segment"]
    )
    assert any("measure_1" in alert for alert in comparison["drift"])
    assert summary["k_selection"]["method"] == "baseline"
    old_names = {
        s["id"]: s["name"]
        for s in json.loads((tmp / "2026-10" / "summary.json").read_text())["segments"]
    }
    assert {s["id"]: s["name"] for s in summary["segments"]} == old_names


def test_refit_names_survive_a_reshuffle_and_another_seed(months) -> None:  # type: ignore[no-untyped-def]
    tmp = months["tmp"]
    shuffled = pd.read_csv(months["paths"]["november"]).sample(frac=1, random_state=9)
    path = tmp / "november-shuffled.csv"
    shuffled.to_csv(path, index=False)
    out = tmp / "2026-11-refit"
    run(
        str(path),
        "--out",
        str(out),
        "--period",
        "2026-11",
        "--baseline",
        str(tmp / "2026-10" / "model.json"),
        "--mode",
        "refit",
        "--seed",
        "123",
        "--format",
        "html",
    )
    before, after = _segments(tmp / "2026-10"), _segments(out)
    common = [c for c in before.index if c in after.index and c not in months["moved"]]
    agree = (after.loc[common, "segment_name"] == before.loc[common, "segment_name"]).mean()
    assert agree > 0.98
    summary = json.loads((out / "summary.json").read_text())
    statuses = {s["name"]: s["status"] for s in summary["comparison"]["segments"]}
    old_names = {
        s["name"] for s in json.loads((tmp / "2026-10" / "summary.json").read_text())["segments"]
    }
    assert all(statuses[name] == "survived" for name in old_names)
    # the 400 shifted newcomers may form segments of their own: those are reported as new
    for name in set(statuses) - old_names:
        assert statuses[name] == "new"
        members = after[after["segment_name"] == name].index
        assert members.str.startswith("N").mean() > 0.9
    counts = np.array(summary["comparison"]["migration"]["counts"])
    assert counts.sum() == 840


def test_mall_second_month_reproduces_the_segment_names(tmp_path: Path) -> None:
    first = tmp_path / "2026-10"
    run(str(MALL), "--out", str(first), "--period", "2026-10", "--format", "html")
    rng = np.random.default_rng(4)
    frame = pd.read_csv(MALL, dtype={"CustomerID": str}).sample(frac=1, random_state=2)
    for column in ("Age", "Annual Income (k$)", "Spending Score (1-100)"):
        frame[column] = (frame[column] + rng.integers(-2, 3, len(frame))).clip(lower=1)
    path = tmp_path / "mall-november.csv"
    frame.to_csv(path, index=False)
    names_then = {s["name"] for s in json.loads((first / "summary.json").read_text())["segments"]}
    for mode in ("assign", "refit"):
        out = tmp_path / f"2026-11-{mode}"
        run(
            str(path),
            "--out",
            str(out),
            "--period",
            "2026-11",
            "--baseline",
            str(first),
            "--mode",
            mode,
            "--seed",
            "5",
            "--format",
            "pdf" if mode == "refit" else "html",
        )
        summary = json.loads((out / "summary.json").read_text())
        assert {s["name"] for s in summary["segments"]} == names_then, mode
    text = "\n".join(p.extract_text() for p in PdfReader(out / "report.pdf").pages)
    assert "Changes since 2026-10" in text
    assert "Migration between segments" in text
    assert "Migration of the 200 customers present in both 2026-10 and now" in text


def test_missing_feature_columns_are_named(months, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    frame = pd.read_csv(months["paths"]["november"]).rename(columns={"measure_2": "m2"})
    path = tmp_path / "renamed.csv"
    frame.to_csv(path, index=False)
    error = fail(
        str(path), "--out", str(tmp_path / "o"), "--baseline", str(months["tmp"] / "2026-10")
    )
    assert "needs the column(s) measure_2" in error and "--mode refit" in error
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"format": "reportgen-model", "version": 99, "reportgen_version": "9.0"}',
            "model format version 99 was written by reportgen 9.0",
        ),
        ('{"hello": 1}', "not a reportgen model file"),
        ("not json at all", "not a reportgen model (not readable JSON)"),
        ('{"format": "reportgen-model", "version": 1, "features": []}', "damaged reportgen model"),
    ],
)
def test_bad_models_are_refused(tmp_path: Path, content: str, message: str) -> None:
    model = tmp_path / "model.json"
    model.write_text(content)
    error = fail(str(MALL), "--out", str(tmp_path / "o"), "--baseline", str(model))
    assert message in error


def test_a_model_file_is_data_not_code(tmp_path: Path) -> None:
    """Loading a model never runs code: a pickle payload is just unreadable JSON."""
    import pickle

    model = tmp_path / "model.json"
    model.write_bytes(pickle.dumps({"format": "reportgen-model"}))
    assert "not a reportgen model" in fail(
        str(MALL), "--out", str(tmp_path / "o"), "--baseline", str(model)
    )


def _tamper(model: dict, how: str) -> dict:  # type: ignore[type-arg]
    if how == "nan centre":
        model["centers"][0][0] = float("nan")
    elif how == "zero scale":
        model["features"][0]["scale"] = 0.0
    elif how == "duplicate ids":
        model["segments"][1]["id"] = model["segments"][0]["id"]
    elif how == "unknown transform":
        model["features"][0]["transform"] = "sqrt"
    elif how == "infinite edge":
        first = next(iter(model["reference"]))
        model["reference"][first][0] = float("inf")
    return model


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("nan centre", "a segment centre is not a finite number"),
        ("zero scale", "scale must be above zero"),
        ("duplicate ids", "segment ids repeat"),
        ("unknown transform", "unknown transform 'sqrt'"),
        ("infinite edge", "drift reference edge is not a finite number"),
    ],
)
def test_a_tampered_model_is_refused_in_one_line(
    months, tmp_path: Path, how: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    saved = json.loads((months["tmp"] / "2026-10" / "model.json").read_text(encoding="utf-8"))
    model = tmp_path / "model.json"
    model.write_text(json.dumps(_tamper(saved, how)), encoding="utf-8")
    error = fail(
        str(months["paths"]["november"]), "--out", str(tmp_path / "o"), "--baseline", str(model)
    )
    assert f"{model}: damaged reportgen model (" in error and message in error
    assert not (tmp_path / "o").exists()


def test_a_model_nested_100000_deep_is_refused_in_one_line(tmp_path: Path) -> None:
    model = tmp_path / "model.json"
    model.write_text(
        '{"format": "reportgen-model", "version": 1, "k": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    error = fail(str(MALL), "--out", str(tmp_path / "o"), "--baseline", str(model))
    assert "not a reportgen model (JSON nested too deeply)" in error
