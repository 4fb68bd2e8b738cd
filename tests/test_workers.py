"""The helper processes for charts and the PDF: same results as in-process, and safe to use
from a script without a ``__main__`` guard."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reportgen.report import workers
from tests.conftest import MALL, ROOT


def _square(x: int) -> int:
    return x * x


def test_jobs_give_the_same_results_in_order_with_or_without_helpers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REPORTGEN_WORKERS", "2")
    jobs = [(i,) for i in range(7)]
    with workers.owned() as helpers:
        with_helpers = list(helpers.map_jobs(_square, jobs))
        pids = set(helpers.map_jobs(os.getpid, [() for _ in range(4)]))
    assert os.getpid() not in pids  # they did run elsewhere
    in_process = list(workers.IN_PROCESS.map_jobs(_square, jobs))
    assert with_helpers == in_process == [i * i for i in range(7)]


def _touch(path: str) -> int:
    Path(path).write_text("done")
    return os.getpid()


def test_a_begun_job_runs_while_the_caller_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``begin`` (the PDF while the data files are written): in a helper the job is under way
    before anyone waits for it; in-process it runs at the wait."""
    monkeypatch.setenv("REPORTGEN_WORKERS", "2")
    marker = tmp_path / "done"
    with workers.owned() as helpers:
        wait = helpers.begin(_touch, str(marker))
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists()  # done before the wait was called
        assert wait() != os.getpid()
    marker.unlink()
    wait = workers.IN_PROCESS.begin(_touch, str(marker))
    assert not marker.exists()
    assert wait() == os.getpid() and marker.exists()


def test_the_helpers_end_with_the_block_and_are_killed_when_it_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REPORTGEN_WORKERS", "2")
    for failing in (False, True):
        try:
            with workers.owned() as helpers:
                pids = set(helpers.map_jobs(os.getpid, [() for _ in range(4)]))
                if failing:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            pass
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in pids), (failing, pids)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTGEN_WORKERS", "0")
    assert workers.wanted() == 0
    monkeypatch.setenv("REPORTGEN_WORKERS", "3")
    assert workers.wanted() == 3
    monkeypatch.setenv("REPORTGEN_WORKERS", "many")
    assert workers.wanted() == 0


@pytest.mark.slow  # two fresh interpreters each import everything and make the mall report
def test_charts_and_pdf_text_match_the_in_process_ones(tmp_path: Path) -> None:
    """The report drawn by the helpers is the one drawn in the main process."""
    from pypdf import PdfReader

    outputs = {}
    for setting in ("0", "2"):
        out = tmp_path / f"workers-{setting}"
        script = (
            "from pathlib import Path\n"
            "from reportgen import Config, run\n"
            f"run(Config.build(input=Path({str(MALL)!r}), out=Path({str(out)!r})))\n"
        )
        env = {**os.environ, "REPORTGEN_WORKERS": setting, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=ROOT)
        text = "".join(page.extract_text() for page in PdfReader(out / "report.pdf").pages)
        outputs[setting] = ((out / "report.html").read_text(encoding="utf-8"), text)
    assert outputs["0"] == outputs["2"]


@pytest.mark.slow  # a real process or a large table: CI runs it with -m slow
def test_a_script_without_a_main_guard_runs_once(tmp_path: Path) -> None:
    """The workers do not re-run the caller's script (the stdlib fork server would)."""
    script = tmp_path / "segment.py"
    log = tmp_path / "runs.log"
    script.write_text(
        "from pathlib import Path\n"
        "from reportgen import Config, run\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write('run\\n')\n"
        f"run(Config.build(input=Path({str(MALL)!r}), out=Path({str(tmp_path / 'out')!r}),"
        " formats=('html',)))\n",
        encoding="utf-8",
    )
    env = {**os.environ, "REPORTGEN_WORKERS": "2", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, str(script)], check=True, env=env, cwd=tmp_path)
    assert log.read_text(encoding="utf-8") == "run\n"
    assert (tmp_path / "out" / "report.html").is_file()


@pytest.mark.slow  # a real process or a large table: CI runs it with -m slow
def test_a_stuck_helper_never_holds_up_the_exit(tmp_path: Path) -> None:
    """A helper that cannot take its stop signal (here: stopped; in real runs: waiting on a
    queue lock that a killed sibling held) must not keep the process from exiting."""
    script = (
        "import os, signal, time\n"
        "from reportgen.report import workers\n"
        "helpers = workers.Helpers(2)\n"
        "helpers.start()\n"
        "time.sleep(0.5)\n"
        "pids = set()\n"
        "for _ in range(20):\n"
        "    pids |= set(helpers.map_jobs(os.getpid, [() for _ in range(8)]))\n"
        "assert os.getpid() not in pids, pids\n"
        "for pid in pids:\n"
        "    os.kill(pid, signal.SIGSTOP)\n"
        "print('stopped', len(pids), flush=True)\n"
    )
    env = {**os.environ, "REPORTGEN_WORKERS": "2", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("stopped ")
