"""Column meanings from names and values together, on synthetic look-alikes of real exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.formatting import percent
from reportgen.profiling import meanings
from reportgen.profiling.profile import profile
from reportgen.segmenting import features

RNG = np.random.default_rng(7)


def meanings_of(frame: pd.DataFrame) -> dict[str, str]:
    return {c.name: c.meaning for c in profile(frame).columns}


def order_lines(n: int = 600) -> pd.DataFrame:
    """An order-lines export keyed by company name, like Kaggle's sales_data_sample."""
    firms = ("Land of Toys", "Euro Shopping", "Mini Gifts", "Toys4Grownups", "Vitachrome",
             "Corporate Gift Ideas", "Australian Collectors", "Baane Mini Imports",
             "Dragon Souveniers", "Muscle Machine")  # fmt: skip
    companies = [f"{w} {s}" for w in firms for s in ("Inc.", "Co.", "Ltd")]
    customer = RNG.integers(0, len(companies), n)
    orders = np.sort(RNG.integers(10100, 10425, n))
    line = pd.Series(orders).groupby(orders).cumcount().to_numpy() + 1
    dates = pd.Timestamp("2003-01-06") + pd.to_timedelta(RNG.integers(0, 880, n), unit="D")
    quantity = RNG.integers(20, 66, n)
    price = np.round(RNG.uniform(30, 100, n), 2)
    return pd.DataFrame(
        {
            "ORDERNUMBER": orders,
            "QUANTITYORDERED": quantity,
            "PRICEEACH": price,
            "ORDERLINENUMBER": line,
            "SALES": np.round(quantity * price, 2),
            "STATUS": RNG.choice(
                ["Shipped", "Cancelled", "Disputed", "On Hold"], n, p=[0.9, 0.04, 0.03, 0.03]
            ),  # fmt: skip
            "QTR_ID": dates.quarter,
            "MONTH_ID": dates.month,
            "YEAR_ID": dates.year,
            "CUSTOMERNAME": [companies[c] for c in customer],
            "PHONE": [f"+1 (212) 555-{1000 + c:04d}" for c in customer],
            "ADDRESSLINE1": [f"{10 + c} Main Street" for c in customer],
            "CITY": [("NYC", "Paris", "Madrid", "Tokyo", "Oslo")[c % 5] for c in customer],
            "POSTALCODE": [10022 + c for c in customer],
            "CONTACTLASTNAME": [
                ("Young", "Brown", "Frick", "King", "Hirano")[c % 5] for c in customer
            ],
            "CONTACTFIRSTNAME": [
                (
                    "Julie",
                    "Kwai",
                    "Sue",
                    "Jean",
                    "Juri",
                    "Anna",
                    "Eric",
                    "Mary",
                    "Paul",
                    "Leslie",
                    "Zbyszek",
                )[c % 11]
                for c in customer
            ],  # fmt: skip
            "DEALSIZE": RNG.choice(["Small", "Medium", "Large"], n),
        }
    )


def test_order_lines_read_calendar_sequence_and_contact_columns() -> None:
    found = meanings_of(order_lines())
    assert found["ORDERNUMBER"] == found["ORDERLINENUMBER"] == "sequence"
    assert found["QTR_ID"] == found["MONTH_ID"] == found["YEAR_ID"] == "calendar"
    for name in ("PHONE", "ADDRESSLINE1", "CITY", "POSTALCODE", "CONTACTLASTNAME",
                 "CONTACTFIRSTNAME", "CUSTOMERNAME"):  # fmt: skip
        assert found[name] == "contact", name
    assert found["SALES"] == found["PRICEEACH"] == "money"
    assert found["QUANTITYORDERED"] == "count"
    assert found["STATUS"] == found["DEALSIZE"] == "category"


def test_calendar_sequence_and_contact_columns_are_never_clustered() -> None:
    frame = order_lines()
    matrix = features.build(frame, profile(frame))
    assert set(matrix.names) == {"QUANTITYORDERED", "PRICEEACH", "SALES"}
    dropped = {d.name: d.reason for d in matrix.dropped}
    assert "calendar part" in dropped["MONTH_ID"] and "sequence number" in dropped["ORDERNUMBER"]
    assert "contact or personal data" in dropped["PHONE"]
    assert "CITY" not in matrix.described and "CONTACTLASTNAME" not in matrix.described


