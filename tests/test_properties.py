"""Property-based: any small table of mixed columns either works or gives a ReportgenError."""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen import Config, run
from reportgen.errors import ReportgenError

cells = {
    "float": st.floats(allow_nan=True, allow_infinity=True, width=32),
    "int": st.integers(min_value=-(10**6), max_value=10**6),
    "small_int": st.integers(min_value=0, max_value=3),
    "text": st.text(alphabet=string.ascii_letters + " ,;\"'\t-=<>&", max_size=8),
    "category": st.sampled_from(["a", "b", "NA", "", "-", "North America"]),
    "money": st.floats(min_value=0, max_value=1e6).map(lambda v: f"${v:,.2f}"),
    "date": st.dates().map(lambda d: d.strftime("%d-%m-%Y")),
}


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    n_rows = draw(st.integers(min_value=0, max_value=40))
    kinds = draw(st.lists(st.sampled_from(sorted(cells)), min_size=1, max_size=5))
    data = {}
    for i, kind in enumerate(kinds):
        data[f"{kind}_{i}"] = draw(st.lists(cells[kind], min_size=n_rows, max_size=n_rows))
    return pd.DataFrame(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=tables(), separator=st.sampled_from([",", ";", "\t"]))
def test_random_tables_succeed_or_fail_cleanly(frame: pd.DataFrame, separator: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        frame.to_csv(path, index=False, sep=separator)
        before = path.read_bytes()
        config = Config.build(
            input=path, out=Path(tmp) / "out", formats=(), k_max=4, stability_resamples=2, n_init=2
        )
        try:
            result = run(config)
        except ReportgenError as exc:
            assert str(exc) and "\n" not in str(exc)
            assert not (Path(tmp) / "out").exists()
        else:
            labels = result.segmentation.labels
            assert len(labels) == result.profile.n_rows
            assert set(np.unique(labels)) <= set(result.segmentation.segment_ids)
            assert (Path(tmp) / "out" / "segments.csv").is_file()
        assert path.read_bytes() == before
