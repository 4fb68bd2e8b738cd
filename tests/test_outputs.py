"""Machine-readable files: segments.csv and summary.json."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.outputs import segments_csv, to_json, write_segments_csv


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
