"""Describing segments: traits in original units, category skews, unique readable names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.options import Clustering
from reportgen.profiling.profile import profile
from reportgen.profiling.roles import role_for, tokens, words_for
from reportgen.segmenting.clustering import fit
from reportgen.segmenting.features import build
from reportgen.segmenting.segments import describe
from tests.conftest import MALL


@pytest.fixture(scope="module")
def mall():  # type: ignore[no-untyped-def]
    frame = pd.read_csv(MALL)
    fm = build(frame, profile(frame), features=["Annual Income (k$)", "Spending Score (1-100)"])
    seg = fit(fm.X, 5, Clustering(seed=0))
    return frame, fm, seg, describe(fm, seg, frame)


def test_sizes_and_centroids_in_original_units(mall) -> None:  # type: ignore[no-untyped-def]
    frame, _, seg, profiles = mall
    assert sum(s.size for s in profiles.segments) == 200
    for s in profiles.segments:
        members = frame[seg.labels == s.id]
        assert s.size == len(members)
        assert s.share == pytest.approx(len(members) / 200)
        assert s.centroid["Annual Income (k$)"] == pytest.approx(
            members["Annual Income (k$)"].mean()
        )


def test_traits_give_value_against_average_with_percentage(mall) -> None:  # type: ignore[no-untyped-def]
    frame, _, seg, profiles = mall
    overall = frame["Spending Score (1-100)"].mean()
    for s in profiles.segments:
        for t in s.traits:
            if t.feature == "Spending Score (1-100)":
                members = frame.loc[seg.labels == s.id, t.feature]
                assert t.overall_value == pytest.approx(overall)
                assert t.pct_diff == pytest.approx((members.mean() - overall) / overall * 100)
                assert t.direction == ("high" if members.mean() > overall else "low")


def test_mall_names_are_the_textbook_five(mall) -> None:  # type: ignore[no-untyped-def]
    _, _, _, profiles = mall
    names = {s.name for s in profiles.segments}
    assert names == {
        "Mainstream customers",
        "Affluent big spenders",
        "Affluent light spenders",
        "Budget big spenders",
        "Budget light spenders",
    }


def test_category_mix_and_skews() -> None:
    rng = np.random.default_rng(0)
    n = 400
    group = np.repeat([0, 1], n // 2)
    frame = pd.DataFrame(
        {
            "Spend": np.where(group == 0, rng.normal(20, 2, n), rng.normal(80, 2, n)),
            "Plan": np.where(
                group == 0,
                rng.choice(["basic", "gold"], n, p=[0.9, 0.1]),
                rng.choice(["basic", "gold"], n, p=[0.2, 0.8]),
            ),
        }
    )
    fm = build(frame, profile(frame))
    seg = fit(fm.X, 2, Clustering(seed=0))
    profiles = describe(fm, seg, frame)
    overall_gold = (frame["Plan"] == "gold").mean()
    assert profiles.overall_mix["Plan"]["gold"] == pytest.approx(overall_gold)
    high = next(s for s in profiles.segments if s.centroid["Spend"] > 50)
    expected = (frame.loc[seg.labels == high.id, "Plan"] == "gold").mean()
    assert high.mix["Plan"]["gold"] == pytest.approx(expected)
    skew = next(k for k in high.skews if k.value == "gold")
    assert skew.segment_share == pytest.approx(expected)
    assert skew.overall_share == pytest.approx(overall_gold)


def test_names_stay_unique_when_traits_coincide() -> None:
    rng = np.random.default_rng(0)
    centers = [(10, 10, 50), (10, 10, 90), (90, 90, 50)]
    frame = pd.DataFrame(
        np.vstack([rng.normal(c, 2, (100, 3)) for c in centers]), columns=["Income", "Spend", "Age"]
    )
    fm = build(frame, profile(frame))
    seg = fit(fm.X, 3, Clustering(seed=0))
    names = [s.name for s in describe(fm, seg, frame).segments]
    assert len(set(names)) == 3
    assert not any(n.lower().startswith(("cluster", "segment")) for n in names)


@pytest.mark.parametrize(
    ("name", "meaning", "detail", "kind", "role"),
    [
        ("Annual Income (k$)", "money", "", "numeric", "income"),
        ("Spending Score (1-100)", "score", "", "numeric", "spend"),
        ("MntWines", "money", "", "numeric", "spend"),
        ("Recency", "duration", "recency", "numeric", "recency"),
        ("NumWebPurchases", "count", "", "numeric", "web_use"),
        ("NumWebVisitsMonth", "count", "", "numeric", "web_use"),
        ("NumDealsPurchases", "count", "", "numeric", "discount_use"),
        ("Kidhome", "household", "", "numeric", "household"),
        ("Dt_Customer tenure (days)", "date", "", "tenure_days", "tenure"),
        ("Last purchase tenure (days)", "date", "", "tenure_days", "recency"),
        ("SatisfactionScore", "score", "", "numeric", "satisfaction"),
        ("Limite", "money", "", "numeric", "credit"),
        ("HourSpendOnApp", "duration", "duration", "numeric", "usage"),
        # no role where the meaning does not support one
        ("purchase_frequency", "share", "0-1", "numeric", None),  # a share, not a count
        ("Fresh", "measure", "", "numeric", None),  # a product category of one table
        ("NumberOfAddress", "count", "", "numeric", None),
        ("CustomerID", "identifier", "", "numeric", None),
    ],
)
def test_roles_from_meaning_and_name(
    name: str, meaning: str, detail: str, kind: str, role: str | None
) -> None:
    assert role_for(name, meaning, detail, kind) == role


def test_birth_year_reads_as_age_the_other_way_round() -> None:
    assert words_for("Year_Birth", "age", "high")[0] == "Young"
    assert words_for("Age", "age", "high")[0] == "Older"
    assert tokens("NumWebVisitsMonth")[:4] == ["num", "web", "visits", "month"]


def test_rfm_measures_give_rfm_grid_names() -> None:
    from reportgen.reading.rfm import rfm_name

    rng = np.random.default_rng(3)
    groups = {  # recency days, orders, spend, customers
        "Champions": (3, 25, 3000, 100),
        "New": (4, 1, 20, 60),
        "Loyal": (40, 15, 1500, 200),
        "At risk": (150, 10, 1200, 120),
        "Lost": (320, 1, 40, 150),
    }
    parts, truth = [], []
    for name, (r, f, m, n) in groups.items():
        parts.append(
            pd.DataFrame(
                {
                    "days_since_last_purchase": rng.normal(r, r * 0.1 + 1, n).clip(0),
                    "orders": rng.normal(f, f * 0.1 + 0.2, n).clip(1),
                    # spread enough that spend is not a near-duplicate of orders (|r| < 0.95)
                    "total_spend": rng.normal(m, m * 0.4, n).clip(1),
                }
            )
        )
        truth += [name] * n
    frame = pd.concat(parts, ignore_index=True)
    fm = build(frame, profile(frame))
    seg = fit(fm.X, 5, Clustering(seed=0))
    profiles = describe(fm, seg, frame)
    assert profiles.roles == {
        "days_since_last_purchase": "recency",
        "orders": "frequency",
        "total_spend": "spend",
    }
    truth_arr = np.array(truth)
    for s in profiles.segments:
        members = truth_arr[seg.labels == s.id]
        expected = pd.Series(members).mode()[0]
        assert s.rfm == expected, (s.rfm_scores, expected)
        assert s.name == expected
    grid = {(r, fm): rfm_name(r, fm) for r in range(1, 6) for fm in range(1, 6)}
    assert grid[5, 5] == "Champions" and grid[1, 5] == "Can't lose them"
    assert grid[1, 1] == "Lost" and grid[2, 1] == "Hibernating" and grid[5, 1] == "New"
    assert set(grid.values()) == {
        "Champions",
        "Loyal",
        "Potential loyalist",
        "New",
        "Promising",
        "Need attention",
        "About to sleep",
        "At risk",
        "Can't lose them",
        "Hibernating",
        "Lost",
    }


def test_a_segment_set_apart_only_by_a_column_without_a_role_is_named_in_words() -> None:
    """No role word for the column: the name says the column in words, without a hyphen
    glued to a phrase ("High-mudanças transacoes q4 q1 customers")."""
    from reportgen.profiling.roles import words_for

    assert words_for("Mudanças Transacoes_Q4_Q1", None, "high") == (
        "High mudanças transacoes Q4 Q1",
        "customers with high mudanças transacoes Q4 Q1",
    )
    assert words_for("Fresh", None, "low") == ("Low-fresh", "low-fresh customers")
    from reportgen.segmenting.segments import Trait, _name

    trait = Trait("Mudanças Transacoes_Q4_Q1", None, "high", 1138.9, 108.8, 946.6, 2.66)
    assert _name((trait,)) == "Customers with high mudanças transacoes Q4 Q1"
