"""Output folder safety and machine-readable files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.errors import ConfigError
from reportgen.outputs import (
    MARKER,
    check_target,
    segments_csv,
    staged,
    to_json,
    write_segments_csv,
)


def test_staged_folder_appears_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "report"
    with pytest.raises(RuntimeError):
        with staged(out) as folder:
            (folder / "half.txt").write_text("x")
            raise RuntimeError("boom")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder left behind
    with staged(out) as folder:
        (folder / "a.txt").write_text("x")
    assert (out / "a.txt").read_text() == "x" and (out / MARKER).is_file()


def test_failed_rerun_keeps_the_previous_report(tmp_path: Path) -> None:
    out = tmp_path / "report"
    with staged(out) as folder:
        (folder / "report.html").write_text("old")
    with pytest.raises(RuntimeError):
        with staged(out) as folder:
            (folder / "report.html").write_text("new")
            raise RuntimeError
    assert (out / "report.html").read_text() == "old"
    with staged(out) as folder:
        (folder / "report.html").write_text("new")
    assert (out / "report.html").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_existing_folders_need_force_and_a_marker(tmp_path: Path) -> None:
    check_target(tmp_path / "new", force=False)
    (tmp_path / "empty").mkdir()
    check_target(tmp_path / "empty", force=False)
    mine = tmp_path / "mine"
    with staged(mine) as folder:
        (folder / "x").write_text("1")
    with pytest.raises(ConfigError, match="already exists and is not empty; use --force"):
        check_target(mine, force=False)
    check_target(mine, force=True)
    other = tmp_path / "docs"
    other.mkdir()
    (other / "thesis.docx").write_text("precious")
    with pytest.raises(ConfigError, match="was not made by reportgen"):
        check_target(other, force=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        check_target(tmp_path / "file", force=True)


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