def bank_marketing(n: int = 800) -> pd.DataFrame:
    """Like the UCI bank-marketing table: a day-of-month, month names, a -1 'never' code."""
    never = RNG.random(n) < 0.8
    return pd.DataFrame(
        {
            "age": RNG.integers(18, 90, n),
            "job": RNG.choice(["admin.", "technician", "services", "unknown"], n),
            "marital": RNG.choice(["married", "single", "divorced"], n),
            "balance": np.round(RNG.lognormal(6, 1.5, n) - 300),
            "day": RNG.integers(1, 32, n),
            "month": RNG.choice(["jan", "feb", "mar", "may", "jun", "jul", "aug", "nov"], n),
            "duration": RNG.integers(4, 3000, n),
            "campaign": RNG.integers(1, 20, n),
            "pdays": np.where(never, -1, RNG.integers(1, 400, n)),
            "previous": np.where(never, 0, RNG.integers(1, 8, n)),
            "poutcome": np.where(never, "unknown", RNG.choice(["success", "failure", "other"], n)),
            "y": RNG.choice(["no", "yes"], n, p=[0.88, 0.12]),
        }
    )


def test_bank_marketing_reads_day_and_month_as_calendar_and_y_as_the_outcome() -> None:
    found = meanings_of(bank_marketing())
    assert found["day"] == found["month"] == "calendar"
    assert found["y"] == "outcome"
    assert found["age"] == "age" and found["balance"] == "money"
    assert found["poutcome"] == "category"  # four levels: the last campaign's result, described
    assert found["duration"] == "duration" and found["campaign"] == "count"


def test_outcomes_from_names_and_from_values() -> None:
    n = 300
    frame = pd.DataFrame(
        {
            "Churn": RNG.choice(["Yes", "No"], n),
            "Exited": RNG.integers(0, 2, n),
            "Categoria": RNG.choice(["Cliente", "Cancelado"], n, p=[0.84, 0.16]),
            "Attrition_Flag": RNG.choice(["Existing Customer", "Attrited Customer"], n),
            "Complain": RNG.integers(0, 2, n),
            "Partner": RNG.choice(["Yes", "No"], n),
            "spend": RNG.gamma(2, 50, n),
        }
    )
    found = meanings_of(frame)
    assert [found[c] for c in ("Churn", "Exited", "Categoria", "Attrition_Flag")] == ["outcome"] * 4
    assert found["Complain"] == found["Partner"] == "flag"
    matrix = features.build(frame, profile(frame))
    assert matrix.names == ("spend",)
    assert "Categoria" not in matrix.described and "Partner" in matrix.described


def test_shares_are_neither_logged_nor_clipped() -> None:
    n = 1000
    # a fraction of months with a purchase: most customers low, a long tail up to 1
    share = np.round(np.clip(RNG.beta(0.6, 6, n), 0, 1), 3)
    frame = pd.DataFrame({"purchase_frequency": share, "spend": RNG.gamma(2, 40, n)})
    p = profile(frame)
    assert p.column("purchase_frequency").meaning == "share"
    spec = next(s for s in features.build(frame, p).specs if s.column == "purchase_frequency")
    assert spec.transform == "none" and spec.clip_low is None and spec.n_clipped == 0
    # as money the same values would have been logged or limited
    money = features._fit_spec(frame["purchase_frequency"], "x", "numeric", meaning="money")
    assert money.transform == "log1p" or money.n_clipped > 0


def test_contact_data_from_names_and_values() -> None:
    n = 120
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "contact": [f"person{i}@example.com" for i in range(n)],
            "Phone Number": [f"+44 20 7946 {i:04d}" for i in range(n)],
            "Postal Code": RNG.integers(10000, 99999, n),
            "City": RNG.choice(["Leeds", "York", "Bath", "Hull"], n),
            "CityTier": RNG.integers(1, 4, n),
            "NumberOfAddress": RNG.integers(1, 10, n),
            "Customer Name": [f"Name {i}" for i in range(n)],
            "Product Name": RNG.choice(["Chair", "Desk", "Lamp"], n),
            "spend": RNG.gamma(2, 40, n),
        }
    )
    found = meanings_of(frame)
    for name in ("contact", "Phone Number", "Postal Code", "City", "Customer Name"):
        assert found[name] == "contact", name
    assert found["CityTier"] == "category" and found["NumberOfAddress"] == "count"
    assert found["Product Name"] == "category"
    matrix = features.build(frame, profile(frame))
    assert "Postal Code" not in matrix.names and "City" not in matrix.described


