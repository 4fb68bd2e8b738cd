"""Tests for reportgen.profiling.profile: roles, statistics and alerts.

Golden values are computed independently in the tests (numpy/scipy/pandas on the raw values, or
counted by hand on small frames), never copied from the implementation's output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from reportgen.errors import InputError
from reportgen.profiling.profile import ROLES, Alert, Profile, profile
from tests.conftest import MALL, PERSONALITY, WHOLESALE

needs_data = pytest.mark.skipif(not PERSONALITY.is_file(), reason="real data sets not available")


def _alerts(p: Profile, kind: str, column: str | None = None) -> list[Alert]:
    return [a for a in p.alerts if a.kind == kind and (column is None or a.column == column)]


def _one_alert(p: Profile, kind: str, column: str | None = None) -> Alert:
    found = _alerts(p, kind, column)
    assert len(found) == 1, (kind, column, p.alerts)
    return found[0]


# ------------------------------------------------------------------------------------------------
# Real tables


@pytest.fixture(scope="module")
def personality_frame() -> pd.DataFrame:
    df = pd.read_csv(PERSONALITY, sep="\t")
    df["Dt_Customer"] = pd.to_datetime(df["Dt_Customer"], format="%d-%m-%Y")
    return df


@pytest.fixture(scope="module")
def personality(personality_frame: pd.DataFrame) -> Profile:
    return profile(personality_frame, date_formats={"Dt_Customer": "day-first"}, today_year=2026)


@pytest.fixture(scope="module")
def wholesale_frame() -> pd.DataFrame:
    return pd.read_csv(WHOLESALE)


@pytest.fixture(scope="module")
def wholesale(wholesale_frame: pd.DataFrame) -> Profile:
    return profile(wholesale_frame, today_year=2026)


@pytest.fixture(scope="module")
def mall_frame() -> pd.DataFrame:
    return pd.read_csv(MALL)


@pytest.fixture(scope="module")
def mall(mall_frame: pd.DataFrame) -> Profile:
    return profile(mall_frame, today_year=2026)


PERSONALITY_ROLES = {
    "ID": "identifier",
    "Year_Birth": "numeric",
    "Education": "categorical",
    "Marital_Status": "categorical",
    "Income": "numeric",
    "Kidhome": "numeric",
    "Teenhome": "numeric",
    "Dt_Customer": "date",
    "Recency": "numeric",
    "MntWines": "numeric",
    "MntFruits": "numeric",
    "MntMeatProducts": "numeric",
    "MntFishProducts": "numeric",
    "MntSweetProducts": "numeric",
    "MntGoldProds": "numeric",
    "NumDealsPurchases": "numeric",
    "NumWebPurchases": "numeric",
    "NumCatalogPurchases": "numeric",
    "NumStorePurchases": "numeric",
    "NumWebVisitsMonth": "numeric",
    "AcceptedCmp3": "binary",
    "AcceptedCmp4": "binary",
    "AcceptedCmp5": "binary",
    "AcceptedCmp1": "binary",
    "AcceptedCmp2": "binary",
    "Complain": "binary",
    "Z_CostContact": "constant",
    "Z_Revenue": "constant",
    "Response": "binary",
}


@needs_data
class TestCustomerPersonality:
    def test_shape_and_roles(self, personality: Profile, personality_frame: pd.DataFrame) -> None:
        assert (personality.n_rows, personality.n_columns) == (2240, 29)
        assert {c.name: c.role for c in personality.columns} == PERSONALITY_ROLES
        assert [c.name for c in personality.columns] == list(personality_frame.columns)
        assert all(c.role in ROLES and c.role_reason for c in personality.columns)
        assert personality.id_column == "ID"
        assert personality.by_role("constant") == ("Z_CostContact", "Z_Revenue")

    def test_reasons(self, personality: Profile) -> None:
        assert personality.column("Z_Revenue").role_reason == "every value is 11"
        assert personality.column("Z_CostContact").role_reason == "every value is 3"
        assert personality.column("Complain").role_reason == "a 0/1 flag"
        assert "unique" in personality.column("ID").role_reason
        assert "day first" in personality.column("Dt_Customer").role_reason

    def test_income_stats_match_numpy(
        self, personality: Profile, personality_frame: pd.DataFrame
    ) -> None:
        raw = personality_frame["Income"].to_numpy(dtype=float)
        values = raw[~np.isnan(raw)]
        col = personality.column("Income")
        assert col.n_missing == int(np.isnan(raw).sum()) == 24
        assert col.missing_share == pytest.approx(24 / 2240)
        assert col.n_distinct == len(np.unique(values))
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        expected = {
            "mean": values.mean(),
            "std": values.std(ddof=1),
            "min": values.min(),
            "q1": q1,
            "median": median,
            "q3": q3,
            "max": values.max(),
        }
        assert set(col.stats) == set(expected)
        for key, value in expected.items():
            assert col.stats[key] == pytest.approx(value, rel=1e-12), key
        assert col.skew == pytest.approx(sps.skew(values, bias=False), rel=1e-9)
        iqr = q3 - q1
        assert col.n_outliers == int(((values < q1 - 1.5 * iqr) | (values > q3 + 1.5 * iqr)).sum())
        assert col.n_extreme == int(((values < q1 - 3 * iqr) | (values > q3 + 3 * iqr)).sum())
        assert col.top_values == ()

    def test_categorical_top_values(
        self, personality: Profile, personality_frame: pd.DataFrame
    ) -> None:
        col = personality.column("Marital_Status")
        counts = personality_frame["Marital_Status"].value_counts()
        assert col.n_distinct == 8
        assert dict(col.top_values) == {str(k): int(v) for k, v in counts.items()}
        assert col.top_values[0] == ("Married", 864)
        # Absurd and YOLO both occur twice: ties are ordered by value.
        assert col.top_values[-2:] == (("Absurd", 2), ("YOLO", 2))
        assert col.stats == {} and col.skew is None

    def test_binary_top_values(self, personality: Profile) -> None:
        assert personality.column("Response").top_values == (("0", 1906), ("1", 334))

    def test_date_stats(self, personality: Profile) -> None:
        col = personality.column("Dt_Customer")
        assert col.stats == {
            "min": float(pd.Timestamp("2012-07-30").toordinal()),
            "max": float(pd.Timestamp("2014-06-29").toordinal()),
        }
        assert col.skew is None and col.top_values == ()

    def test_alert_messages(self, personality: Profile) -> None:
        assert personality.n_duplicate_rows == 0
        assert _alerts(personality, "duplicate_rows") == []
        assert _alerts(personality, "duplicate_ids") == []
        assert _one_alert(personality, "implausible_values", "Year_Birth") == Alert(
            "implausible_values",
            "Year_Birth",
            "Year_Birth: 3 values imply an age over 100 (1893, 1899, 1900)",
            "warning",
        )
        assert _one_alert(personality, "missing", "Income") == Alert(
            "missing", "Income", "Income: 24 values (1.1%) are missing", "info"
        )
        extreme = _one_alert(personality, "extreme_outliers", "Income")
        assert extreme.severity == "warning"
        assert extreme.message.startswith("Income: ")
        assert "(beyond 3 IQR), e.g. 666666" in extreme.message
        assert _one_alert(personality, "constant", "Z_Revenue").message == (
            "Z_Revenue is constant (every value is 11); it cannot separate customers"
        )
        assert _one_alert(personality, "constant", "Z_CostContact").message == (
            "Z_CostContact is constant (every value is 3); it cannot separate customers"
        )
        # Earliest date in the file is 30-07-2012 (see the data README).
        assert _one_alert(personality, "day_first_dates", "Dt_Customer") == Alert(
            "day_first_dates",
            "Dt_Customer",
            "Dt_Customer is written day first (30-07-2012 = 30 Jul 2012); dates were read that way",
            "info",
        )

    def test_skewed_alerts_follow_scipy(
        self, personality: Profile, personality_frame: pd.DataFrame
    ) -> None:
        expected = []
        for name in personality.by_role("numeric"):
            values = personality_frame[name].dropna().to_numpy(dtype=float)
            skew = sps.skew(values, bias=False)
            if abs(skew) > 1:
                expected.append(f"{name} is highly skewed (skew {skew:.2f})")
        assert "MntWines is highly skewed (skew 1.18)" in expected
        assert [a.message for a in _alerts(personality, "skewed")] == expected
        assert all(a.severity == "info" for a in _alerts(personality, "skewed"))

    def test_no_outlier_or_skew_facts_on_non_measures(self, personality: Profile) -> None:
        for col in personality.columns:
            if col.role != "numeric":
                assert (col.skew, col.n_outliers, col.n_extreme) == (None, 0, 0), col.name

    def test_alert_order_table_then_columns(self, personality: Profile) -> None:
        order = [c.name for c in personality.columns]
        positions = [order.index(a.column) for a in personality.alerts if a.column is not None]
        assert positions == sorted(positions)


@needs_data
class TestWholesale:
    def test_roles(self, wholesale: Profile) -> None:
        roles = {c.name: c.role for c in wholesale.columns}
        assert roles == {
            "Channel": "coded_category",
            "Region": "coded_category",
            "Fresh": "numeric",
            "Milk": "numeric",
            "Grocery": "numeric",
            "Frozen": "numeric",
            "Detergents_Paper": "numeric",
            "Delicassen": "numeric",
        }
        assert wholesale.id_column is None
        assert wholesale.column("Region").role_reason == (
            "whole numbers 1–3 coding a category (name 'Region')"
        )
        assert wholesale.column("Channel").role_reason == (
            "whole numbers 1–2 coding a category (name 'Channel')"
        )

    def test_coded_top_values(self, wholesale: Profile) -> None:
        assert wholesale.column("Region").top_values == (("3", 316), ("1", 77), ("2", 47))
        assert wholesale.column("Channel").top_values == (("1", 298), ("2", 142))

    def test_spend_columns_skewed(self, wholesale: Profile, wholesale_frame: pd.DataFrame) -> None:
        spend = ["Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen"]
        expected = [
            f"{name} is highly skewed (skew {sps.skew(wholesale_frame[name], bias=False):.2f})"
            for name in spend
        ]
        assert expected[0] == "Fresh is highly skewed (skew 2.56)"
        assert [a.message for a in _alerts(wholesale, "skewed")] == expected

    def test_quantiles_and_extremes_match_numpy(
        self, wholesale: Profile, wholesale_frame: pd.DataFrame
    ) -> None:
        for name in ["Fresh", "Milk", "Delicassen"]:
            values = wholesale_frame[name].to_numpy(dtype=float)
            q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
            col = wholesale.column(name)
            assert (col.stats["q1"], col.stats["median"], col.stats["q3"]) == (q1, median, q3)
            iqr = q3 - q1
            n_extreme = int(((values < q1 - 3 * iqr) | (values > q3 + 3 * iqr)).sum())
            assert col.n_extreme == n_extreme
            if n_extreme:
                top = int(values.max())  # all spend outliers are on the high side
                msg = _one_alert(wholesale, "extreme_outliers", name).message
                assert msg.startswith(f"{name}: {n_extreme} extreme outlier")
                assert f"e.g. {top}" in msg

    def test_no_constant_or_missing(self, wholesale: Profile) -> None:
        kinds = {a.kind for a in wholesale.alerts}
        assert kinds <= {"skewed", "extreme_outliers"}


@needs_data
class TestMall:
    def test_roles(self, mall: Profile) -> None:
        assert {c.name: c.role for c in mall.columns} == {
            "CustomerID": "identifier",
            "Genre": "categorical",
            "Age": "numeric",
            "Annual Income (k$)": "numeric",
            "Spending Score (1-100)": "numeric",
        }
        assert mall.id_column == "CustomerID"
        assert mall.column("Genre").top_values == (("Female", 112), ("Male", 88))
        assert mall.alerts == ()

    def test_zero_padded_ids_kept_as_text_are_identifier(self, mall_frame: pd.DataFrame) -> None:
        frame = pd.read_csv(MALL, dtype={"CustomerID": str})
        assert frame["CustomerID"].iloc[0] == "0001"
        p = profile(frame, today_year=2026)
        assert p.column("CustomerID").role == "identifier"
        assert p.id_column == "CustomerID"
        assert p.column("CustomerID").stats == {}

    def test_age_stats(self, mall: Profile, mall_frame: pd.DataFrame) -> None:
        age = mall_frame["Age"].to_numpy(dtype=float)
        col = mall.column("Age")
        assert col.stats["min"] == 18 and col.stats["max"] == 70
        assert col.stats["mean"] == pytest.approx(age.mean())
        assert col.stats["std"] == pytest.approx(age.std(ddof=1))
        assert col.n_distinct == len(np.unique(age))


# ------------------------------------------------------------------------------------------------
# Statistics on hand-built columns


def test_outlier_counts_hand_counted() -> None:
    # sorted: -50, 1..20, 40, 80 (23 values). numpy linear quantiles: position 5.5 -> Q1 = 5.5,
    # position 11 -> median 11, position 16.5 -> Q3 = 16.5; IQR 11.
    # 1.5 IQR fences -11 / 33: -50, 40, 80 are outliers. 3 IQR fences -27.5 / 49.5: -50, 80.
    values = [*range(1, 21), 40, 80, -50]
    p = profile(pd.DataFrame({"spend": values}))
    col = p.column("spend")
    assert col.role == "numeric"
    assert (col.stats["q1"], col.stats["median"], col.stats["q3"]) == (5.5, 11.0, 16.5)
    assert (col.stats["min"], col.stats["max"]) == (-50.0, 80.0)
    assert col.n_outliers == 3
    assert col.n_extreme == 2
    # 80 is 69 from the median, -50 is 61: the farther one comes first.
    assert _one_alert(p, "extreme_outliers", "spend").message == (
        "spend: 2 extreme outliers (beyond 3 IQR), e.g. 80, -50"
    )


def test_zero_iqr_has_no_extreme_outliers() -> None:
    values = [5] * 20 + [6, 100]
    col = profile(pd.DataFrame({"visits": values})).column("visits")
    assert col.stats["q1"] == col.stats["q3"] == 5
    assert col.n_outliers == 2  # Tukey fences collapse to 5..5
    assert col.n_extreme == 0


def test_extreme_examples_are_distinct_and_at_most_three() -> None:
    values = [*range(1, 101), 1000, 1000, 1000, 900, 800, 700]
    p = profile(pd.DataFrame({"amount": values}))
    assert p.column("amount").n_extreme == 6
    assert _one_alert(p, "extreme_outliers", "amount").message == (
        "amount: 6 extreme outliers (beyond 3 IQR), e.g. 1000, 900, 800"
    )


def test_stats_ignore_missing_values() -> None:
    values = [1.5, np.nan, 2.5, 10.0, np.nan, 4.0, 7.25, 3.0]
    col = profile(pd.DataFrame({"score": values})).column("score")
    present = np.array([v for v in values if not np.isnan(v)])
    assert col.n_missing == 2
    assert col.missing_share == 0.25
    assert col.n_distinct == 6
    assert col.stats["mean"] == pytest.approx(present.mean())
    assert col.stats["std"] == pytest.approx(present.std(ddof=1))
    for key, q in [("min", 0), ("q1", 25), ("median", 50), ("q3", 75), ("max", 100)]:
        assert col.stats[key] == pytest.approx(np.percentile(present, q)), key
    assert col.skew == pytest.approx(sps.skew(present, bias=False))


def test_skew_undefined_is_none() -> None:
    col = profile(pd.DataFrame({"amount": [1.5, 2.5]})).column("amount")
    assert col.role == "numeric"
    assert col.skew is None


# ------------------------------------------------------------------------------------------------
# Role rules on hand-built frames


def _roles(frame: pd.DataFrame, **kwargs: object) -> dict[str, str]:
    return {c.name: c.role for c in profile(frame, **kwargs).columns}  # type: ignore[arg-type]


def test_constant_and_empty_columns() -> None:
    frame = pd.DataFrame({"a": [3, 3, 3, np.nan], "b": [np.nan] * 4, "c": ["x", "x", "x", "x"]})
    p = profile(frame)
    assert _roles(frame) == {"a": "constant", "b": "constant", "c": "constant"}
    assert p.column("a").role_reason == "every value is 3"
    assert p.column("b").role_reason == "every value is missing"
    assert p.column("a").top_values == (("3", 3),)
    assert p.column("b").top_values == ()
    assert _one_alert(p, "constant", "c").message == (
        "c is constant (every value is x); it cannot separate customers"
    )
    assert _one_alert(p, "mostly_missing", "b").message == (
        "b: 4 values (100%) are missing; the column is mostly empty"
    )


def test_binary_flags() -> None:
    frame = pd.DataFrame(
        {
            "flag01": [0, 1, 1, 0, np.nan, 1],
            "yes_no": ["Yes", "no", "NO", "yes", None, "Yes"],
            "yn": ["Y", "N", "Y", "Y", "N", "N"],
            "tf": ["true", "false", "TRUE", "true", "false", "true"],
            "t_f": ["t", "f", "t", "t", "f", "f"],
            "boolean": [True, False, True, True, False, True],
            "two_words": ["red", "blue", "red", "red", "blue", "red"],
        }
    )
    p = profile(frame)
    assert _roles(frame) == {
        "flag01": "binary",
        "yes_no": "binary",
        "yn": "binary",
        "tf": "binary",
        "t_f": "binary",
        "boolean": "binary",
        "two_words": "categorical",
    }
    assert p.column("flag01").role_reason == "a 0/1 flag"
    assert p.column("yes_no").role_reason == "a yes/no flag"
    assert p.column("boolean").role_reason == "a true/false flag"
    assert p.column("flag01").top_values == (("1", 3), ("0", 2))
    assert p.column("boolean").top_values == (("True", 4), ("False", 2))


def test_coded_categories_versus_counts() -> None:
    n = 60
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "Region": rng.integers(1, 4, n),
            "Channel": rng.integers(1, 3, n),
            "PaymentMethod": rng.integers(1, 6, n),
            "store_type": rng.integers(0, 4, n).astype(float),  # float codes are still codes
            "Plan": rng.choice([2, 5], n),  # two values that are not 0/1
            "Kidhome": rng.integers(0, 3, n),
            "Teenhome": rng.integers(0, 3, n),
            "NumDealsPurchases": rng.integers(0, 12, n),
            "Recency": rng.integers(0, 100, n),
            "Segment": rng.integers(1, 20, n),  # too many codes for a category
        }
    )
    p = profile(frame)
    assert _roles(frame) == {
        "Region": "coded_category",
        "Channel": "coded_category",
        "PaymentMethod": "coded_category",
        "store_type": "coded_category",
        "Plan": "coded_category",
        "Kidhome": "numeric",
        "Teenhome": "numeric",
        "NumDealsPurchases": "numeric",
        "Recency": "numeric",
        "Segment": "numeric",
    }
    assert p.column("Region").role_reason == "whole numbers 1–3 coding a category (name 'Region')"
    assert "two" in p.column("Plan").role_reason
    counts = pd.Series(frame["Region"]).value_counts()
    assert dict(p.column("Region").top_values) == {str(k): int(v) for k, v in counts.items()}
    assert _alerts(p, "skewed", "Region") == [] and p.column("Region").skew is None


def test_identifier_rules() -> None:
    n = 40
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "income": rng.normal(50_000, 9_000, n).round(2),  # unique but a measure
            "row": rng.permutation(np.arange(1, n + 1)),  # running 1..n in some order
            "Customer Id": [f"C{i:04d}" for i in range(n)],
            "email": [f"user{i}@example.com" for i in range(n)],
            "comment": [f"this is comment number {i}" for i in range(n)],
            "zero_based": np.arange(n),
            "gaps": np.arange(n) * 2 + 1,  # unique integers but not a running sequence
        }
    )
    p = profile(frame)
    assert _roles(frame) == {
        "income": "numeric",
        "row": "identifier",
        "Customer Id": "identifier",
        "email": "identifier",
        "comment": "categorical",  # 40 values are within the 50-category allowance
        "zero_based": "identifier",
        "gaps": "numeric",
    }
    # Several identifiers: the one with an id-like name is the table's id column.
    assert p.id_column == "Customer Id"
    assert p.column("email").role_reason == "every value is unique"
    assert p.column("row").role_reason == "whole numbers 1–40 numbering the rows"


@pytest.mark.parametrize(
    "name",
    [
        "ID",
        "id",
        "CustomerID",
        "customer_id",
        "Customer Id",
        "client_id",
        "cust_id",
        "user_id",
        "userId",
        "uuid",
        "key",
        "account",
        "CUSTOMERID",
        "member_key",
    ],
)
def test_id_like_names(name: str) -> None:
    # Unique non-sequential numbers: only the name can make this an identifier.
    frame = pd.DataFrame({name: np.arange(100) * 7 + 13, "x": np.arange(100) % 5})
    p = profile(frame)
    assert p.column(name).role == "identifier"
    assert p.id_column == name


@pytest.mark.parametrize("name", ["Kid", "Paid", "valid", "Keyword count", "idle_days", "Width"])
def test_names_that_are_not_ids(name: str) -> None:
    frame = pd.DataFrame({name: np.arange(100) * 7 + 13})
    assert profile(frame).column(name).role == "numeric"


def test_text_categorical_versus_free_text() -> None:
    n = 200
    frame = pd.DataFrame(
        {
            "city": [f"City {i % 30}" for i in range(n)],
            "notes": [f"customer said thing number {i}" for i in range(n)],
            "half": [f"label {i // 2}" for i in range(n)],  # 100 distinct of 200 rows: ratio 0.5
        }
    )
    p = profile(frame)
    assert _roles(frame) == {"city": "categorical", "notes": "text", "half": "categorical"}
    assert p.column("notes").top_values == ()
    assert len(p.column("city").top_values) == 10
    # City 0..19 occur 7 times, City 20..29 six times: ties ordered by value.
    assert p.column("city").top_values[:3] == (("City 0", 7), ("City 1", 7), ("City 10", 7))


def test_date_role() -> None:
    frame = pd.DataFrame({"signup": pd.to_datetime(["2021-03-04", "2020-01-02", None])})
    col = profile(frame, date_formats={"signup": "iso"}).column("signup")
    assert col.role == "date"
    assert col.n_missing == 1 and col.n_distinct == 2
    assert col.stats == {
        "min": float(pd.Timestamp("2020-01-02").toordinal()),
        "max": float(pd.Timestamp("2021-03-04").toordinal()),
    }


# ------------------------------------------------------------------------------------------------
# Alerts on hand-built frames


def test_duplicate_rows() -> None:
    frame = pd.DataFrame(
        {"a": [1, 2, 1, 3, 1, 2, 5, 6], "b": ["x", "y", "x", "z", "x", "y", "q", "r"]}
    )
    # Row 2 and row 4 repeat row 0; row 5 repeats row 1: 3 duplicates of 8 rows = 37.5%.
    p = profile(frame)
    assert p.n_duplicate_rows == 3 == int(frame.duplicated().sum())
    assert p.alerts[0] == Alert(
        "duplicate_rows", None, "3 rows (38%) are exact duplicates of another row", "warning"
    )


def test_duplicate_rows_with_missing_values() -> None:
    frame = pd.DataFrame({"a": [1.0, np.nan, np.nan, 2.0], "b": ["x", None, None, "y"]})
    assert profile(frame).n_duplicate_rows == 1 == int(frame.duplicated().sum())


def test_duplicate_rows_random_against_pandas() -> None:
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            "a": rng.integers(0, 4, 500),
            "b": rng.choice(["u", "v"], 500),
            "c": rng.integers(0, 3, 500).astype(float),
        }
    )
    assert profile(frame).n_duplicate_rows == int(frame.duplicated().sum())


def test_duplicate_ids() -> None:
    ids = [*range(1, 101), 42, 17, 42]  # 17 twice, 42 three times: 100 of 103 values distinct
    frame = pd.DataFrame({"CustomerID": ids, "spend": np.arange(len(ids)) * 1.5})
    p = profile(frame)
    assert p.column("CustomerID").role == "identifier"  # 97% unique with an id-like name
    assert p.column("CustomerID").n_distinct == 100
    assert p.id_column == "CustomerID"
    assert _one_alert(p, "duplicate_ids", "CustomerID") == Alert(
        "duplicate_ids",
        "CustomerID",
        "CustomerID: 2 ids appear more than once, e.g. 17, 42",
        "warning",
    )


def test_id_name_with_many_repeats_is_not_identifier_but_alerts() -> None:
    ids = [i // 2 if i < 60 else i for i in range(100)]  # 0..29 twice, then 60..99: 70% unique
    frame = pd.DataFrame({"ID": ids, "spend": np.linspace(1, 50, 100)})
    p = profile(frame)
    assert p.column("ID").role == "numeric"
    assert p.id_column is None
    assert _one_alert(p, "duplicate_ids", "ID").message == (
        "ID: 30 ids appear more than once, e.g. 0, 1, 2"
    )


def test_explicit_id_column() -> None:
    frame = pd.DataFrame({"code": ["a", "b", "b"], "ID": [1, 2, 3], "spend": [1.0, 2.0, 3.0]})
    p = profile(frame, id_column="code")
    assert p.id_column == "code"
    assert p.column("code").role == "identifier"
    assert p.column("code").role_reason == "chosen with --id-column"
    assert _one_alert(p, "duplicate_ids", "code").message == (
        "code: 1 id appears more than once, e.g. b"
    )


def test_unknown_id_column_is_input_error() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": [3, 4], "c": [5, 6]})
    with pytest.raises(InputError) as err:
        profile(frame, id_column="X")
    assert str(err.value) == "--id-column 'X' is not a column of the table; columns are: a, b, c"


def test_unknown_id_column_message_is_shortened_for_wide_tables() -> None:
    frame = pd.DataFrame({f"col{i}": [i] for i in range(40)})
    with pytest.raises(InputError) as err:
        profile(frame, id_column="customer")
    message = str(err.value)
    assert message.startswith("--id-column 'customer' is not a column of the table; columns are: ")
    assert "col0, col1" in message
    assert "col39" not in message
    assert "more" in message
    assert len(message) < 300


def test_missing_alerts() -> None:
    n = 1000
    frame = pd.DataFrame(
        {
            "fax": [np.nan] * 600 + list(range(400)),
            "income": [np.nan] * 11 + list(range(n - 11)),
            "one": [np.nan] + list(range(n - 1)),
            "rare": [None] * 1 + [f"v{i % 7}" for i in range(n - 1)],
        }
    )
    frame.loc[0, "rare"] = None
    p = profile(frame)
    assert _one_alert(p, "mostly_missing", "fax") == Alert(
        "mostly_missing", "fax", "fax: 600 values (60%) are missing; the column is mostly empty"
    )
    assert _one_alert(p, "missing", "income") == Alert(
        "missing", "income", "income: 11 values (1.1%) are missing", "info"
    )
    assert _one_alert(p, "missing", "one").message == "one: 1 value (0.1%) is missing"
    assert _alerts(p, "missing", "fax") == []


def test_tiny_missing_share_is_not_shown_as_zero() -> None:
    values = [np.nan] + list(np.arange(1999, dtype=float) % 13)
    p = profile(pd.DataFrame({"amount": values}))
    assert _one_alert(p, "missing", "amount").message == "amount: 1 value (<0.1%) is missing"


def test_implausible_birth_years_and_ages() -> None:
    n = 30
    years = [1950 + i for i in range(n - 4)] + [1893, 1900, 2030, 2031]
    ages = [20 + i for i in range(n - 3)] + [-3, 150, 111]
    frame = pd.DataFrame({"YearOfBirth": years, "customer_age": ages, "Birth Month": [1] * n})
    frame["Birth Month"] = np.arange(n) % 12 + 1
    p = profile(frame, today_year=2026)
    assert _one_alert(p, "implausible_values", "YearOfBirth").message == (
        "YearOfBirth: 2 values imply an age over 100 (1893, 1900); "
        "2 values lie after 2026, a negative age (2030, 2031)"
    )
    assert _one_alert(p, "implausible_values", "customer_age").message == (
        "customer_age: 3 values are not a plausible age (below 0 or over 110: -3, 111, 150)"
    )
    assert _alerts(p, "implausible_values", "Birth Month") == []


def test_birth_year_judged_against_today_year() -> None:
    frame = pd.DataFrame({"yob": [1925, 1960, 1970, 1980]})
    assert _alerts(profile(frame, today_year=2020), "implausible_values") == []
    assert _one_alert(profile(frame, today_year=2030), "implausible_values").message == (
        "yob: 1 value implies an age over 100 (1925)"
    )


def test_day_first_alert_uses_earliest_value() -> None:
    dates = pd.to_datetime(["2013-11-05", "2012-09-04", None, "2014-01-30"])
    frame = pd.DataFrame({"joined": dates, "other": dates})
    p = profile(frame, date_formats={"joined": "day-first", "other": "month-first"})
    assert _one_alert(p, "day_first_dates") == Alert(
        "day_first_dates",
        "joined",
        "joined is written day first (04-09-2012 = 4 Sep 2012); dates were read that way",
        "info",
    )


def test_severities() -> None:
    warnings = {
        "duplicate_ids",
        "constant",
        "mostly_missing",
        "extreme_outliers",
        "implausible_values",
        "duplicate_rows",
    }
    n = 40
    frame = pd.DataFrame(
        {
            "ID": [1, 1] + list(range(3, n + 1)),
            "const": [7] * n,
            "sparse": [np.nan] * 30 + list(range(10)),
            "gap": [np.nan] + list(np.linspace(0, 1, n - 1)),
            "spend": list(range(n - 1)) + [10_000],
            "age": list(range(20, 20 + n - 1)) + [140],
            "when": pd.to_datetime(["2020-01-02"] * (n - 1) + ["2020-02-03"]),
        }
    )
    frame = pd.concat([frame, frame.iloc[[5]]], ignore_index=True)
    p = profile(frame, date_formats={"when": "day-first"}, today_year=2026)
    kinds = {a.kind for a in p.alerts}
    assert kinds == warnings | {"missing", "skewed", "day_first_dates"}
    for alert in p.alerts:
        assert alert.severity == ("warning" if alert.kind in warnings else "info"), alert


# ------------------------------------------------------------------------------------------------
# Determinism and speed


def test_same_input_gives_equal_profile() -> None:
    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame(
        {
            "CustomerID": np.arange(n),
            "spend": rng.lognormal(3, 1, n),
            "segment": rng.choice(["a", "b", "c"], n),
            "flag": rng.integers(0, 2, n),
            "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 500, n), "D"),
            "sparse": np.where(rng.random(n) < 0.6, np.nan, 1.0 + rng.random(n)),
        }
    )
    first = profile(frame, date_formats={"when": "day-first"}, today_year=2026)
    second = profile(frame.copy(), date_formats={"when": "day-first"}, today_year=2026)
    assert first == second
    assert hash(first.alerts) == hash(second.alerts)


def test_input_frame_is_not_modified() -> None:
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": ["x", None, "y"]})
    before = frame.copy()
    profile(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_infinite_numbers_count_as_missing() -> None:
    col = profile(pd.DataFrame({"ratio": [np.inf, 1.0, 2.0, -np.inf, 4.0]})).column("ratio")
    assert col.n_missing == 2
    assert col.stats["max"] == 4.0
    assert col.stats["mean"] == pytest.approx(7 / 3)


def test_whole_table_totals_replace_the_sample_counts() -> None:
    """The Spark engine profiles a sample and puts in counts over all rows."""
    from reportgen.profiling.profile import ColumnTotals, with_totals

    sample = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 4] * 5,
            "spend": [10.0, 12.0, None, 11.0, 500.0] * 5,
            "region": ["north", "south", "north", "east", "north"] * 5,
        }
    )
    seen = profile(sample, id_column="customer_id")
    totals = {
        "spend": ColumnTotals(
            n_missing=900,
            n_distinct=5_000,
            stats={
                "mean": 20.0,
                "std": 5.0,
                "min": 1.0,
                "q1": 9.0,
                "median": 11.0,
                "q3": 13.0,
                "max": 900.0,
            },
            n_outliers=40,
            n_extreme=12,
            extreme_values=(900.0,),
        ),
        "region": ColumnTotals(
            n_missing=0, n_distinct=99_999, stats={}, top_values=(("north", 6000),)
        ),
    }
    whole = with_totals(seen, 10_000, totals)
    assert whole.n_rows == 10_000
    spend = whole.column("spend")
    assert (spend.n_missing, spend.missing_share, spend.n_extreme) == (900, 0.09, 12)
    assert spend.stats["max"] == 900.0
    assert whole.column("region").n_distinct == 10_000  # an estimate never exceeds the rows
    assert whole.column("region").top_values == (("north", 6000),)
    messages = [a.message for a in whole.alerts]
    assert "spend: 900 values (9%) are missing" in messages
    assert "spend: 12 extreme outliers (beyond 3 IQR), e.g. 900" in messages
    assert not any("5 values" in m for m in messages)  # the sample's own count is gone
    repeated = next(a for a in whole.alerts if a.kind == "duplicate_ids")
    assert repeated.message.endswith("(in a seeded sample of 25 rows)")
    order = [a.column for a in whole.alerts if a.column is not None]
    assert order == sorted(order, key=["customer_id", "spend", "region"].index)
