"""Feature building: column choice with reasons, imputation, log transform, limits, scaling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.errors import InputError
from reportgen.profiling.profile import profile
from reportgen.segmenting.features import apply_specs, build


def _build(frame: pd.DataFrame, **kwargs):  # type: ignore[no-untyped-def]
    return build(frame, profile(frame, today_year=2026), **kwargs)


def _table(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "CustomerID": np.arange(1, n + 1),
            "Region": rng.integers(1, 4, n),
            "Gender": rng.choice(["F", "M"], n),
            "Promo": rng.integers(0, 2, n),
            "Constant": np.full(n, 7),
            "Basket": rng.normal(40, 10, n).round(),
            "Spend": rng.lognormal(5, 1.2, n).round(2),
        }
    )


def test_default_choice_uses_numeric_measures_only_and_says_why() -> None:
    fm = _build(_table())
    assert fm.names == ("Basket", "Spend")
    reasons = {d.name: d.reason for d in fm.dropped}
    assert set(reasons) == {"CustomerID", "Region", "Gender", "Promo", "Constant"}
    assert "identifier" in reasons["CustomerID"]
    assert "code a category" in reasons["Region"]
    assert "flag" in reasons["Promo"]
    assert "constant" in reasons["Constant"]
    assert set(fm.described) == {"Region", "Gender", "Promo"}
    assert fm.id_label == "CustomerID"


def test_standardized_matrix_matches_independent_computation() -> None:
    frame = _table()
    fm = _build(frame)
    spend = fm.specs[1]
    assert spend.transform == "log1p"
    x = np.log1p(frame["Spend"].to_numpy())
    q1, q3 = np.percentile(x, [25, 75])
    x = np.clip(x, q1 - 3 * (q3 - q1), q3 + 3 * (q3 - q1))
    expected = (x - x.mean()) / x.std()
    np.testing.assert_allclose(fm.X[:, 1], expected, rtol=1e-10)
    assert fm.specs[0].transform == "none"  # a symmetric measure is not logged
    np.testing.assert_allclose(fm.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(fm.X.std(axis=0), 1, atol=1e-12)


def test_missing_values_take_the_median_and_are_counted() -> None:
    frame = _table()
    frame.loc[[3, 10, 50], "Basket"] = np.nan
    fm = _build(frame)
    basket = fm.specs[0]
    assert basket.n_imputed == 3
    assert basket.impute_value == pytest.approx(float(frame["Basket"].median()))
    assert "3 missing values set to the median" in basket.reason
    assert fm.values["Basket"].isna().sum() == 0


def test_values_are_read_from_the_table_as_it_was_when_built() -> None:
    frame = _table()
    frame.loc[[3, 10], "Basket"] = np.nan
    fm = _build(frame)
    before = fm.values.copy()
    frame.loc[:, "Basket"] = 0.0  # the caller's later change is not the matrix's
    frame["Spend"] = 1.0
    pd.testing.assert_frame_equal(fm.values, before)
    assert list(before.columns) == ["Basket", "Spend"]
    rows = np.array([10, 0, 3, 199])
    for name in fm.names:
        pd.testing.assert_series_equal(fm.value(name), before[name])
        pd.testing.assert_series_equal(fm.value(name, rows), before[name].iloc[rows])
    with pytest.raises(KeyError):
        fm.value("CustomerID")


def test_extreme_outliers_are_pulled_in_to_the_fence() -> None:
    frame = _table()
    frame.loc[0, "Basket"] = 1000.0
    fm = _build(frame)
    basket = fm.specs[0]
    values = frame["Basket"].to_numpy()
    q1, q3 = np.percentile(values, [25, 75])
    assert basket.n_clipped == 1
    assert basket.clip_high == pytest.approx(q3 + 3 * (q3 - q1))
    assert "1 extreme values pulled in" in basket.reason


def test_chosen_features_and_exclusions() -> None:
    fm = _build(_table(), features=["Spend", "Basket"])
    assert fm.names == ("Spend", "Basket")
    fm = _build(_table(), exclude=["Basket"])
    assert fm.names == ("Spend",)
    assert any(d.name == "Basket" and "--exclude" in d.reason for d in fm.dropped)


def test_a_chosen_coded_category_is_clustered_when_asked() -> None:
    fm = _build(_table(), features=["Region", "Spend"])
    assert fm.names == ("Region", "Spend")


@pytest.mark.parametrize(
    ("features", "message"),
    [
        (["Spnd"], "no column named 'Spnd'; did you mean 'Spend'?"),
        (["Gender"], "column 'Gender' holds text"),
        (["Constant"], "column 'Constant' is constant"),
    ],
)
def test_bad_feature_choices_are_clear_errors(features: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        _build(_table(), features=features)


def test_no_numeric_column_is_an_error() -> None:
    frame = pd.DataFrame({"name": [f"n{i}" for i in range(30)], "city": ["a", "b", "c"] * 10})
    with pytest.raises(InputError, match="^no column describes how customers behave"):
        _build(frame)


def test_dates_become_tenure_in_days() -> None:
    frame = _table(50)
    frame["Joined"] = pd.to_datetime("2024-01-01") + pd.to_timedelta(np.arange(50) * 3, "D")
    fm = _build(frame)
    spec = next(s for s in fm.specs if s.column == "Joined")
    assert spec.name == "Joined tenure (days)"
    assert spec.reference_date == "2024-05-27"  # 2024-01-01 + 147 days (leap year)
    assert fm.values[spec.name].iloc[0] == 147.0  # 49 * 3 days before the latest date
    assert fm.values[spec.name].iloc[-1] == 0.0


def test_apply_specs_reproduces_the_matrix_on_new_rows() -> None:
    frame = _table()
    fm = _build(frame)
    again = apply_specs(frame.sample(frac=1, random_state=1), fm.specs)
    shuffled = frame.sample(frac=1, random_state=1).index
    np.testing.assert_allclose(again, fm.X[shuffled], rtol=1e-12)
