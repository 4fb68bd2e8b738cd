"""Machine-readable files: segments.csv and summary.json."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from reportgen.errors import ReportgenError
from reportgen.report.outputs import segments_csv, to_json, write_segments_csv
from reportgen.report.summary import Summary
from tests.conftest import DefaultRun


def test_segments_csv_columns_and_formula_neutralising() -> None:
    ids = pd.Series(['=HYPERLINK("x")', "C2", "-5", "@SUM(A1)"])
    text = segments_csv(
        ids, "customer", np.array([1, 2, 1, 2]), {1: "A", 2: "+B"}, np.array([0.5, 1.25, 0.0, 2.0])
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["customer", "segment", "segment_name", "distance"]
    assert rows[1] == ['\'=HYPERLINK("x")', "1", "A", "0.5"]
    assert rows[2] == ["C2", "2", "'+B", "1.25"]
    assert rows[3][0] == "-5"  # a number stays a number
    assert rows[4][0] == "'@SUM(A1)"


def test_segments_csv_written_to_a_file_is_the_same_text(tmp_path: Path) -> None:
    ids = pd.Series(['=HYPERLINK("x")', "C2", None, 'é, "quoted"'])
    args = (ids, "customer", np.array([1, 2, 1, 2]), {1: "A", 2: "+B, b"}, np.array([0.5, 1, 0, 2]))
    extra = {"previous_segment": pd.array([1, None, 2, 2], dtype="Int64").to_numpy(object)}
    path = write_segments_csv(tmp_path / "segments.csv", *args, extra)
    assert path.read_bytes() == segments_csv(*args, extra).encode("utf-8")


def test_json_is_plain_and_has_no_nan() -> None:
    text = to_json({"a": np.float64(0.1), "b": float("nan"), "c": np.int64(3), "d": (1, 2)})
    assert json.loads(text) == {"a": 0.1, "b": None, "c": 3, "d": [1, 2]}


def test_summary_json_is_the_typed_summary_written_and_read_back(mall_report: DefaultRun) -> None:
    """summary.json is ``Summary.to_json()``, and reading it gives the same Summary."""
    written = mall_report.result.summary
    text = (mall_report.out / "summary.json").read_text(encoding="utf-8")
    assert isinstance(written, Summary) and written.to_json() == text
    read = Summary.from_json(text)
    assert read == written and Summary.from_json(read.to_json()) == read
    assert read.segments[0].traits == () or read.segments[0].traits[0].direction in ("high", "low")
    assert read.report is not None and read.comparison is None


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["segments"][1].pop("size"), "(no segments[1].size)"),
        (
            lambda d: d["input"].update(rows="many"),
            "(input.rows must be a whole number, not 'many')",
        ),
        (lambda d: d.pop("segments"), "(no segments)"),
        (lambda d: d["report"].update(title=None), "(report.title must be text, not None)"),
        (
            lambda d: d["segments"][0]["traits"].append(3),
            "(segments[0].traits[0] must be an object",
        ),
    ],
)
def test_a_summary_that_reportgen_did_not_write_is_one_line_naming_the_key(
    mall_report: DefaultRun, change: Callable[[dict[str, Any]], object], problem: str
) -> None:
    data = json.loads((mall_report.out / "summary.json").read_text(encoding="utf-8"))
    data["segments"][0]["traits"] = []
    change(data)
    with pytest.raises(ReportgenError) as caught:
        Summary.from_json(json.dumps(data), source="old/summary.json")
    message = str(caught.value)
    assert message.startswith("old/summary.json is not a reportgen summary ") and problem in message
    assert "\n" not in message
    with pytest.raises(ReportgenError, match=r"^x\.json cannot be read \(Expecting "):
        Summary.from_json("{not json", source="x.json")
