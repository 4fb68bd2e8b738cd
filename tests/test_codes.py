"""Codes that are not values: sentinel numbers (-1 "never", 999 "none") and pseudo-levels
("unknown", "Não informado", "No internet service"), on synthetic look-alikes and real tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reportgen
from reportgen.options import Clustering
from reportgen.profiling import codes
from reportgen.profiling.profile import ColumnProfile, Profile, profile
from reportgen.reading.tables import load
from reportgen.segmenting.clustering import Segmentation, fit
from reportgen.segmenting.features import FeatureMatrix, build
from reportgen.segmenting.segments import SegmentProfiles, describe
from tests.conftest import DATA

TELCO = DATA / "telco_customer_churn.csv"
CLIENTES = DATA / "clientes_banco_latin1.csv"
INTERNET_SERVICES = ("OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport",
                     "StreamingTV", "StreamingMovies")  # fmt: skip


def bank(n: int = 2000, never: float = 0.82, seed: int = 3, blanks: int = 0) -> pd.DataFrame:
    """A bank-marketing look-alike: pdays is -1 for the customers never contacted before and
    1-871 days for the others; poutcome is "unknown" for the same customers."""
    rng = np.random.default_rng(seed)
    n_never = round(n * never)
    was_never = np.zeros(n, dtype=bool)
    was_never[rng.permutation(n)[:n_never]] = True
    pdays = np.where(was_never, -1, rng.integers(1, 872, n)).astype(float)
    pdays[np.flatnonzero(~was_never)[:blanks]] = np.nan  # empty cells, not the code
    return pd.DataFrame(
        {
            "age": rng.integers(18, 95, n),
            "job": rng.choice(
                ["admin.", "technician", "services", "unknown"], n, p=[0.4, 0.3, 0.29, 0.01]
            ),  # fmt: skip
            "education": rng.choice(["primary", "secondary", "tertiary", "unknown"], n),
            "default": rng.choice(["no", "yes"], n, p=[0.98, 0.02]),
            "balance": np.round(rng.normal(1300, 3000, n)).astype(int),  # many negatives
            "housing": rng.choice(["yes", "no", "unknown"], n, p=[0.5, 0.45, 0.05]),
            "duration": np.round(rng.gamma(2, 130, n)).astype(int),
            "campaign": rng.integers(1, 12, n),
            "pdays": pdays,
            "previous": np.where(was_never, 0, rng.integers(1, 8, n)),
            "poutcome": np.where(
                was_never, "unknown", rng.choice(["failure", "other", "success"], n)
            ),
            "y": rng.choice(["no", "yes"], n, p=[0.88, 0.12]),
        }
    )


def described(frame: pd.DataFrame, k: int = 3) -> tuple[Profile, FeatureMatrix, SegmentProfiles]:
    """Profile, features and segments as the pipeline makes them (labels: ``labels(...)``)."""
    found = profile(frame)
    matrix = build(frame, found)
    roles = {c.name: c.role for c in found.columns}
    return found, matrix, describe(matrix, labels(matrix, k), frame, column_roles=roles)


def labels(matrix: FeatureMatrix, k: int) -> Segmentation:
    return fit(matrix.X, k, Clustering(seed=0))  # seeded: the same segments each time


def alerts_for(found: Profile, column: str) -> dict[str, str]:
    return {a.kind: a.message for a in found.alerts if a.column == column}


# ----------------------------------------------------------------------------- sentinel codes


def test_minus_one_for_82_percent_is_never_and_becomes_a_flag() -> None:
    frame = bank()
    found, matrix, profiles = described(frame)
    pdays = found.column("pdays")
    assert pdays.sentinel is not None
    assert (pdays.sentinel.code, pdays.sentinel.count) == (-1, 1640)
    assert pdays.sentinel.share == pytest.approx(0.82)
    assert pdays.sentinel.word == "never" and pdays.sentinel.flag == "pdays = -1 (never)"
    # the measure is read without the code: a duration of 1-871 days, nothing missing
    assert pdays.meaning == "duration" and "-1 in 1,640 rows (82%)" in pdays.meaning_reason
    assert pdays.stats["min"] >= 1 and pdays.stats["max"] <= 871
    assert (pdays.n_missing, pdays.n_without_value, pdays.n_distinct) == (
        0,
        1640,
        frame.loc[frame.pdays > 0, "pdays"].nunique(),
    )
    kinds = alerts_for(found, "pdays")
    assert set(kinds) == {"sentinel_code"}  # never an outlier, skew or missing alert
    assert "'pdays = -1 (never)'" in kinds["sentinel_code"]
    # 82% without a value: left out, saying why; the flag is described like any flag
    reasons = {d.name: d.reason for d in matrix.dropped}
    assert reasons["pdays"].startswith("82% never (code -1): too few values left to cluster")
    assert "pdays = -1 (never)" in matrix.described and "pdays" not in matrix.names
    assert "pdays = -1 (never)" in profiles.flags
    assert profiles.overall_mix["pdays = -1 (never)"] == {"1": 0.82, "0": 0.18}
    segmentation = labels(matrix, 3)
    for s in profiles.segments:
        never = int((frame.pdays[segmentation.labels == s.id] == -1).sum())
        assert s.mix["pdays = -1 (never)"].get("1", 0.0) * s.size == pytest.approx(never)


def test_a_minority_code_is_never_clustered_as_minus_one() -> None:
    frame = bank(never=0.3, blanks=12)
    found = profile(frame)
    pdays = found.column("pdays")
    assert pdays.sentinel is not None and pdays.sentinel.count == 600
    assert pdays.n_missing == 12 and pdays.n_without_value == 612
    matrix = build(frame, found)
    spec = next(s for s in matrix.specs if s.column == "pdays")
    others = frame.pdays[(frame.pdays != -1) & frame.pdays.notna()]
    assert spec.missing_codes == (-1.0,) and (spec.n_coded, spec.n_imputed) == (600, 612)
    assert spec.impute_value == pytest.approx(others.median())
    assert spec.meaning == "duration"
    assert "600 rows holding the code -1 (not a number) and 12 missing values" in spec.reason
    assert matrix.values["pdays"].min() >= 1  # -1 never reaches the clustering
    assert (matrix.values["pdays"][frame.pdays == -1] == spec.impute_value).all()
    assert "pdays = -1 (never)" in matrix.described  # the flag is described beside the measure


def test_999_far_above_0_to_27_is_never() -> None:
    rng = np.random.default_rng(5)
    n = 1500
    pdays = np.where(rng.random(n) < 0.96, 999, rng.integers(0, 28, n))
    frame = bank(n=n).assign(pdays=pdays)
    found = profile(frame)
    col = found.column("pdays")
    assert col.sentinel is not None and col.sentinel.code == 999
    assert col.sentinel.count == int((pdays == 999).sum())
    assert col.sentinel.flag == "pdays = 999 (never)"
    assert col.stats["max"] <= 27 and col.meaning == "duration"
    assert set(alerts_for(found, "pdays")) == {"sentinel_code"}  # 999 is no extreme outlier
    assert "stands apart above the other values (0-27)" in col.sentinel.reason


def test_a_code_in_a_measure_that_is_not_a_time_reads_as_no_value() -> None:
    rng = np.random.default_rng(8)
    income = rng.lognormal(10.5, 0.5, 1000).round()
    income[:40] = -999
    found = profile(pd.DataFrame({"household income": income, "visits": rng.integers(0, 9, 1000)}))
    col = found.column("household income")
    assert col.sentinel is not None and col.sentinel.flag == "household income = -999 (no value)"
    assert col.meaning == "money" and col.stats["min"] > 0


@pytest.mark.parametrize(
    ("name", "values"),
    [
        # profit: many different negative values, -1 among them
        ("profit", np.r_[np.random.default_rng(1).normal(30, 200, 980).round(), [-1] * 20]),
        # a balance: overdrafts are values
        ("balance", np.random.default_rng(2).normal(1300, 3000, 1000).round()),
        # a single -1 typo (0.1% of rows) in a count
        ("visits", np.r_[np.random.default_rng(3).integers(0, 50, 999), [-1]]),
        # -1 in 4 rows (0.4%): under the 5-row and the 1% line
        ("visits", np.r_[np.random.default_rng(4).integers(0, 50, 996), [-1] * 4]),
        # -1 in 8 rows of 1,000 (0.8%): under the 1% line
        ("visits", np.r_[np.random.default_rng(4).integers(0, 50, 992), [-1] * 8]),
        # -1/0/1 is a scale, not a code beside a measure
        ("sentiment", np.random.default_rng(5).choice([-1, 0, 1], 1000)),
        # 99 at the top of ages 18-99 is an age: not far above the others
        ("age", np.r_[np.random.default_rng(6).integers(18, 99, 980), [99] * 20]),
        # 999 inside the range of the values is a value
        ("spend", np.r_[np.random.default_rng(7).integers(0, 1500, 980), [999] * 20]),
    ],
    ids=["profit", "balance", "typo", "four", "under-1%", "scale", "age-99", "inside"],
)
def test_negatives_and_nines_that_are_values_stay_numbers(name: str, values: np.ndarray) -> None:
    found = profile(pd.DataFrame({name: values, "other": np.arange(len(values)) % 7}))
    col = found.column(name)
    assert col.sentinel is None
    assert col.stats["min"] == values.min() and col.stats["max"] == values.max()
    assert "sentinel_code" not in alerts_for(found, name)


def test_find_sentinel_rules() -> None:
    ordered = np.sort(np.r_[[-1.0] * 10, np.arange(1.0, 91.0)])
    found = codes.find_sentinel(ordered, 100)
    assert found is not None and (found.code, found.count, found.low, found.high) == (-1, 10, 1, 90)
    assert codes.find_sentinel(np.sort(np.r_[[0.0] * 50, np.arange(1.0, 51.0)]), 100) is None
    # 9999 beyond the others' 3 IQR fence, though under twice the largest of them
    spread = np.r_[np.linspace(0, 100, 95), [6000.0], [9999.0] * 5]
    assert codes.find_sentinel(np.sort(spread), 101) is not None
    # a mixed negative code below negative values is not a code
    assert codes.find_sentinel(np.sort(np.r_[[-1.0] * 10, np.linspace(-0.5, 9, 90)]), 100) is None


# ------------------------------------------------------------------------------ pseudo-levels


@pytest.mark.parametrize(
    "level",
    [
        "unknown",
        "Unknown",
        "n/a",
        "N/A",
        "not known",
        "Not available",
        "not informed",
        "Não informado",
        "NAO INFORMADO",
        "não  informado ",
        "desconocido",
        "Desconocido",
        "no informado",
        "None",
        "-",
        "?",
    ],  # fmt: skip
)
def test_pseudo_levels_are_read_in_several_languages(level: str) -> None:
    found = codes.pseudo_levels([("Casado", 40), ("Solteiro", 30), (level, 9)])
    assert found == (codes.PseudoLevel(level, codes.NOT_KNOWN, 9),)


def test_no_something_is_not_applicable_only_beside_yes_and_no() -> None:
    service = [("No", 30), ("Yes", 20), ("No internet service", 15)]
    found = codes.pseudo_levels(service)
    assert found == (codes.PseudoLevel("No internet service", codes.NOT_APPLICABLE, 15),)
    # hotel bookings' deposit_type: "No Deposit" is an ordinary level there
    deposit = [("No Deposit", 90), ("Non Refund", 12), ("Refundable", 3)]
    assert codes.pseudo_levels(deposit) == ()
    assert codes.pseudo_levels([("Fiber optic", 3), ("DSL", 2), ("No", 1)]) == ()
    assert codes.pseudo_levels([("unknown", 3)]) == ()  # nothing else: no category to keep


def service_table(n: int = 1200, seed: int = 11) -> pd.DataFrame:
    """Telco look-alike in three tiers set by charges and data: premium and basic internet,
    and no internet, where the security service does not apply."""
    rng = np.random.default_rng(seed)
    tier = rng.choice([0, 1, 2], n, p=[0.35, 0.4, 0.25])  # premium, basic, no internet
    charges = np.array([100.0, 60.0, 22.0])[tier] + rng.normal(0, 4, n)
    data_gb = np.array([50.0, 20.0, 0.5])[tier] * rng.uniform(0.8, 1.2, n)
    takes = rng.random(n) < np.array([0.7, 0.2, 0.0])[tier]
    security = np.where(tier == 2, "No internet service", np.where(takes, "Yes", "No"))
    unknown = rng.random(n) < np.array([0.05, 0.05, 0.6])[tier]
    education = np.where(unknown, "Não informado", rng.choice(["Graduate", "High School"], n))
    return pd.DataFrame(
        {
            "id": [f"C{i:05d}" for i in range(n)],
            "MonthlyCharges": charges.round(2),
            "data_gb": data_gb.round(1),
            "OnlineSecurity": security,
            "Education": education,
        }
    )


def test_yes_no_and_no_internet_service_is_a_flag_that_does_not_always_apply() -> None:
    frame = service_table()
    found, matrix, profiles = described(frame, k=3)
    col = found.column("OnlineSecurity")
    n_na = int((frame.OnlineSecurity == "No internet service").sum())
    assert (col.role, col.meaning) == ("binary", "flag")
    assert col.pseudo_levels == (
        codes.PseudoLevel("No internet service", codes.NOT_APPLICABLE, n_na),
    )
    assert "read as not applicable" in col.role_reason
    assert (
        "a yes/no flag for the other rows" in alerts_for(found, "OnlineSecurity")["pseudo_levels"]
    )
    assert "OnlineSecurity" in matrix.described and "OnlineSecurity" in profiles.flags
    assert matrix.not_known["OnlineSecurity"] == {"No internet service": "not applicable"}
    # its yes share is among the customers with internet: not applicable is not "No"
    applies = frame[frame.OnlineSecurity != "No internet service"]
    overall_yes = (applies.OnlineSecurity == "Yes").mean()
    skews = [k for s in profiles.segments for k in s.skews if k.column == "OnlineSecurity"]
    assert len(skews) == 2, "premium takes security more often, basic less"
    for k in skews:
        assert k.value == "Yes" and k.label == "OnlineSecurity (where it applies)"
        assert k.overall_share == pytest.approx(overall_yes, abs=1e-6)


def test_not_known_levels_are_never_a_segment_trait() -> None:
    frame = service_table()
    _, matrix, profiles = described(frame, k=3)
    assert matrix.not_known["Education"] == {"Não informado": "not known"}
    segmentation = labels(matrix, 3)
    named = {(k.column, k.value) for s in profiles.segments for k in s.skews}
    assert not {v for c, v in named if c in ("Education", "OnlineSecurity")} & {
        "Não informado",
        "No internet service",
    }
    # the 60% unknowns of the no-internet segment would have read as a trait; the known
    # levels are compared among the customers whose education is known
    known = frame.Education != "Não informado"
    for s in profiles.segments:
        member = segmentation.labels == s.id
        for k in s.skews:
            if k.column == "Education":
                inside = frame.Education[member & known]
                assert k.segment_share == pytest.approx((inside == k.value).mean(), abs=1e-6)
    # the segment without internet: 57% unknown education, and security does not apply; it
    # is neither "unknown" nor "without security" nor "less often Graduate"
    offline = next(
        s for s in profiles.segments if s.mix["OnlineSecurity"] == {"No internet service": 1.0}
    )
    assert offline.mix["Education"]["Não informado"] > 0.5 and offline.skews == ()
    # the mix still shows them, under their own name
    assert "Não informado" in profiles.overall_mix["Education"]


def test_a_run_says_what_it_read_as_codes(tmp_path: Path) -> None:
    source = tmp_path / "bank.csv"
    bank().to_csv(source, index=False)
    result = reportgen.run(
        reportgen.Config.build(input=source, out=tmp_path / "out", k=3, formats=())
    )
    summary = result.summary.to_dict()
    assert "pdays = -1 (never)" in summary["described_columns"]
    assert "pdays" not in [f["column"] for f in summary["features"]]
    columns = {c["name"]: c for c in summary["profile"]["columns"]}
    assert columns["pdays"]["sentinel"]["code"] == -1
    assert columns["pdays"]["sentinel"]["count"] == 1640
    assert [p["value"] for p in columns["poutcome"]["pseudo_levels"]] == ["unknown"]
    assert columns["housing"]["role"] == "binary"  # yes/no with 5% unknown
    assert all(k["value"] != "unknown" for s in summary["segments"] for k in s["category_skews"])
    kinds = {(a["kind"], a["column"]) for a in summary["profile"]["alerts"]}
    assert {("sentinel_code", "pdays"), ("pseudo_levels", "poutcome")} <= kinds


# -------------------------------------------------------------------------------- real tables


@pytest.fixture(scope="module")
def telco() -> tuple[pd.DataFrame, Profile, FeatureMatrix, SegmentProfiles]:
    frame = load(TELCO).frame
    return (frame, *described(frame))


def test_telco_service_columns_become_flags_with_not_applicable(telco) -> None:  # type: ignore[no-untyped-def]
    frame, found, matrix, profiles = telco
    raw = pd.read_csv(TELCO, na_values=[" "])  # independently
    no_internet = raw.InternetService == "No"
    for name in INTERNET_SERVICES:
        col = found.column(name)
        n_na = int((raw[name] == "No internet service").sum())
        assert n_na == 1526 and (raw[name] == "No internet service").equals(no_internet)
        assert (col.role, col.meaning) == ("binary", "flag"), name
        assert col.pseudo_levels == (
            codes.PseudoLevel("No internet service", codes.NOT_APPLICABLE, 1526),
        )
        assert name in matrix.described and name in profiles.flags
    lines = found.column("MultipleLines")
    assert int((raw.MultipleLines == "No phone service").sum()) == 682
    assert (raw.MultipleLines == "No phone service").equals(raw.PhoneService == "No")
    assert lines.pseudo_levels == (
        codes.PseudoLevel("No phone service", codes.NOT_APPLICABLE, 682),
    )
    assert found.column("InternetService").role == "categorical"  # "No" is a real answer there
    assert found.column("InternetService").pseudo_levels == ()
    assert not any(c.sentinel for c in found.columns)


def test_telco_flags_compare_yes_among_customers_they_apply_to(telco) -> None:  # type: ignore[no-untyped-def]
    frame, _, matrix, profiles = telco
    segmentation = labels(matrix, len(profiles.segments))
    seen = 0
    for s in profiles.segments:
        member = segmentation.labels == s.id
        for k in s.skews:
            assert k.value not in ("No internet service", "No phone service")
            if k.column in (*INTERNET_SERVICES, "MultipleLines"):
                applies = frame[k.column].isin(["Yes", "No"]).to_numpy()
                inside = frame[k.column][member & applies]
                assert k.segment_share == pytest.approx((inside == "Yes").mean(), abs=1e-6)
                everyone = frame[k.column][applies]
                assert k.overall_share == pytest.approx((everyone == "Yes").mean(), abs=1e-6)
                seen += 1
    assert seen >= 3


def test_clientes_nao_informado_is_counted_and_kept_out_of_skews() -> None:
    frame = load(CLIENTES).frame
    found, matrix, profiles = described(frame, k=4)
    raw = pd.read_csv(CLIENTES, encoding="latin-1")  # independently
    golden = {"Educação": 1519, "Estado Civil": 749, "Faixa Salarial Anual": 1112}
    for name, count in golden.items():
        assert int((raw[name] == "Não informado").sum()) == count
        col: ColumnProfile = found.column(name)
        assert col.pseudo_levels == (codes.PseudoLevel("Não informado", codes.NOT_KNOWN, count),)
        assert f"'Não informado' ({count:,} rows) read as not known" in col.meaning_reason
        assert matrix.not_known[name] == {"Não informado": "not known"}
    others = {c.name for c in found.columns if c.pseudo_levels}
    assert others == set(golden)
    assert not any(c.sentinel for c in found.columns)
    segmentation = labels(matrix, 4)
    for s in profiles.segments:
        member = segmentation.labels == s.id
        for k in s.skews:
            assert k.value != "Não informado"
            if k.column in golden:
                known = (raw[k.column] != "Não informado").to_numpy()
                inside = raw[k.column][member & known]
                assert k.segment_share == pytest.approx((inside == k.value).mean(), abs=1e-6)


def test_the_config_names_a_code_or_turns_the_reading_off() -> None:
    frame = bank()
    frame.loc[:3, "campaign"] = -999  # 4 rows: too few for the rules to call it a code
    assert profile(frame).column("campaign").sentinel is None
    given = profile(frame, corrections={"campaign": {"sentinel": -999}}).column("campaign")
    assert given.sentinel is not None and given.sentinel.code == -999
    assert given.sentinel.count == 4 and given.stats["min"] == 1
    off = profile(frame, corrections={"pdays": {"sentinel": False}}).column("pdays")
    assert off.sentinel is None and off.stats["min"] == -1