def test_two_extreme_customers_do_not_make_a_feature() -> None:
    n = 120
    returns = np.zeros(n)
    returns[[5, 77]] = [0.6, 0.9]  # two customers returned something
    frame = pd.DataFrame(
        {
            "recency_days": RNG.integers(1, 300, n),
            "frequency_orders": RNG.integers(1, 30, n),
            "return_share": returns,
        }
    )
    matrix = features.build(frame, profile(frame))
    assert "return_share" not in matrix.names
    reason = {d.name: d.reason for d in matrix.dropped}["return_share"]
    assert reason.startswith("almost constant: 98% of customers have 0")


def test_a_near_duplicate_feature_is_left_out_with_its_twin_named() -> None:
    n = 500
    limit = RNG.gamma(2, 4000, n)
    used = RNG.uniform(0, 1500, n)
    frame = pd.DataFrame(
        {
            "credit_limit": limit,
            "limit_used": used,
            "limit_available": limit - used,
            "transactions": RNG.integers(10, 140, n),
        }  # fmt: skip
    )
    matrix = features.build(frame, profile(frame))
    assert matrix.names == ("credit_limit", "limit_used", "transactions")
    reason = {d.name: d.reason for d in matrix.dropped}["limit_available"]
    expected = np.corrcoef(limit, limit - used)[0, 1]
    assert reason.startswith(f"almost the same as credit_limit (correlation {expected:.2f})")
    # the user's own --feature list is taken as given
    chosen = features.build(frame, profile(frame), features=["credit_limit", "limit_available"])
    assert chosen.names == ("credit_limit", "limit_available")


def test_unique_numbers_named_like_codes_are_identifiers() -> None:
    n = 400
    frame = pd.DataFrame(
        {
            "Loyalty Number": RNG.choice(np.arange(100000, 999999), n, replace=False),
            "income": RNG.integers(20000, 150000, n),  # unique too, but a measure
            "visits": RNG.integers(0, 40, n),
        }
    )
    p = profile(frame)
    assert p.column("Loyalty Number").meaning == "identifier"
    assert p.id_column == "Loyalty Number"
    assert p.column("income").meaning == "money"
    frame["CLIENTNUM"] = RNG.choice(np.arange(708000000, 828000000), n, replace=False)
    frame = frame.drop(columns="Loyalty Number")
    assert profile(frame).column("CLIENTNUM").meaning == "identifier"


def test_demographics_are_described_not_clustered() -> None:
    n = 300
    frame = pd.DataFrame(
        {
            "Year_Birth": RNG.integers(1940, 2000, n),
            "Kidhome": RNG.integers(0, 3, n),
            "Idade": RNG.integers(18, 80, n),
            "Inatividade 12m": RNG.integers(0, 7, n),
            "Meses como Cliente": RNG.integers(13, 57, n),
            "Recency": RNG.integers(0, 100, n),
            "MntWines": RNG.gamma(1, 300, n),
        }
    )
    p = profile(frame)
    assert p.column("Year_Birth").meaning == "age"
    assert p.column("Year_Birth").meaning_detail == "birth year"
    assert p.column("Kidhome").meaning == "household" and p.column("Idade").meaning == "age"
    assert p.column("Inatividade 12m").meaning_detail == "recency"
    assert p.column("Meses como Cliente").meaning_detail == "tenure"
    matrix = features.build(frame, p)
    assert set(matrix.names) == {"Inatividade 12m", "Meses como Cliente", "Recency", "MntWines"}


@pytest.mark.parametrize(
    ("name", "vocabulary", "expected"),
    [
        ("Country", ("count",), None),
        ("Account balance", ("count",), None),
        ("ORDERNUMBER", ("order",), "order"),
        ("ORDERNUMBER", ("number",), "number"),
        ("NumWebVisitsMonth", ("num",), "num"),
        ("Inatividade 12m", ("idade",), None),
        ("Quantidade", ("idade",), None),
        ("Idade", ("idade",), "idade"),
        ("Taxa de Utilização Cartão", ("utilizacao",), "utilizacao"),
        ("days_since_last_purchase", ("since",), "since"),
        ("Usage", ("age",), None),
    ],
)
def test_has_word(name: str, vocabulary: tuple[str, ...], expected: str | None) -> None:
    assert meanings.has_word(name, vocabulary) == expected


