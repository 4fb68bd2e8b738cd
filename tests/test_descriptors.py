"""Outcomes and demographics per segment: rates and averages against overall, never clustered."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from reportgen import Config, run


def churn_table(n: int = 900, seed: int = 4) -> pd.DataFrame:
    """Three behaviour groups whose churn differs; birth years and kids describe them."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    spend = np.exp(rng.normal(np.array([4.0, 5.5, 7.0])[group], 0.25))
    visits = rng.poisson(np.array([3, 8, 20])[group]) + 1
    churn = rng.random(n) < np.array([0.45, 0.2, 0.05])[group]
    return pd.DataFrame(
        {
            "customer_id": [f"K{i:05d}" for i in range(n)],
            "monthly_spend": np.round(spend, 2),
            "visits": visits,
            "signup": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 1400, n), unit="D"),
            "birth_year": rng.integers(1950, 2004, n),
            "kids": rng.integers(0, 4, n),
            "churned": np.where(churn, "Yes", "No"),
        }
    )


def test_outcome_rates_and_ages_per_segment_match_an_independent_count(tmp_path: Path) -> None:
    frame = churn_table()
    source = tmp_path / "customers.csv"
    frame.to_csv(source, index=False)
    out = tmp_path / "out"
    run(Config.build(input=source, out=out, formats=("pdf",), k=3))
    summary = json.loads((out / "summary.json").read_text())
    assert [f["column"] for f in summary["features"]] == ["monthly_spend", "visits", "signup"]
    assert summary["outcomes"] == [
        {
            "column": "churned",
            "label": "churned",
            "level": "Yes",
            "how": "'Yes' counts as the event",
            "overall": pytest.approx((frame["churned"] == "Yes").mean()),
        }
    ]
    labels = pd.read_csv(out / "segments.csv").set_index("customer_id")["segment"]
    joined = frame.set_index("customer_id").join(labels)
    rates = joined.groupby("segment")["churned"].apply(lambda s: (s == "Yes").mean())
    latest = frame["signup"].max().year  # ages are counted in the year the data describes
    ages = joined.groupby("segment")["birth_year"].mean().rsub(latest)
    for seg in summary["segments"]:
        (outcome,) = seg["outcomes"]
        assert outcome["rate"] == pytest.approx(rates[seg["id"]])
        assert outcome["count"] == (joined[joined.segment == seg["id"]].churned == "Yes").sum()
        assert seg["profiled"]["Age (from birth_year)"] == pytest.approx(ages[seg["id"]])
        kids = joined.groupby("segment")["kids"].mean()[seg["id"]]
        assert seg["profiled"]["kids"] == pytest.approx(kids)
    spread = max(rates) - min(rates)
    assert spread > 0.25  # the groups churn differently, and the segments show it
    text = "\n".join(page.extract_text() for page in PdfReader(out / "report.pdf").pages)
    top = summary["segments"][
        int(np.argmax([s["outcomes"][0]["rate"] for s in summary["segments"]]))
    ]
    expected = f"churned {top['outcomes'][0]['rate'] * 100:.0f}% against"
    assert expected in text.replace("\n", " ")
    assert f"age in {latest}, from the birth year" in text.replace("\n", " ")
