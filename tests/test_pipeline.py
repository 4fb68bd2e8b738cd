"""The library API a notebook uses: reportgen.run(Config) -> RunResult, silent, with progress."""

from __future__ import annotations

import json
from pathlib import Path

import reportgen
from reportgen import Config
from tests.conftest import MALL, DefaultRun


def test_run_from_python_returns_every_stage_result(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    events: list[tuple[str, int, int]] = []
    result = reportgen.run(
        Config.build(input=MALL, out=tmp_path / "o", k=4, seed=11, formats=("html",)),
        progress=lambda stage, done, total: events.append((stage, done, total)),
    )
    assert capsys.readouterr() == ("", "")  # the library never prints
    assert result.selection.k == 4 and len(result.segments.segments) == 4
    assert set(result.files) == {"report.html", "segments.csv", "summary.json", "model.json"}
    assert not (tmp_path / "o" / "report.pdf").exists()
    summary = json.loads(result.files["summary.json"].read_text())  # k and seed as given
    assert summary["k_selection"]["k"] == 4 and summary["k_selection"]["method"] == "fixed"
    assert summary["parameters"]["seed"] == 11
    assert all(path.is_file() for path in result.files.values())
    started = [stage for stage, done, total in events if total == 0]
    assert started[:4] == ["load", "profile", "features", "select k"]
    assert any(stage == "charts" and total > 0 and done == total for stage, done, total in events)
    assert set(result.timings) >= {"load", "profile", "select k", "fit", "charts", "html"}


def test_the_method_table_gives_the_k_range_actually_swept(
    tmp_path: Path, mall_report: DefaultRun
) -> None:
    """Twelve clear segments: the sweep asked for 2 to 10 goes on past 10, and the report
    says so rather than the range asked for; the mall's sweep stays at 2 to 10."""
    import re

    from tests.conftest import blobs

    frame, _ = blobs(12, n=2400, p=4, seed=3, min_gap=5.0)
    path = tmp_path / "twelve.csv"
    frame.to_csv(path, index=False)
    result = reportgen.run(Config.build(input=path, out=tmp_path / "o", formats=("html",)))
    low, high = result.selection.k_range
    assert result.selection.extended and (low, high) == (2, 15)
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    row = re.search(r"<th>K range swept</th><td>([^<]*)</td>", html)
    assert row is not None and row.group(1).startswith("2 to 15 (k max 10 extended")

    mall = mall_report.result  # the session's run of the mall table with no flags
    assert mall.selection.k_range == (2, 10) and not mall.selection.extended
    html = (mall_report.out / "report.html").read_text(encoding="utf-8")
    assert "<th>K range swept</th><td>2 to 10</td>" in html
