"""Shared fixtures: paths to the real tables, a generator of tables with known segments, and
one run per session of each real table with no flags (the quick start's command), which the
tests of several files read instead of each running it again."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "mall_customers.csv"


DATA = ROOT / "tests" / "data"  # copies of ../shared/data (see its README for provenance)
MALL = SAMPLE
PERSONALITY = DATA / "customer_personality.tsv"
WHOLESALE = DATA / "wholesale_customers.csv"
ECOMMERCE = DATA / "ecommerce_churn.xlsx"
RETAIL = DATA / "logs" / "retail_transactions.csv"  # logs apart: DATA/*.csv are tables
GROCERIES = DATA / "groceries_baskets.csv"  # a transaction log: baskets of items, no amounts
TELCO = DATA / "telco_customer_churn.csv"
CLIENTES = DATA / "clientes_banco_latin1.csv"
AIRLINE = DATA / "airline_loyalty_history.csv"
RESPONSE = DATA / "retail_response.csv"  # the companion of the retail log: id and response only
SUPERSTORE = DATA / "logs" / "superstore_orders_cp1252.csv"
LOGS = frozenset({GROCERIES})  # the copies that are transaction logs, not customer tables


def blobs(
    k: int, *, n: int = 1500, p: int = 4, seed: int = 0, skewed: bool = True, min_gap: float = 3.0
) -> tuple[pd.DataFrame, np.ndarray]:
    """A table with ``k`` known segments of uneven size; skewed values are exp of the blobs."""
    rng = np.random.default_rng(seed)
    weights = 0.05 + rng.dirichlet(np.ones(k) * 2) * (1 - 0.05 * k)
    sizes = rng.multinomial(n, weights)
    while True:
        centers = rng.uniform(-6, 6, size=(k, p))
        gaps = np.sqrt(((centers[:, None] - centers[None]) ** 2).sum(-1))
        gaps[np.diag_indices(k)] = np.inf
        if gaps.min() > min_gap:
            break
    X = np.vstack([rng.normal(c, 0.45, size=(s, p)) for c, s in zip(centers, sizes, strict=True)])
    truth = np.repeat(np.arange(k), sizes)
    order = rng.permutation(len(X))
    X, truth = X[order], truth[order]
    values = np.exp(X / 1.5 + 3) if skewed else X * 10 + 50
    frame = pd.DataFrame(np.round(values, 2), columns=[f"measure_{i + 1}" for i in range(p)])
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(frame))])
    return frame, truth


# --------------------------------------------------------------------------------------------
# one run per session of a table with no flags


def pdf_text(pdf: Path) -> tuple[str, ...]:
    """The pypdf text of every page ("" for a page without text), read once per file version:
    several tests read the same shared report."""
    stat = pdf.stat()
    return _pdf_text(pdf.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _pdf_text(pdf: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    from pypdf import PdfReader

    return tuple(page.extract_text() or "" for page in PdfReader(pdf).pages)


@dataclass(frozen=True)
class DefaultRun:
    """``reportgen run TABLE --out OUT``, as the README's quick start runs it: HTML and PDF.

    Shared by every test that reads it: read only (a test that writes into ``out`` or changes
    ``result`` fails the session at teardown)."""

    out: Path
    printed: str  # what the command printed
    result: Any  # the RunResult the command got from reportgen.pipeline.run
    received: dict[str, Any]  # what report.html received: the context's fields by name

    def fingerprint(self) -> dict[str, str]:
        """A digest of every file in ``out`` and of the result's summary."""
        found = {
            str(p.relative_to(self.out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.out.rglob("*"))
            if p.is_file()
        }
        found["RunResult.summary"] = self.result.summary.to_json()
        return found


class DefaultRuns:
    """Runs a table through the command line on first use and keeps the run for the session."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._runs: dict[Path, tuple[DefaultRun, dict[str, str]]] = {}

    def __call__(self, table: Path) -> DefaultRun:
        if table not in self._runs:
            made = self._run(table)
            self._runs[table] = (made, made.fingerprint())
        return self._runs[table][0]

    def _run(self, table: Path) -> DefaultRun:
        from click.testing import CliRunner

        from reportgen import pipeline
        from reportgen.cli import main
        from reportgen.report import render

        out = self._factory.mktemp(f"shared-{table.stem}") / "out"
        results, received = [], []
        real, real_render = pipeline.run, render.render

        def recording(*args: Any, **kwargs: Any) -> Any:
            results.append(real(*args, **kwargs))
            return results[-1]

        def rendering(env: Any, name: str, values: dict[str, Any]) -> str:
            if name == "report.html":
                received.append(values)
            return real_render(env, name, values)

        with pytest.MonkeyPatch.context() as patch:  # the CLI looks up pipeline.run per call
            patch.setattr(pipeline, "run", recording)
            patch.setattr(render, "render", rendering)  # render.html's call of the template
            outcome = CliRunner().invoke(main, ["run", str(table), "--out", str(out)])
        assert outcome.exit_code == 0, outcome.stderr + outcome.stdout
        assert len(results) == 1 and len(received) == 1
        return DefaultRun(out, outcome.stdout, results[0], received[0])

    def check_unchanged(self) -> None:
        changed = [
            str(made.out) for made, before in self._runs.values() if made.fingerprint() != before
        ]
        assert not changed, f"a test changed a shared run's outputs: {changed}"


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DefaultRuns]:
    """``default_run(TABLE)``: the session's one run of TABLE with no flags (read only)."""
    runs = DefaultRuns(tmp_path_factory)
    yield runs
    runs.check_unchanged()


@pytest.fixture(scope="session")
def mall_report(default_run: DefaultRuns) -> DefaultRun:
    """The quick start: ``reportgen run sample_data/mall_customers.csv --out OUT`` (read only)."""
    return default_run(MALL)