def airline_loyalty(n: int = 600) -> pd.DataFrame:
    """Like Maven's airline loyalty table: dates split into year and month columns, a
    cancellation date blank for active members, postal codes and cities."""
    enrolled = RNG.integers(2012, 2019, n)
    cancelled = RNG.random(n) < 0.15
    cancel_year = np.where(cancelled, np.minimum(enrolled + RNG.integers(0, 3, n), 2018), np.nan)
    return pd.DataFrame(
        {
            "Loyalty Number": RNG.choice(np.arange(100000, 999999), n, replace=False),
            "City": RNG.choice(["Toronto", "Vancouver", "Montreal", "Halifax"], n),
            "Postal Code": RNG.choice(["M2Z 4K1", "V6E 3D9", "H2Y 2W2", "B3J 2K9"], n),
            "Salary": np.round(RNG.normal(80000, 20000, n)),
            "CLV": np.round(RNG.lognormal(8.7, 0.6, n), 2),
            "Enrollment Year": enrolled,
            "Enrollment Month": RNG.integers(1, 13, n),
            "Cancellation Year": cancel_year,
            "Cancellation Month": np.where(cancelled, RNG.integers(1, 13, n), np.nan),
        }
    )


def test_year_and_month_columns_become_a_date_and_a_cancellation_an_outcome(
    tmp_path: Path,
) -> None:
    import json

    from reportgen import Config, run

    frame = airline_loyalty()
    source = tmp_path / "loyalty.csv"
    frame.to_csv(source, index=False)
    out = tmp_path / "out"
    run(Config.build(input=source, out=out, formats=(), k=3))
    summary = json.loads((out / "summary.json").read_text())
    details = {c["column"]: c["detail"] for c in summary["conversions"]}
    assert details["Enrollment date"] == (
        "Enrollment Year + Enrollment Month read together as the date Enrollment date "
        "(first of the month)"
    )
    blanks = int(frame["Cancellation Year"].isna().sum())
    assert details["Cancellation date"].endswith(f"; {blanks:,} rows have no date")
    assert summary["input"]["id_column"] == "Loyalty Number"
    assert [f["name"] for f in summary["features"]] == [
        "Salary", "CLV", "Enrollment date tenure (days)",
    ]  # fmt: skip
    (outcome,) = summary["outcomes"]
    assert outcome["label"] == "Cancellation"
    assert outcome["overall"] == pytest.approx(frame["Cancellation Year"].notna().mean())
    meanings = {c["name"]: c["meaning"] for c in summary["profile"]["columns"]}
    assert meanings["Enrollment Year"] == meanings["Cancellation Month"] == "calendar"
    assert meanings["City"] == meanings["Postal Code"] == "contact"
    assert "City" not in summary["described_columns"]


def test_negative_incomes_and_blank_event_dates_are_said_plainly() -> None:
    frame = airline_loyalty()
    frame.loc[[3, 8], "Salary"] = [-58486, -1200]
    frame["Cancellation date"] = pd.to_datetime(
        {"year": frame["Cancellation Year"], "month": frame["Cancellation Month"], "day": 1}
    )
    alerts = {(a.column, a.kind): a for a in profile(frame).alerts}
    salary = alerts[("Salary", "implausible_values")]
    assert salary.message == (
        "Salary: 2 values are negative (-58486, -1200): a salary cannot be; check the export"
    )
    blank = int(frame["Cancellation date"].isna().sum())
    event = alerts[("Cancellation date", "missing")]
    assert event.severity == "info" and event.message.endswith(
        f"{blank:,} values ({percent(blank / len(frame))}) are blank: read as not happened"
    )
    assert ("Cancellation Year", "mostly_missing") not in alerts  # a calendar part, left out


