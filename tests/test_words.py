"""Names and recommendations a marketing manager would sign: one synthetic case per failure
seen on real exports, with the expected name, role and action."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from reportgen.options import Clustering
from reportgen.profiling.profile import profile
from reportgen.report.narrative import load_playbook, recommend, write
from reportgen.report.templating import environment
from reportgen.segmenting.clustering import fit
from reportgen.segmenting.features import build
from reportgen.segmenting.segments import OutcomeRate, SegmentProfile, Trait, describe
from reportgen.segmenting.selection import select_k

RNG = np.random.default_rng(21)
PLAYBOOK = load_playbook()


def segment(traits: tuple[Trait, ...] = (), **facts: object) -> SegmentProfile:
    """A segment with the given traits and figures (the rest neutral)."""
    base = SegmentProfile(1, "S", 100, 0.2, {}, {}, {t.feature: t.z for t in traits}, traits,
                          (), {}, 1.0, "typical")  # fmt: skip
    return replace(base, **facts)  # type: ignore[arg-type]


def objectives(s: SegmentProfile, roles: dict[str, str | None] | None = None) -> list[str]:
    return [r.objective for r in recommend(s, PLAYBOOK, roles)[0]]


def test_a_money_column_and_its_count_twin_name_one_trait() -> None:
    """ "Heavy AMOUNT and AMOUNT_TRX buyers": the same thing twice, in raw names."""
    n, group = 900, RNG.integers(0, 3, 900)
    trx = RNG.poisson(np.array([2, 8, 25])[group]) + 1
    frame = pd.DataFrame(
        {
            "CUST_ID": [f"C{i}" for i in range(n)],
            "AMOUNT": np.round(trx * RNG.gamma(9, 6, n), 2),  # spend follows the count
            "AMOUNT_TRX": trx,
            "TENURE_MONTHS": RNG.integers(1, 120, n),
        }
    )
    matrix = build(frame, profile(frame))
    profiles = describe(matrix, fit(matrix.X, 3, Clustering(seed=0)), frame)
    assert profiles.roles["AMOUNT"] == "spend" and profiles.roles["AMOUNT_TRX"] == "frequency"
    for s in profiles.segments:
        assert "AMOUNT" not in s.name and "_" not in s.name
        assert not ("spend" in s.name.lower() and "frequent" in s.name.lower()), s.name


def test_a_money_column_named_purchases_and_a_share_named_frequency() -> None:
    """Both were taken as "frequency": "Turn frequent buyers into advocates" went to a
    segment whose median purchases were zero."""
    n = 600
    buyers = RNG.random(n) < 0.5
    frame = pd.DataFrame(
        {
            "purchases": np.where(buyers, np.round(RNG.gamma(3, 400, n), 2), 0.0),
            "purchase_frequency": np.round(np.where(buyers, RNG.uniform(0.4, 1, n), 0.0), 3),
            "visits": RNG.integers(0, 30, n),
        }
    )
    matrix = build(frame, profile(frame))
    profiles = describe(matrix, fit(matrix.X, 2, Clustering(seed=0)), frame)
    assert profiles.roles["purchases"] == "spend"
    assert profiles.roles.get("purchase_frequency") is None  # a share: no role rather than wrong
    narratives = write(
        profiles, select_k(matrix.X, Clustering(k=2, seed=0)), PLAYBOOK, environment(html=False)
    )
    for s in profiles.segments:
        actions = [r.objective for r in narratives.for_segment(s.id).recommendations]
        if s.median["purchases"] == 0:
            assert "Turn frequent buyers into advocates" not in actions


def test_win_back_needs_most_of_the_segment_lapsed() -> None:
    lapsed = Trait("days_since_purchase", "recency", "high", 150.0, 90.0, 66.7, 1.1)
    a_third_recent = segment((lapsed,), above_median={"days_since_purchase": 0.62})
    assert "Win back lapsed customers before they are lost" not in objectives(a_third_recent)
    mostly_lapsed = segment((lapsed,), above_median={"days_since_purchase": 0.85})
    assert objectives(mostly_lapsed)[0] == "Win back lapsed customers before they are lost"


def test_youth_offers_need_young_customers_not_just_younger_than_average() -> None:
    younger = Trait("Age", "age", "low", 30.7, 44.0, -30.2, -0.9)
    assert "Engage younger customers where they are" not in objectives(segment(context=(younger,)))
    young = replace(younger, segment_value=24.0)
    assert "Engage younger customers where they are" in objectives(segment(context=(young,)))


def test_no_vip_tier_for_low_earners() -> None:
    spend = Trait("spend", "spend", "high", 900.0, 400.0, 125.0, 1.3)
    low_income = Trait("income", "income", "low", 21.0, 60.0, -65.0, -1.2)
    both = segment((spend, low_income), median_rank={"spend": 0.85, "income": 0.15})
    actions = objectives(both)
    assert "Retain and reward the most valuable customers" not in actions
    assert "Keep value-conscious customers buying" in actions
    rich = segment((spend,), median_rank={"spend": 0.85})
    assert objectives(rich)[0] == "Retain and reward the most valuable customers"


def test_unhappy_customers_get_service_recovery_not_cross_selling() -> None:
    unhappy = Trait("SatisfactionScore", "satisfaction", "low", 1.2, 3.1, -61.0, -1.5)
    light = Trait("spend", "spend", "low", 80.0, 300.0, -73.0, -1.0)
    s = segment((unhappy, light), below_median={"SatisfactionScore": 1.0, "spend": 0.9},
                median_rank={"spend": 0.1})  # fmt: skip
    actions = objectives(s)
    assert actions[0] == "Recover unhappy customers first"
    assert "Raise spend per visit" not in actions


def test_a_high_churn_outcome_calls_for_retention_first() -> None:
    churn = OutcomeRate("Churn", "Churn", "Yes", 0.49, 0.27, 873)
    newer = Trait("tenure", "tenure", "low", 3.4, 32.4, -89.0, -1.2)
    s = segment((newer,), outcomes=(churn,), below_median={"tenure": 0.95})
    recs, _ = recommend(s, PLAYBOOK)
    assert recs[0].objective == "Act on the churn risk now"
    assert recs[0].trigger == "high Churn: 49% vs 27% overall"
    assert "Onboard new customers" in [r.objective for r in recs]


def test_no_action_without_a_lever_and_a_plain_note() -> None:
    code = Trait("Region code", None, "high", 7.0, 3.0, 133.0, 1.4)
    recs, note = recommend(segment((code,)), PLAYBOOK, {"Region code": None})
    assert recs == ()
    assert "no marketing lever" in note and "transaction log" in note


def test_the_executive_summary_says_what_the_criteria_did() -> None:
    frame = pd.DataFrame({"spend": RNG.gamma(2, 50, 300), "visits": RNG.integers(0, 40, 300)})
    matrix = build(frame, profile(frame))
    selection = select_k(matrix.X, Clustering(seed=0))
    profiles = describe(matrix, fit(matrix.X, selection.k, Clustering(seed=0)), frame)
    summary = write(profiles, selection, PLAYBOOK, environment(html=False)).summary
    others = {c: v for c, v in selection.votes.items() if v != selection.k}
    assert "agree" not in summary
    if others:
        assert f"{selection.k} segments have the best consensus score" in summary
    else:
        assert f"Every criterion for the number of segments favours {selection.k}" in summary
    kept = replace(selection, method="baseline")
    said = write(profiles, kept, PLAYBOOK, environment(html=False), baseline="2026-10").summary
    assert "are those of the baseline model (2026-10)" in said and "consensus" not in said


def test_no_structure_is_said_plainly_in_summary_stories_actions_and_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from pypdf import PdfReader

    from reportgen import Config, run

    n = 2000
    cloud = RNG.multivariate_normal([0, 0, 0], [[1, 0.3, 0], [0.3, 1, 0.2], [0, 0.2, 1]], n)
    frame = pd.DataFrame(
        {
            "customer_id": [f"K{i}" for i in range(n)],
            "spend": np.round(np.exp(cloud[:, 0] / 2 + 5), 2),
            "orders": np.round(np.exp(cloud[:, 1] / 3 + 2)).astype(int),
            "days_since_last_order": np.round(np.exp(cloud[:, 2] / 3 + 3)).astype(int),
        }
    )
    source = tmp_path / "cloud.csv"
    frame.to_csv(source, index=False)
    out = tmp_path / "out"
    result = run(Config.build(input=source, out=out, formats=("pdf",)))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["k_selection"]["structure"]["verdict"] == "none"
    assert "the customers do not fall into distinct groups" in summary["summary"]
    for seg in summary["segments"]:
        assert "slice of a continuum rather than a distinct group" in seg["story"]
        note = result.narratives.for_segment(seg["id"]).note
        assert "test them on a sample before rolling out" in note
    text = " ".join(p.extract_text() for p in PdfReader(out / "report.pdf").pages)
    assert "No distinct segments." in " ".join(text.split())
