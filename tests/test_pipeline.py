"""The library API a notebook uses: reportgen.run(Config) -> RunResult, silent, with progress."""

from __future__ import annotations

from pathlib import Path

import reportgen
from reportgen import Config
from tests.conftest import MALL


def test_run_from_python_returns_every_stage_result(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    events: list[tuple[str, int, int]] = []
    result = reportgen.run(
        Config(input=MALL, out=tmp_path / "o", k=4, formats=("html",)),
        progress=lambda stage, done, total: events.append((stage, done, total)),
    )
    assert capsys.readouterr() == ("", "")  # the library never prints
    assert result.selection.k == 4 and len(result.segments.segments) == 4
    assert set(result.files) == {"report.html", "segments.csv", "summary.json", "model.json"}
    assert all(path.is_file() for path in result.files.values())
    started = [stage for stage, done, total in events if total == 0]
    assert started[:4] == ["load", "profile", "features", "select k"]
    assert any(stage == "charts" and total > 0 and done == total for stage, done, total in events)
    assert set(result.timings) >= {"load", "profile", "select k", "fit", "charts", "html"}