@pytest.mark.parametrize("zone", ["Z", ".250Z", "+00:00"])
def test_utc_timestamps_mean_a_date_like_the_same_times_without_a_zone(
    tmp_path: Path, zone: str
) -> None:
    from reportgen.reading.tables import load

    n = 60
    days = pd.Timestamp(2023, 1, 1) + pd.to_timedelta(RNG.integers(0, 700, n), unit="D")
    plain = [f"{d:%Y-%m-%d} 14:22:01" for d in days]
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "spend": RNG.integers(10, 500, n),
            "visits": RNG.integers(1, 30, n),
            "signup": [f"{d:%Y-%m-%d}T14:22:01{zone}" for d in days],
        }
    )
    source = tmp_path / "zoned.csv"
    frame.to_csv(source, index=False)
    read = load(source)
    p = profile(read.frame, date_formats=read.date_formats)
    signup = p.column("signup")
    assert (signup.role, signup.meaning, signup.role_reason) == (
        "date",
        "date",
        "dates, written year-month-day",
    )
    assert p.id_column == "customer_id"
    matrix = features.build(read.frame, p)
    assert list(matrix.names) == ["spend", "visits", "signup tenure (days)"]
    # the same instants written without a zone are read the same way
    frame["signup"] = plain
    frame.to_csv(source, index=False)
    read = load(source)
    same = profile(read.frame, date_formats=read.date_formats).column("signup")
    assert (same.role, same.meaning, same.role_reason) == (
        signup.role,
        signup.meaning,
        signup.role_reason,
    )


def _signup_table(cells: list[str]) -> pd.DataFrame:
    n = len(cells)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "spend": RNG.integers(10, 500, n),
            "visits": RNG.integers(1, 30, n),
            "signup": cells,
        }
    )


def test_a_date_column_with_a_few_numbers_is_a_date_and_the_alert_says_which(
    tmp_path: Path,
) -> None:
    import json

    from reportgen import Config, run

    days = pd.Timestamp(2023, 1, 1) + pd.to_timedelta(RNG.permutation(300)[:78], unit="D")
    cells = [f"{d:%Y-%m-%d}" for d in days]
    cells[5], cells[40] = "45123", "12.5"  # data rows 6 and 41
    source = tmp_path / "mixed.csv"
    _signup_table(cells).to_csv(source, index=False)
    out = tmp_path / "out"
    run(Config.build(input=source, out=out, formats=(), k=3))
    summary = json.loads((out / "summary.json").read_text())
    signup = next(c for c in summary["profile"]["columns"] if c["name"] == "signup")
    assert (signup["meaning"], signup["n_missing"]) == ("date", 2)
    alerts = [a for a in summary["profile"]["alerts"] if a["kind"] == "mixed_values"]
    assert alerts == [
        {
            "kind": "mixed_values",
            "column": "signup",
            "message": "signup: 76 dates and 2 numbers ('45123' in data row 6, '12.5' in data "
            "row 41); read as dates, as at least 95% of the values are, and the 2 values that "
            "are not dates set aside as missing",
            "severity": "warning",
        }
    ]
    assert "signup tenure (days)" in [f["name"] for f in summary["features"]]


def test_dates_and_numbers_half_and_half_are_left_out_not_an_identifier(tmp_path: Path) -> None:
    import json

    from reportgen import Config, run

    days = pd.Timestamp(2023, 1, 1) + pd.to_timedelta(RNG.permutation(300)[:30], unit="D")
    numbers = RNG.permutation(np.arange(44000, 45000))[:30]
    cells = [v for d, x in zip(days, numbers, strict=True) for v in (f"{d:%Y-%m-%d}", str(x))]
    assert len(set(cells)) == len(cells)  # every value unique: it looked like an identifier
    source = tmp_path / "half.csv"
    _signup_table(cells).to_csv(source, index=False)
    out = tmp_path / "out"
    run(Config.build(input=source, out=out, formats=(), k=3))
    summary = json.loads((out / "summary.json").read_text())
    signup = next(c for c in summary["profile"]["columns"] if c["name"] == "signup")
    reason = "30 dates and 30 numbers in one column: neither dates nor a measure"
    assert (signup["role"], signup["meaning"], signup["meaning_reason"]) == (
        "text",
        "text",
        reason,
    )
    assert summary["input"]["id_column"] == "customer_id"
    dropped = {d["name"]: d["reason"] for d in summary["dropped_columns"]}
    assert dropped["signup"] == reason
    (alert,) = [a for a in summary["profile"]["alerts"] if a["column"] == "signup"]
    assert alert["kind"] == "mixed_values" and alert["severity"] == "warning"
    assert alert["message"].startswith(
        f"signup: 30 dates and 30 numbers ('{cells[1]}' in data row 2, '{cells[3]}' in data "
        f"row 4, '{cells[5]}' in data row 6, ...); left out"
    )
