"""The run owns its helper processes: real `reportgen` processes (not CliRunner), failing many
times, and killed mid-PDF with SIGTERM and SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import MALL

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
COMMAND = [sys.executable, "-c", "from reportgen.cli import main; main()"]


def session_members(session: int) -> list[int]:
    """Processes of a session (the run and everything it started), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session and fields[0] != "Z":  # field 6 of stat: the session id
            found.append(int(entry.name))
    return found


def wait_until_gone(session: int, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = session_members(session)
        if not left:
            return []
        time.sleep(0.1)
    return session_members(session)


@pytest.mark.slow
def test_failing_runs_print_one_line_and_nothing_after(tmp_path: Path) -> None:
    """The error comes after the helpers started; nothing may follow it on stderr, even after
    the command exited (communicate() reads stderr until every process holding it closed it),
    and no helper outlives the command."""
    for i in range(30):
        proc = subprocess.Popen(
            [*COMMAND, "run", str(MALL), "--out", str(tmp_path / f"o{i}"), "--feature", "Nope"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its pid is the session id of everything it starts
        )
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 1
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), err
        assert not wait_until_gone(proc.pid, 5.0), f"helpers left after failing run {i}"


def big_table(tmp_path: Path) -> Path:
    """A table whose report takes a few seconds, so a kill lands mid-run."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 60_000
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(n)],
            **{f"spend_{j}": np.round(rng.lognormal(4 + j % 3, 1, n), 2) for j in range(6)},
            "visits": rng.integers(0, 50, n),
            "region": rng.choice(["North", "South", "East", "West"], n),
        }
    )
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("kill", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_run_leaves_no_helper_and_no_staging_folder(
    tmp_path: Path, kill: signal.Signals
) -> None:
    table = big_table(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*COMMAND, "run", str(table), "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill once the HTML is staged: the PDF is next
        staged = list(tmp_path.glob(".out.partial-*/report.html"))
        if staged or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    assert len(session_members(proc.pid)) > 1, "the helpers were running"
    os.kill(proc.pid, kill)
    proc.wait(timeout=60)
    proc.stdout.close()  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    assert not wait_until_gone(proc.pid), "helper processes outlived the run"
    if kill == signal.SIGTERM:  # the run cleaned up after itself
        assert not list(tmp_path.glob(".out.*")) and not out.exists()
    # the next run into the same place cleans what a killed run left, and works
    done = subprocess.run(
        [*COMMAND, "run", str(table), "--out", str(out), "--quiet", "--format", "none"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "out"]
