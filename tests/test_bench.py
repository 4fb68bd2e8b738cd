"""bench/run.py's pure helpers (medians of runs, segments joined on the id, targets); no
reportgen run and no timing here: speed targets live in the bench, not in tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def _run(wall: float, select_k: float, peak: float, k: int = 5) -> dict:
    return {
        "import": 0.5,
        "stages": {"load": 0.1, "select k": select_k},
        "wall": wall,
        "peak_mb": peak,
        "main_mb": peak - 100,
        "helpers_mb": 100.0,
        "k": k,
        "rows": 200,
    }


def test_median_run_takes_each_figure_s_median_and_keeps_every_run() -> None:
    runs = [_run(5.0, 2.0, 400), _run(9.0, 1.0, 420), _run(4.0, 3.0, 410)]
    result = bench.median_run(runs)
    assert (result["wall"], result["peak_mb"], result["stages"]["select k"]) == (5.0, 410, 2.0)
    assert result["runs"] == runs and result["k"] == 5 and "ks" not in result
    assert bench.median_run([_run(5.0, 2.0, 400, k=5), _run(6.0, 2.0, 400, k=6)])["ks"] == [5, 6]


def _segments(ids: list[str], segments: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"id": ids, "segment": segments})


def test_segments_are_joined_on_the_id_whatever_the_order_and_numbering() -> None:
    now = _segments(["a", "b", "c", "d"], [0, 0, 1, 1])
    before = _segments(["d", "c", "b", "a"], [7, 7, 3, 3])  # same grouping, other numbers
    joined = bench.join_segments(now, before)
    assert joined.set_index("id")["theirs"].to_dict() == {"a": 3, "b": 3, "c": 7, "d": 7}
    # compare_segments's adjusted Rand is scikit-learn's, not imported here (a second alone)
    same = {"ari": 1.0, "k": 2, "k_previous": 2, "rows": 4, "rows_previous": 4, "joined": 4}
    assert bench.describe_comparison(same) == "1.000 vs previous, k 2 = 2"


def test_a_changed_k_and_missing_customers_are_said() -> None:
    comparison = {"ari": 0.5, "k": 3, "k_previous": 2, "rows": 4, "rows_previous": 5}
    text = bench.describe_comparison({**comparison, "joined": 4})
    assert text == "k changed 2 -> 3 (adjusted Rand 0.500); 4 customers in both (4 now, 5 before)"
    assert bench.describe_comparison({"missing": "x/mall"}) == "no previous segments in x/mall"


def test_ids_are_read_as_text_from_the_first_column(tmp_path: Path) -> None:
    (tmp_path / "segments.csv").write_text("CustomerID,segment,segment_name\n007,1,A\n7,0,B\n")
    frame = bench.read_segments(tmp_path)
    assert frame.to_dict("list") == {"id": ["007", "7"], "segment": [1, 0]}


@pytest.mark.parametrize(
    ("label", "wall", "peak", "expected"),
    [
        ("mall", 3.9, 400, ("4 s", "yes")),
        ("mall", 4.2, 400, ("4 s", "no")),
        ("synthetic-10000000", 40.0, 5000, ("45 s, 4,096 MB", "no")),
        ("synthetic-10000", 40.0, 5000, ("-", "-")),
    ],
)
def test_targets(label: str, wall: float, peak: float, expected: tuple[str, str]) -> None:
    assert bench.target_verdict(label, wall, peak) == expected
