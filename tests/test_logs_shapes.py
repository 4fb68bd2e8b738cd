"""Transaction logs of other real shapes: keyed by a customer name, with a status column,
without amounts. Expected figures come from plain pandas on the same lines."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.reading.tables import load
from reportgen.reading.transactions import TransactionLog, derive
from tests.conftest import GROCERIES, RETAIL, DefaultRuns

NOT_PURCHASES = ("Cancelled", "Disputed")  # the generator's statuses that are set aside
STATUSES = ("Shipped", "Resolved", "On Hold", "In Process", *NOT_PURCHASES)


# --------------------------------------------------------------------------------------------
# An order-lines export shaped like Kaggle's "sales_data_sample" (no customer id)


def order_lines(n_companies: int = 50, *, seed: int = 0, troubles: bool = True) -> pd.DataFrame:
    """Order lines of companies known only by name: ORDERNUMBER spans several lines numbered
    1..n, dates written '2/24/2003 0:00', quarter/month/year columns, phone and contact names.
    With ``troubles`` some orders are not Shipped, and the first company's only order was
    cancelled."""
    rng = np.random.default_rng(seed)
    first = ["Land of", "Mini", "Australian", "Euro", "Vitachrome", "Baane", "Corporate"]
    first += ["Atelier", "Signal", "Dragon", "Toys4", "Gift", "Classic", "Heintze", "Muscle"]
    second = ["Toys", "Gifts", "Collectors", "Shopping", "Models", "Souveniers", "Replicas"]
    second += ["Mart", "Cars", "Depot", "Emporium", "Traders"]
    suffix = ["Inc.", "Ltd.", ", Co.", "Corp", "GmbH", "& Co.", "AG", "Imports"]
    names: list[str] = []
    while len(names) < n_companies:
        name = f"{rng.choice(first)} {rng.choice(second)} {rng.choice(suffix)}"
        if (name := name.replace(" ,", ",")) not in names:
            names.append(name)
    codes = [f"S{rng.choice([10, 12, 18, 24, 32, 50, 700])}_{rng.integers(1000, 4000)}"]
    codes += [f"S{rng.choice([10, 18, 24])}_{rng.integers(1000, 4000)}" for _ in range(59)]
    families = ["Classic Cars", "Motorcycles", "Planes", "Ships", "Trains", "Vintage Cars"]
    lines: list[dict[str, object]] = []
    number = 10100
    for at, name in enumerate(names):
        phone = f"+1 {rng.integers(200, 999)} 555 {rng.integers(1000, 9999)}"
        contact = (
            str(rng.choice(["Young", "Frick", "Brown", "King"])),
            str(rng.choice(["Sue", "Peter"])),
        )
        for _ in range(1 if at == 0 else int(rng.integers(1, 9))):
            number += 1
            day = date(2003, 1, 6) + timedelta(days=int(rng.integers(0, 880)))
            status = "Shipped"
            if troubles:
                status = (
                    "Cancelled"
                    if at == 0
                    else str(rng.choice(STATUSES, p=[0.8, 0.04, 0.03, 0.03, 0.06, 0.04]))
                )
            for line, i in enumerate(
                rng.choice(len(codes), int(rng.integers(1, 12)), replace=False), 1
            ):
                quantity, price = int(rng.integers(20, 51)), round(float(rng.uniform(30, 100)), 2)
                sales = round(quantity * price, 2)
                lines.append({
                    "ORDERNUMBER": number, "QUANTITYORDERED": quantity, "PRICEEACH": price,
                    "ORDERLINENUMBER": line, "SALES": sales,
                    "ORDERDATE": f"{day.month}/{day.day}/{day.year} 0:00", "STATUS": status,
                    "QTR_ID": (day.month - 1) // 3 + 1, "MONTH_ID": day.month, "YEAR_ID": day.year,
                    "PRODUCTLINE": families[int(i) % len(families)], "MSRP": int(price * 1.3),
                    "PRODUCTCODE": codes[int(i)], "CUSTOMERNAME": name, "PHONE": phone,
                    "ADDRESSLINE1": f"{at + 1} Main St.", "ADDRESSLINE2": "",
                    "CITY": "NYC", "STATE": str(rng.choice(["NY", "CA", ""])),
                    "POSTALCODE": "10022", "COUNTRY": "USA", "TERRITORY": "NA",
                    "CONTACTLASTNAME": contact[0], "CONTACTFIRSTNAME": contact[1],
                    "DEALSIZE": "Small" if sales < 3000 else "Medium",
                })  # fmt: skip
    return pd.DataFrame(lines)


def by_pandas(frame: pd.DataFrame) -> pd.DataFrame:
    """Per company from the purchase lines (statuses other than NOT_PURCHASES), as of the
    day after the last date of any line."""
    days = pd.to_datetime(frame["ORDERDATE"], format="%m/%d/%Y %H:%M").dt.normalize()
    as_of = days.max() + pd.Timedelta(days=1)
    kept = frame.assign(day=days)[~frame["STATUS"].isin(NOT_PURCHASES)]
    group = kept.groupby("CUSTOMERNAME")
    spend = group["SALES"].sum()
    orders = group["ORDERNUMBER"].nunique()
    return pd.DataFrame(
        {
            "recency_days": (as_of - group["day"].max()).dt.days,
            "frequency_orders": orders,
            "monetary_spend": spend.round(2),
            "avg_order_value": (spend / orders).round(2),
            "tenure_days": (as_of - group["day"].min()).dt.days,
            "distinct_products": group["PRODUCTCODE"].nunique(),
        }
    )


def read(frame: pd.DataFrame, path: Path) -> TransactionLog:
    frame.to_csv(path, index=False)
    return derive(load(path))


def assert_table(result: TransactionLog, expected: pd.DataFrame) -> None:
    assert result.table is not None and result.columns is not None
    table = result.table.set_index(result.columns.customer).sort_index()
    assert table.index.tolist() == expected.index.tolist()
    for column in expected.columns:
        if table[column].dtype.kind == "f":
            gap = (table[column] - expected[column]).abs().max()
            assert gap < 0.006, (column, gap)
        else:
            assert table[column].tolist() == expected[column].tolist(), column


def test_a_log_keyed_by_company_name_is_read_without_flags(tmp_path: Path) -> None:
    frame = order_lines(troubles=False)
    result = read(frame, tmp_path / "sales_data_sample.csv")
    assert result.detected and result.how == "detected"
    assert result.columns is not None
    assert result.columns.customer == "CUSTOMERNAME"
    assert result.columns.invoice == "ORDERNUMBER"
    assert (result.columns.amount, result.columns.product) == ("SALES", "PRODUCTCODE")
    assert result.columns.date == "ORDERDATE" and result.columns.quantity == "QUANTITYORDERED"
    assert result.reason.startswith(
        f"CUSTOMERNAME repeats (50 customers, known by name, on {len(frame):,} lines)"
    )
    assert result.frequency_basis == "distinct invoices (ORDERNUMBER)"
    assert result.n_customers == 50 == frame["CUSTOMERNAME"].nunique() < len(frame) // 5
    assert result.table is not None and result.table["CUSTOMERNAME"].is_unique
    assert_table(result, by_pandas(frame))


@pytest.mark.parametrize("header", ["customername", "CustomerName", "Customer Name", "Company"])
def test_the_name_column_is_found_however_it_is_written(tmp_path: Path, header: str) -> None:
    frame = order_lines(12, seed=1, troubles=False).rename(columns={"CUSTOMERNAME": header})
    result = read(frame, tmp_path / "lines.csv")
    assert result.columns is not None and result.columns.customer == header


def test_an_order_line_number_is_not_an_order_number(tmp_path: Path) -> None:
    frame = order_lines(12, seed=2, troubles=False).drop(columns=["ORDERNUMBER"])
    result = read(frame, tmp_path / "lines.csv")
    assert result.columns is not None and result.columns.invoice is None
    assert result.frequency_basis == "distinct purchase days"


def test_an_id_is_preferred_to_a_name_and_contacts_are_not_customers(tmp_path: Path) -> None:
    frame = order_lines(12, seed=3, troubles=False)
    contacts_first = frame[["CONTACTLASTNAME", *frame.columns.drop("CONTACTLASTNAME")]]
    ids = {n: f"C{i:03d}" for i, n in enumerate(frame["CUSTOMERNAME"].unique())}
    with_id = contacts_first.assign(CUSTOMERNUMBER=frame["CUSTOMERNAME"].map(ids))
    result = read(with_id, tmp_path / "lines.csv")
    assert result.columns is not None and result.columns.customer == "CUSTOMERNUMBER"
    assert "known by name" not in result.reason


# --------------------------------------------------------------------------------------------
# Status columns: cancelled, returned and disputed lines are not purchases


def test_status_values_set_lines_aside_and_spend_is_counted_without_them(tmp_path: Path) -> None:
    frame = order_lines()
    result = read(frame, tmp_path / "sales_data_sample.csv")
    statuses = frame["STATUS"].value_counts()
    assert result.status is not None and result.status.column == "STATUS"
    assert {v: n for v, _, n in result.status.set_aside} == statuses[list(NOT_PURCHASES)].to_dict()
    assert dict(result.status.kept) == statuses.drop(list(NOT_PURCHASES)).to_dict()
    aside = {s.reason: s.rows for s in result.set_aside if s.rows}
    assert aside == {"cancellation": statuses["Cancelled"], "disputed": statuses["Disputed"]}
    assert result.rows_used == len(frame) - statuses[list(NOT_PURCHASES)].sum()
    assert result.return_rows == statuses["Cancelled"]
    assert "STATUS sets aside Cancelled (" in result.reason and "keeps Shipped (" in result.reason
    why = {s.reason: s.explanation for s in result.set_aside}
    assert why["cancellation"].startswith("STATUS is Cancelled: not a purchase (cancelled)")
    expected = by_pandas(frame)
    assert result.n_customers == len(expected) < frame["CUSTOMERNAME"].nunique()
    assert_table(result, expected)
    # the return share: cancelled value over what was ordered; nothing is taken off spend
    sales = frame.pivot_table("SALES", "CUSTOMERNAME", "STATUS", aggfunc="sum", fill_value=0)
    kept = sales.drop(columns=list(NOT_PURCHASES)).sum(axis=1)
    share = (sales["Cancelled"] / (kept + sales["Cancelled"]))[kept > 0]
    assert result.table is not None
    derived = result.table.set_index("CUSTOMERNAME")["return_share"]
    assert (derived - share).abs().max() < 6e-5 and share.max() > 0.1
    only_cancelled = ((sales["Cancelled"] > 0) & (kept == 0)).sum()
    assert result.customers_only_returns == only_cancelled >= 1  # the first company


@pytest.mark.parametrize(
    ("spelling", "reason"),
    [
        ("Canceled", "cancellation"),
        ("VOID", "cancellation"),
        ("Rejected", "cancellation"),
        ("Returned", "return"),
        ("Refunded", "return"),
        ("Chargeback", "return"),
        ("In dispute", "disputed"),
    ],
)
def test_the_status_values_decide_not_one_spelling(
    tmp_path: Path, spelling: str, reason: str
) -> None:
    frame = order_lines(15, seed=4).rename(columns={"STATUS": "order_status"})
    frame["order_status"] = frame["order_status"].replace(
        {"Cancelled": spelling, "Disputed": "Shipped"}
    )
    result = read(frame, tmp_path / "lines.csv")
    aside = {s.reason: s.rows for s in result.set_aside}
    assert aside[reason] == (frame["order_status"] == spelling).sum() > 0
    assert result.status is not None and result.status.column == "order_status"
    assert (spelling, reason) in {(v, r) for v, r, _ in result.status.set_aside}


def test_a_state_column_is_not_a_status(tmp_path: Path) -> None:
    frame = order_lines(15, seed=5).drop(columns=["STATUS"])
    result = read(frame, tmp_path / "lines.csv")
    assert result.status is None and result.rows_used == len(frame)
    assert "sets aside" not in result.reason


def test_the_cli_says_which_status_values_were_set_aside(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reportgen.cli import main

    path = tmp_path / "sales_data_sample.csv"
    frame = order_lines()
    frame.to_csv(path, index=False)
    out = tmp_path / "out"
    args = ["run", str(path), "--out", str(out), "--format", "html", "--k", "3"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    assert "Transaction log detected: CUSTOMERNAME repeats" in result.stdout
    assert "STATUS sets aside Cancelled (" in result.stdout
    statuses = frame["STATUS"].value_counts()
    assert f"{statuses['Disputed']:,} disputed" in result.stdout
    tx = json.loads((out / "summary.json").read_text(encoding="utf-8"))["transactions"]
    assert tx["status"] == {
        "column": "STATUS",
        "set_aside": statuses[list(NOT_PURCHASES)].to_dict(),
        "kept": statuses.drop(list(NOT_PURCHASES)).to_dict(),
    }
    assert tx["set_aside"]["disputed"] == statuses["Disputed"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "STATUS is Disputed: not a purchase until resolved" in html


# --------------------------------------------------------------------------------------------
# Logs without amounts: baskets of items (the real Kaggle "Groceries dataset")

BASKET_COLUMNS = ["recency_days", "frequency_orders", "items_bought", "tenure_days"]
BASKET_COLUMNS += ["distinct_products"]


def groceries_by_pandas() -> pd.DataFrame:
    """Per member: a basket is (member, day); every line is one item, repeated lines too."""
    frame = pd.read_csv(GROCERIES)
    frame["day"] = pd.to_datetime(frame["Date"], format="%d-%m-%Y")
    frame["item"] = frame["itemDescription"].str.strip()
    as_of = frame["day"].max() + pd.Timedelta(days=1)
    group = frame.groupby("Member_number")
    return pd.DataFrame(
        {
            "recency_days": (as_of - group["day"].max()).dt.days,
            "frequency_orders": group["day"].nunique(),
            "items_bought": group.size(),
            "tenure_days": (as_of - group["day"].min()).dt.days,
            "distinct_products": group["item"].nunique(),
        }
    )


@pytest.fixture(scope="module")
def groceries() -> TransactionLog:
    return derive(load(GROCERIES))


def test_a_basket_log_without_amounts_is_read_as_a_log(groceries: TransactionLog) -> None:
    result = groceries
    assert result.detected and result.how == "detected" and result.columns is not None
    assert result.columns.as_dict() == {
        "customer": "Member_number",
        "date": "Date",
        "amount": None,
        "quantity": None,
        "price": None,
        "invoice": None,
        "product": "itemDescription",
        "description": "itemDescription",
    }
    assert result.reason.startswith("Member_number repeats (3,898 customers on 38,765 lines)")
    assert (
        "no amounts" in result.reason
        and "759 repeated lines are items bought again" in result.reason
    )
    assert (result.first_date, result.last_date, result.as_of) == (
        "2014-01-01", "2015-12-30", "2015-12-31",
    )  # fmt: skip
    assert result.n_set_aside == 0 and result.rows_used == 38_765 and result.return_rows == 0
    assert result.frequency_basis == "distinct baskets, one per customer and day"
    assert result.table is not None and result.extra is not None
    assert list(result.table.columns) == ["Member_number", *BASKET_COLUMNS]
    assert list(result.extra.columns) == ["r_score", "f_score", "first_purchase", "last_purchase"]
    assert result.rfm_counts == {} and result.scores.startswith("R and F scores (no M")
    assert result.table["Member_number"].dtype.kind == "i"  # an identifier, kept as integers


def test_basket_figures_equal_an_independent_pandas_computation(
    groceries: TransactionLog,
) -> None:
    assert groceries.table is not None
    table = groceries.table.set_index("Member_number")
    expected = groceries_by_pandas()
    assert table.index.tolist() == expected.index.tolist()
    assert table[BASKET_COLUMNS].equals(expected[BASKET_COLUMNS].astype("int64"))
    # the golden figures: 3,898 members, 14,963 baskets, 38,765 items
    totals = table[BASKET_COLUMNS].sum().to_dict()
    assert totals == {
        "recency_days": 735_558,
        "frequency_orders": 14_963,
        "items_bought": 38_765,
        "tenure_days": 2_187_854,
        "distinct_products": 34_766,
    }
    assert len(table) == 3_898
    assert table.loc[1000].tolist() == [36, 5, 13, 555, 11]
    assert table.loc[5000].tolist() == [324, 3, 7, 662, 7]


def test_a_log_without_spend_gets_no_spend_role_and_no_rfm_names(
    groceries: TransactionLog,
) -> None:
    from reportgen.profiling.roles import assign_roles
    from reportgen.reading.transactions import ROLES, rfm_map

    assert groceries.table is not None
    roles = assign_roles([(c, "count", "", "numeric") for c in BASKET_COLUMNS], ROLES)
    assert roles == {
        "recency_days": "recency",
        "frequency_orders": "frequency",
        "items_bought": None,
        "tenure_days": "tenure",
        "distinct_products": "breadth",
    }  # segments._with_rfm names segments on the RFM grid only with a "spend" feature
    labels = np.zeros(len(groceries.table), dtype=int)
    assert rfm_map(groceries, labels, {0: "All"}) is None


def test_a_log_with_quantities_but_no_prices_counts_items(tmp_path: Path) -> None:
    frame = order_lines(20, seed=6, troubles=False).drop(columns=["SALES", "PRICEEACH", "MSRP"])
    result = read(frame, tmp_path / "lines.csv")
    assert result.columns is not None and not result.columns.spend
    assert result.columns.quantity == "QUANTITYORDERED"
    assert result.table is not None and "monetary_spend" not in result.table
    table = result.table.set_index("CUSTOMERNAME").sort_index()
    group = frame.groupby("CUSTOMERNAME")
    assert table["items_bought"].tolist() == group["QUANTITYORDERED"].sum().tolist()
    assert table["frequency_orders"].tolist() == group["ORDERNUMBER"].nunique().tolist()
    assert dict(result.features)["items_bought"] == "items bought: the sum of QUANTITYORDERED"


def test_a_customer_table_with_a_date_is_still_not_a_log(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    frame = pd.DataFrame(
        {
            "account_id": rng.integers(0, 60, 300),  # repeats, but nothing is bought
            "signup_date": pd.date_range("2020-01-01", periods=300).strftime("%Y-%m-%d"),
            "age": rng.integers(18, 80, 300),
            "visits": rng.integers(0, 30, 300),
        }
    )
    result = read(frame, tmp_path / "accounts.csv")
    assert not result.detected
    assert result.reason == (
        "not a transaction log: no amount column, nor a quantity and a price, "
        "nor products or invoices"
    )


def test_the_cli_reads_the_basket_log_without_flags(default_run: DefaultRuns) -> None:
    groceries = default_run(GROCERIES)  # reportgen run GROCERIES --out OUT
    out, printed = groceries.out, groceries.printed
    assert "Transaction log detected: Member_number repeats" in printed
    assert "3,898 customers as of 2015-12-31" in printed
    assert "R and F scores (no M or RFM name without amounts) in customers.csv" in printed
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["input"]["id_column"] == "Member_number"
    # items and distinct products go together (r 0.98): counted once
    assert [f["name"] for f in summary["features"]] == BASKET_COLUMNS[:4]
    dropped = {d["name"]: d["reason"] for d in summary["dropped_columns"]}
    assert dropped["distinct_products"].startswith("almost the same as items_bought")
    assert summary["transactions"]["rfm"] == {"counts": {}, "by_segment": None}
    customers = pd.read_csv(out / "customers.csv")
    assert len(customers) == 3_898 and customers["Member_number"].is_unique
    assert not {"monetary_spend", "rfm_segment", "m_score"} & set(customers.columns)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "each customer's R and F scores (no M" in html and 'class="tx-rfm"' not in html


def test_retail_transactions_is_a_log_as_read() -> None:
    """trans_date is written '11-Feb-13': the loader reads it, and the log is recognised."""
    result = derive(load(RETAIL))
    assert result.detected and result.columns is not None
    assert (result.columns.customer, result.columns.amount) == ("customer_id", "tran_amount")
    assert result.n_customers == 6_889
    assert {s.reason: s.rows for s in result.set_aside if s.rows} == {"duplicate": 6}


def test_a_space_aligned_log_without_header_and_integer_dates_is_read(tmp_path: Path) -> None:
    """Like the CDNOW purchase log: `00001 19970101  1  11.77`, no header row."""
    rng = np.random.default_rng(11)
    rows = []
    for customer in range(1, 300):
        for day in np.sort(rng.integers(0, 540, rng.integers(1, 8))):
            when = date(1997, 1, 1) + timedelta(days=int(day))
            quantity = int(rng.integers(1, 6))
            rows.append((customer, when, quantity, round(quantity * rng.uniform(8, 20), 2)))
    path = tmp_path / "cdnow.txt"
    path.write_text(
        "".join(f"{c:05d} {d:%Y%m%d} {q:2d} {a:6.2f}\n" for c, d, q, a in rows), encoding="ascii"
    )
    result = derive(load(path))
    assert result.detected and result.columns is not None and result.table is not None
    assert (result.columns.customer, result.columns.date) == ("column_1", "column_2")
    assert result.columns.amount == "column_4"
    assert result.reason.startswith("the file has no header row")
    expected = pd.DataFrame(rows, columns=["c", "d", "q", "a"]).groupby("c")["a"].sum()
    table = result.table.set_index("column_1")
    assert len(table) == expected.size == 299
    assert np.allclose(table.loc[expected.index, "monetary_spend"], expected.to_numpy())
    first = pd.DataFrame(rows, columns=["c", "d", "q", "a"])["d"].min()
    assert result.first_date == first.isoformat()


@pytest.mark.parametrize(
    ("name", "zone"), [("placed", "Z"), ("placed", ".123Z"), ("created_at", "+00:00")]
)
def test_a_log_dated_in_utc_timestamps_is_read_by_its_dates(
    tmp_path: Path, name: str, zone: str
) -> None:
    """API exports write '2024-03-05T14:22:01Z'; the date column is found by its values, so a
    name without a date word ('placed') works, and recency and tenure count whole days."""
    rng = np.random.default_rng(12)
    n = 500
    when = pd.Timestamp(2024, 1, 1) + pd.to_timedelta(rng.integers(0, 400 * 86400, n), unit="s")
    frame = pd.DataFrame(
        {
            "order_id": np.arange(10_000, 10_000 + n),
            "customer_id": rng.choice([f"U{i:03d}" for i in range(40)], n),
            name: [f"{t:%Y-%m-%dT%H:%M:%S}{zone}" for t in when],
            "amount": np.round(rng.uniform(5, 200, n), 2),
        }
    )
    result = read(frame, tmp_path / "orders.csv")
    assert result.detected and result.columns is not None and result.columns.date == name
    days = when.normalize()
    as_of = days.max() + pd.Timedelta(days=1)
    group = frame.assign(day=days).groupby("customer_id")
    expected = pd.DataFrame(
        {
            "recency_days": (as_of - group["day"].max()).dt.days,
            "frequency_orders": group["order_id"].nunique(),
            "monetary_spend": group["amount"].sum().round(2),
            "tenure_days": (as_of - group["day"].min()).dt.days,
        }
    )
    assert_table(result, expected)
    assert result.as_of == f"{as_of:%Y-%m-%d}"


def test_day_numbers_in_a_log_date_column_are_lines_set_aside_and_an_alert(
    tmp_path: Path,
) -> None:
    from reportgen import Config, run

    rng = np.random.default_rng(13)
    n = 400
    days = pd.Timestamp(2023, 1, 1) + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    frame = pd.DataFrame(
        {
            "invoice_no": [f"INV{i}" for i in range(n)],
            "customer_id": rng.choice([f"C{i:03d}" for i in range(40)], n),
            "order_date": [f"{d:%Y-%m-%d}" for d in days],
            "amount": np.round(rng.uniform(5, 200, n), 2),
        }
    )
    odd = np.arange(7, n, 40)  # 10 lines hold an Excel day number instead of a date
    frame.loc[odd, "order_date"] = [str(45000 + i) for i in odd]
    path = tmp_path / "orders.csv"
    result = read(frame, path)
    assert result.detected and result.table is not None
    assert {s.reason: s.rows for s in result.set_aside if s.rows} == {"missing_date": 10}
    why = {s.reason: s.explanation for s in result.set_aside}["missing_date"]
    assert why == "date missing or unreadable (e.g. '45007')"
    kept = frame.drop(index=odd).assign(day=days.delete(odd))
    as_of = kept["day"].max() + pd.Timedelta(days=1)
    group = kept.groupby("customer_id")
    expected = pd.DataFrame(
        {
            "recency_days": (as_of - group["day"].max()).dt.days,
            "monetary_spend": group["amount"].sum().round(2),
        }
    )
    assert_table(result, expected)
    summary = run(Config.build(input=path, out=tmp_path / "out", formats=(), k=3))
    (alert,) = [a for a in summary.profile.alerts if a.kind == "mixed_values"]
    assert alert.column == "order_date" and alert.message.startswith(
        "order_date: 390 dates and 10 numbers ('45007' in data row 8, '45047' in data row 48, "
        "'45087' in data row 88, ...); read as dates"
    )
