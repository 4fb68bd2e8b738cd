"""Transaction logs: detection, date reading, cleaning counts, RFM facts against ground truth."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.reading.tables import load
from reportgen.reading.transactions import TransactionOptions, derive
from tests.conftest import DATA, LOGS, MALL, DefaultRun

START = datetime(2010, 12, 1, 8, 0)
END = datetime(2011, 12, 9, 12, 50)  # the last line of every log is dated on this day
POSTAGE = {"StockCode": "POST", "Description": "POSTAGE", "Quantity": 1, "UnitPrice": 18.0}
FREE_GIFT = {"StockCode": "84077", "Description": "FREE GIFT", "Quantity": 2, "UnitPrice": 0.0}
LAPSED_WORDS = ("Lost", "Hibernating", "At risk", "Can't lose them", "Lapsed")


# --------------------------------------------------------------------------------------------
# A log generator that keeps its own ground truth


@dataclass
class Log:
    """Lines as an export would hold them, with the generator's truth beside them."""

    lines: list[dict[str, object]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # "purchase" or the reason it is set aside
    moments: list[datetime] = field(default_factory=list)  # when, before any formatting
    kind_of: dict[object, str] = field(default_factory=dict)  # customer -> loyal/lapsed/new/...

    def add(self, kind: str, moment: datetime, **line: object) -> None:
        self.lines.append(line)
        self.kinds.append(kind)
        self.moments.append(moment)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.lines)

    def counts(self) -> dict[str, int]:
        return {k: self.kinds.count(k) for k in set(self.kinds) if k != "purchase"}


def make_log(
    n_customers: int = 300,
    *,
    seed: int = 0,
    max_lines: int = 4,
    date_style: str = "us",
    noise: bool = True,
) -> Log:
    """Orders of loyal, lapsed, new and regular customers, with cancellations, returns,
    guest lines without a customer id, postage and zero-price lines and duplicated lines."""
    rng = np.random.default_rng(seed)
    span = (END - START).days
    codes = [f"{rng.integers(20000, 90000)}{rng.choice(['', 'A', 'B'])}" for _ in range(150)]
    codes = list(dict.fromkeys(codes))
    prices = {
        c: round(float(rng.choice([0.42, 0.85, 1.25, 2.1, 2.95, 4.95, 7.95, 12.75])), 2)
        for c in codes
    }
    log = Log()
    invoice = [536365]

    def when(day: int) -> datetime:
        minute = int(rng.integers(8 * 60, 19 * 60))
        return START.replace(hour=0, minute=0) + timedelta(days=day, minutes=minute)

    def stamp(moment: datetime) -> object:
        style = date_style if date_style != "mixed" else rng.choice(["us", "iso", "compact"])
        if style == "us":
            return f"{moment.month}/{moment.day}/{moment.year} {moment.hour}:{moment.minute:02d}"
        if style == "iso":
            return moment.strftime("%Y-%m-%d %H:%M:%S")
        if style == "dayfirst":
            return moment.strftime("%d/%m/%Y")
        if style == "compact":
            return moment.strftime("%Y%m%d")
        return int(moment.strftime("%Y%m%d"))  # "int"

    def order(customer: object, day: int, kind: str = "purchase") -> None:
        moment = when(day)
        number = invoice[0] = invoice[0] + 1
        chosen = rng.choice(len(codes), size=int(rng.integers(1, max_lines + 1)), replace=False)
        for i in chosen:
            code = codes[int(i)]
            line = {
                "InvoiceNo": str(number),
                "StockCode": code,
                "Description": f"ITEM {code}",
                "Quantity": int(rng.integers(1, 13)),
                "InvoiceDate": stamp(moment),
                "UnitPrice": prices[code],
                "CustomerID": customer,
                "Country": "United Kingdom" if customer == "" or int(customer) % 5 else "France",
            }
            log.add(kind, moment, **line)
            if noise and kind == "purchase" and rng.random() < 0.01:
                log.add("duplicate", moment, **line)
        if not (noise and kind == "purchase"):
            return
        if rng.random() < 0.08:
            log.add("non_product", moment, **{**line, **POSTAGE})
        if rng.random() < 0.03:
            log.add("zero_price", moment, **{**line, **FREE_GIFT})
        if rng.random() < 0.12:
            back = when(min(day + int(rng.integers(0, 20)), span))
            taken = -int(rng.integers(1, int(line["Quantity"]) + 1))  # type: ignore[call-overload]
            cancelled = f"C{number + 500000}"
            log.add("cancellation", back, **{**line, "InvoiceNo": cancelled, "Quantity": taken,
                                                "InvoiceDate": stamp(back)})  # fmt: skip
        if rng.random() < 0.02:
            log.add("return", moment, **{**line, "Quantity": -1})

    kinds = rng.choice(
        ["loyal", "lapsed", "new", "regular"], size=n_customers, p=[0.3, 0.25, 0.15, 0.3]
    )
    for i, kind in enumerate(kinds):
        customer = 12346 + i * 7
        log.kind_of[customer] = str(kind)
        if kind == "loyal":
            days = np.sort(
                rng.choice(np.arange(0, span - 5), size=int(rng.integers(8, 21)), replace=False)
            )
            days[-1] = int(rng.integers(span - 20, span))
        elif kind == "lapsed":
            days = np.sort(
                rng.choice(np.arange(0, 150), size=int(rng.integers(1, 5)), replace=False)
            )
        elif kind == "new":
            days = np.sort(
                rng.choice(np.arange(span - 40, span), size=int(rng.integers(1, 3)), replace=False)
            )
        else:
            days = np.sort(
                rng.choice(np.arange(0, span), size=int(rng.integers(2, 7)), replace=False)
            )
        for day in days:
            order(customer, int(day))
        if noise and rng.random() < 0.3:
            for _ in range(int(rng.integers(1, 4))):
                order("", int(rng.integers(0, span)), "missing_customer")
    log.kind_of[99999] = "new"
    order(99999, span)  # the log ends on END's day
    return log


def truth(log: Log, as_of: date | None = None, shift: int = 0) -> pd.DataFrame:
    """R, F, M and the rest per customer, computed from the generator's own records."""
    as_of = as_of or (END.date() + timedelta(days=1 + shift))
    facts: dict[object, dict[str, object]] = {}
    returns: dict[object, float] = {}
    for line, kind, moment in zip(log.lines, log.kinds, log.moments, strict=True):
        value = abs(float(line["Quantity"]) * float(line["UnitPrice"]))  # type: ignore[arg-type]
        if kind in ("cancellation", "return"):
            returns[line["CustomerID"]] = returns.get(line["CustomerID"], 0.0) + value
        if kind != "purchase":
            continue
        day = moment.date() + timedelta(days=shift)
        f = facts.setdefault(
            line["CustomerID"],
            {"first": day, "last": day, "orders": set(), "gross": 0.0, "codes": set()},
        )
        f["first"], f["last"] = min(f["first"], day), max(f["last"], day)  # type: ignore[type-var]
        f["orders"].add(line["InvoiceNo"])  # type: ignore[attr-defined]
        f["codes"].add(line["StockCode"])  # type: ignore[attr-defined]
        f["gross"] = float(f["gross"]) + value  # type: ignore[arg-type]
    rows = []
    for customer, f in facts.items():
        gross, back = float(f["gross"]), returns.get(customer, 0.0)  # type: ignore[arg-type]
        orders = len(f["orders"])  # type: ignore[arg-type]
        rows.append(
            {
                "customer": customer,
                "recency_days": (as_of - f["last"]).days,  # type: ignore[operator]
                "frequency_orders": orders,
                "monetary_spend": max(gross - back, 0.0),
                "avg_order_value": gross / orders,
                "tenure_days": (as_of - f["first"]).days,  # type: ignore[operator]
                "return_share": min(back / gross, 1.0),
                "distinct_products": len(f["codes"]),  # type: ignore[arg-type]
                "kind": log.kind_of[customer],
            }
        )
    return pd.DataFrame(rows).set_index("customer").sort_index()


def assert_matches_truth(derived: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Whole days and order counts exactly; money to the cent, shares to 1e-4."""
    derived = derived.set_index(derived.columns[0]).sort_index()
    assert derived.index.tolist() == expected.index.tolist()
    for column in ("recency_days", "frequency_orders", "tenure_days", "distinct_products"):
        assert derived[column].tolist() == expected[column].tolist(), column
    for column, tolerance in (
        ("monetary_spend", 0.006),
        ("avg_order_value", 0.006),
        ("return_share", 6e-5),
    ):
        gap = (derived[column] - expected[column]).abs().max()
        assert gap <= tolerance, (column, gap)


def derived_columns(path: Path) -> pd.DataFrame:
    """customers.csv without what segments.csv has too, the scores, names and dates."""
    extra = ["segment", "segment_name", "distance", "rfm_segment", "r_score", "f_score"]
    extra += ["m_score", "first_purchase", "last_purchase"]
    return pd.read_csv(path).drop(columns=extra)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["run", *args])
    return result.exit_code, result.stdout, result.stderr


def write(log: Log, path: Path) -> Path:
    log.frame().to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------------------------
# 1. a log with known customers, through the command line (HTML and the one PDF run)


@dataclass(frozen=True)
class Run:
    log: Log
    out: Path
    printed: str
    summary: dict[str, object]
    customers: pd.DataFrame


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("orders")
    log = make_log(300, seed=0)
    out = tmp / "out"
    code, printed, err = invoke(str(write(log, tmp / "orders.csv")), "--out", str(out))
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return Run(log, out, printed, summary, pd.read_csv(out / "customers.csv"))


def test_a_log_is_detected_without_flags_and_the_user_is_told(orders: Run) -> None:
    tx = orders.summary["transactions"]
    assert isinstance(tx, dict) and tx["detected"] is True and tx["how"] == "detected"
    assert tx["columns"] == {
        "customer": "CustomerID",
        "date": "InvoiceDate",
        "amount": None,
        "quantity": "Quantity",
        "price": "UnitPrice",
        "invoice": "InvoiceNo",
        "product": "StockCode",
        "description": "Description",
    }
    assert tx["date_order"] == "month-first" and tx["as_of"] == "2011-12-10"
    assert "Transaction log detected: CustomerID repeats" in orders.printed
    assert "month first" in orders.printed and "customers.csv" in orders.printed
    html = (orders.out / "report.html").read_text(encoding="utf-8")
    assert "From transactions to customers" in html and 'class="tx-rfm"' in html
    assert "The customer table derived from orders.csv" in html


def test_cleaning_counts_equal_the_generators(orders: Run) -> None:
    tx = orders.summary["transactions"]
    assert isinstance(tx, dict)
    expected = {reason: 0 for reason in tx["set_aside"]} | orders.log.counts()
    assert tx["set_aside"] == expected
    assert tx["rows_read"] == len(orders.log.lines)
    assert tx["rows_used"] == orders.log.kinds.count("purchase")
    assert tx["return_rows"] == expected["cancellation"] + expected["return"]
    assert tx["customers"] == len(truth(orders.log)) == len(orders.customers)
    assert expected["missing_customer"] and expected["duplicate"] and expected["non_product"]
    printed = orders.printed
    assert f"{expected['missing_customer']:,} without customer id" in printed
    assert f"{expected['cancellation']:,} cancellations" in printed


def test_recency_frequency_and_monetary_equal_the_ground_truth(orders: Run) -> None:
    assert_matches_truth(derived_columns(orders.out / "customers.csv"), truth(orders.log))


def test_rfm_scores_and_names_per_customer(orders: Run) -> None:
    from reportgen.reading.rfm import quintile_scores, rfm_name

    table = orders.customers
    expected = truth(orders.log)
    r = quintile_scores(expected["recency_days"], higher_is_better=False)
    f = quintile_scores(expected["frequency_orders"])
    m = quintile_scores(expected["monetary_spend"])
    ordered = table.set_index("CustomerID").sort_index()
    assert ordered["r_score"].tolist() == r.tolist()
    assert ordered["f_score"].tolist() == f.tolist() and ordered["m_score"].tolist() == m.tolist()
    names = [rfm_name(a, (b + c) // 2) for a, b, c in zip(r, f, m, strict=True)]
    assert ordered["rfm_segment"].tolist() == names
    lapsed = ordered[expected["kind"] == "lapsed"]
    assert (
        lapsed["rfm_segment"].isin(["Lost", "Hibernating", "At risk", "Can't lose them"])
    ).mean() > 0.95
    grid = orders.summary["transactions"]["rfm"]["by_segment"]  # type: ignore[index]
    assert sum(map(sum, grid["counts"])) == len(table)
    assert set(grid["names"]) == set(ordered["rfm_segment"])


def test_lapsed_customers_land_in_a_segment_named_for_it(orders: Run) -> None:
    table = orders.customers.set_index("CustomerID").sort_index()
    kinds = truth(orders.log)["kind"]
    lapsed_segments = table.loc[kinds == "lapsed", "segment_name"]
    assert lapsed_segments.str.startswith(LAPSED_WORDS).mean() >= 0.9, (
        lapsed_segments.value_counts()
    )
    loyal_segments = table.loc[kinds == "loyal", "segment_name"]
    assert not loyal_segments.str.startswith(LAPSED_WORDS).mean() > 0.1
    seg = pd.read_csv(orders.out / "segments.csv")
    assert seg["CustomerID"].tolist() == table.index.tolist()


def test_the_pdf_shows_the_transaction_section(orders: Run) -> None:
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(orders.out / "report.pdf").pages)
    assert "From transactions to customers" in text and "Segments on the RFM grid" in text
    assert "Lines set aside" in text and "no customer id" in text


# --------------------------------------------------------------------------------------------
# 2. dates as real exports write them


def test_mixed_date_formats_in_one_column(tmp_path: Path) -> None:
    log = make_log(150, seed=1, date_style="mixed")
    out = tmp_path / "out"
    code, printed, err = invoke(
        str(write(log, tmp_path / "mixed.csv")), "--out", str(out), "--format", "html", "--k", "3"
    )
    assert code == 0, err
    tx = json.loads((out / "summary.json").read_text())["transactions"]
    assert tx["date_order"] == "month-first"
    formats = {f["format"]: f["rows"] for f in tx["date_formats"]}
    assert set(formats) == {"yyyy-mm-dd H:M:S", "yyyymmdd", "m/d/yyyy H:M"}
    assert sum(formats.values()) == len(log.lines)
    assert "read as dates in several formats: yyyy-mm-dd H:M:S (" in printed
    assert_matches_truth(derived_columns(out / "customers.csv"), truth(log))


@pytest.mark.parametrize(
    ("style", "order"), [("dayfirst", "day-first"), ("int", "yyyymmdd"), ("iso", "iso")]
)
def test_day_first_integer_and_iso_dates(tmp_path: Path, style: str, order: str) -> None:
    log = make_log(60, seed=2, date_style=style)
    result = derive(load(write(log, tmp_path / "log.csv")))
    assert result.detected and result.dates is not None and result.dates.order == order
    assert result.table is not None
    assert_matches_truth(result.table.drop(columns=["rfm_segment"]), truth(log))


def test_text_dates_are_parsed_format_by_format() -> None:
    from reportgen.reading.tables import Dataset

    values = [
        "03/02/2011",
        "2011-02-04",
        "20110205",
        "13/02/2011 9:05",
        "7 Feb 2011",
        "",
        "soon",
    ] * 30
    frame = pd.DataFrame(
        {"client_id": np.arange(210) % 15, "date": values, "amount": np.arange(1.0, 211.0)}
    )
    frame.loc[frame["date"] == "soon", "date"] = "2011-02-06"  # every value readable ...
    dataset = Dataset(frame, Path("x.csv"), "csv", "utf-8", ",", None, None, "", (), {})
    result = derive(dataset)
    assert result.detected and result.dates is not None
    assert result.dates.order == "day-first"  # 13/02 decides it
    assert dict(result.dates.formats) == {
        "d/m/yyyy H:M": 60, "yyyy-mm-dd": 60, "yyyymmdd": 30, "d Mon yyyy": 30,
    }  # fmt: skip
    assert result.first_date == "2011-02-03" and result.last_date == "2011-02-13"
    frame.loc[0, "date"] = "soon"  # ... one unreadable value is set aside and counted
    result = derive(Dataset(frame, Path("x.csv"), "csv", "utf-8", ",", None, None, "", (), {}))
    assert {s.reason: s.rows for s in result.set_aside}["missing_date"] == 31
    assert "'soon'" in next(s.explanation for s in result.set_aside if s.reason == "missing_date")


# --------------------------------------------------------------------------------------------
# 3. customer tables stay customer tables; flags and config override the guesses


@pytest.mark.parametrize(
    "path", [MALL, *sorted(set(DATA.glob("*.[ct]sv")) - LOGS)], ids=lambda p: Path(p).name
)
def test_a_customer_table_is_not_taken_for_a_log(path: Path) -> None:
    result = derive(load(path))
    assert not result.detected and result.how == "not detected"
    assert result.reason.startswith("not a transaction log")


def test_a_customer_table_runs_as_before(mall_report: DefaultRun) -> None:
    out, printed = mall_report.out, mall_report.printed  # reportgen run MALL --out OUT
    assert "ransaction" not in printed and not (out / "customers.csv").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["transactions"] == {
        "detected": False,
        "how": "not detected",
        "reason": "not a transaction log: CustomerID does not repeat (200 values on 200 rows)",
    }
    assert summary["input"]["rows"] == 200
    assert [f["name"] for f in summary["features"]] == [
        "Annual Income (k$)", "Spending Score (1-100)",
    ]  # fmt: skip
    assert "From transactions to customers" not in (out / "report.html").read_text()


def with_extra_columns(log: Log) -> pd.DataFrame:
    """Two dates and a line total (with 20% tax) beside quantity and price."""
    frame = log.frame()
    frame["ShipDate"] = [(m + timedelta(days=2)).strftime("%Y-%m-%d") for m in log.moments]
    frame["LineTotal"] = (frame["Quantity"] * frame["UnitPrice"] * 1.2).round(4)
    return frame


def test_flags_override_the_guesses(tmp_path: Path) -> None:
    log = make_log(60, seed=4)
    path = tmp_path / "two_dates.csv"
    with_extra_columns(log).to_csv(path, index=False)
    dataset = load(path)
    guessed = derive(dataset)
    assert guessed.columns is not None and guessed.table is not None
    assert guessed.columns.date == "InvoiceDate" and guessed.columns.amount == "LineTotal"
    taxed = truth(log)["monetary_spend"] * 1.2
    assert (guessed.table.set_index("CustomerID")["monetary_spend"] - taxed).abs().max() < 0.01
    options = TransactionOptions(date="ShipDate", quantity="Quantity", price="UnitPrice")
    chosen = derive(dataset, options)
    assert chosen.how == "forced" and chosen.columns is not None and chosen.table is not None
    assert chosen.columns.given == ("date", "quantity", "price")
    assert chosen.columns.amount is None and chosen.as_of == "2011-12-12"
    assert_matches_truth(chosen.table.drop(columns=["rfm_segment"]), truth(log, shift=2))
    off = derive(dataset, TransactionOptions(enabled=False))
    assert not off.detected and off.how == "turned off"


def test_flags_and_config_through_the_cli(tmp_path: Path) -> None:
    log = make_log(60, seed=4)
    path = tmp_path / "two_dates.csv"
    with_extra_columns(log).to_csv(path, index=False)
    config = tmp_path / "reportgen.toml"
    config.write_text(
        '[run]\ntransactions = true\ncustomer_col = "CustomerID"\ndate_col = "InvoiceDate"\n'
        'amount_col = "LineTotal"\ninvoice_col = "InvoiceNo"\nproduct_col = "StockCode"\n'
        "as_of = 2011-12-31\n"
    )
    out = tmp_path / "out"
    args = ["--config", str(config), "--out", str(out), "--format", "html", "--k", "3"]
    code, printed, err = invoke(str(path), *args, "--date-col", "ShipDate")
    assert code == 0, err
    assert printed.count("Read as a transaction log: CustomerID repeats") == 1
    tx = json.loads((out / "summary.json").read_text())["transactions"]
    assert tx["how"] == "forced" and tx["as_of"] == "2011-12-31"
    assert tx["columns"]["date"] == "ShipDate" and tx["columns"]["amount"] == "LineTotal"
    assert tx["columns_given"] == ["customer", "date", "amount", "product", "invoice"]
    expected = truth(log, as_of=date(2011, 12, 31), shift=2)
    table = pd.read_csv(out / "customers.csv").set_index("CustomerID").sort_index()
    assert table["recency_days"].tolist() == expected["recency_days"].tolist()
    small = make_log(12, seed=4, noise=False)
    off = tmp_path / "off"
    code, printed, err = invoke(
        str(write(small, tmp_path / "small.csv")), "--out", str(off), "--no-transactions",
        "--format", "html", "--k", "2",
    )  # fmt: skip
    assert code == 0 and "ransaction" not in printed and not (off / "customers.csv").exists()
    summary = json.loads((off / "summary.json").read_text())
    assert summary["transactions"]["how"] == "turned off"
    assert summary["input"]["rows"] == len(small.lines)  # every line read as a customer


def test_config_values_are_checked() -> None:
    from reportgen.config import make_config
    from reportgen.errors import ConfigError

    with pytest.raises(ConfigError, match="as_of must be a date written YYYY-MM-DD"):
        make_config({"as_of": "31/12/2011"}, {"input": MALL})
    with pytest.raises(ConfigError, match="transactions is off .* but customer_col is set"):
        make_config({"customer_col": "CustomerID"}, {"input": MALL, "transactions": False})
    config = make_config({"as_of": date(2011, 12, 31), "transactions": True}, {"input": MALL})
    assert config.transactions.as_of == "2011-12-31" and config.transactions.enabled is True


# --------------------------------------------------------------------------------------------
# 4. errors, spreadsheet safety and the staged output folder


def _error_cases(tmp: Path) -> dict[str, tuple[list[str], str]]:
    log = make_log(40, seed=5)
    write(log, tmp / "log.csv")
    returns = log.frame()
    returns["Quantity"] = -returns["Quantity"].abs()
    returns.to_csv(tmp / "returns.csv", index=False)
    return {
        "column": (
            ["log.csv", "--customer-col", "CustomerId"],
            "log.csv: --customer-col 'CustomerId' is not a column; did you mean 'CustomerID'?",
        ),
        "date": (
            ["log.csv", "--date-col", "Description"],
            "log.csv: cannot read the dates in column 'Description' (e.g. 'ITEM ",
        ),
        "empty": (
            ["returns.csv"],
            "returns.csv: no usable purchase lines after cleaning (",
        ),
        "as_of": (["log.csv", "--as-of", "12/31/2011"], "as_of must be a date written YYYY-MM-DD"),
    }


@pytest.mark.parametrize("case", ["column", "date", "empty", "as_of"])
def test_errors_are_one_clear_line_and_write_nothing(tmp_path: Path, case: str) -> None:
    args, message = _error_cases(tmp_path)[case]
    out = tmp_path / "out"
    code, _, err = invoke(str(tmp_path / args[0]), *args[1:], "--out", str(out))
    assert code == 1 and message in err, err
    assert err.startswith("Error: ") and err.count("\n") == 1, err
    assert not out.exists()
    if case == "empty":
        assert "without customer id" in err and "returns" in err and "check the columns" in err


def test_customers_csv_is_spreadsheet_safe_and_staged(tmp_path: Path) -> None:
    log = make_log(40, seed=6, noise=False)
    frame = log.frame()
    frame["CustomerID"] = frame["CustomerID"].map(
        lambda c: f'=HYPERLINK("x",{c})' if c % 2 else f"@SUM({c})"
    )
    frame.to_csv(tmp_path / "risky.csv", index=False)
    out = tmp_path / "out"
    code, _, err = invoke(
        str(tmp_path / "risky.csv"), "--out", str(out), "--format", "html", "--k", "2"
    )
    assert code == 0, err
    table = pd.read_csv(out / "customers.csv", dtype={"CustomerID": str})
    assert table["CustomerID"].str.match(r"'(=HYPERLINK|@SUM)").all()
    assert {"r_score", "f_score", "m_score", "rfm_segment"} <= set(table.columns)
    brand = tmp_path / "brand"
    brand.mkdir()
    (brand / "report.html").write_text(
        '{% extends "default:report.html" %}'
        "{% block transactions %}{{ no_such_field }}{% endblock %}"
    )
    again = tmp_path / "again"
    code, _, err = invoke(
        str(tmp_path / "risky.csv"), "--out", str(again), "--template-dir", str(brand), "--k", "2"
    )
    assert code == 1 and "no_such_field" in err
    assert not again.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------------------------
# 5. a real-size export (timings: bench/run.py --cases transactions-50000)


@pytest.mark.slow  # a real process or a large table: CI runs it with -m slow
def test_an_online_retail_sized_export_runs_without_flags(tmp_path: Path) -> None:
    """~54,000 invoice lines shaped like UCI Online Retail: InvoiceNo with C cancellations,
    StockCode, Description, Quantity, InvoiceDate '12/1/2010 8:26', UnitPrice, CustomerID as
    floats with blanks, Country."""
    log = make_log(1600, seed=3, max_lines=8)
    frame = log.frame()
    frame["CustomerID"] = pd.to_numeric(frame["CustomerID"]).astype(float)  # "17850.0", ""
    frame.to_csv(tmp_path / "online_retail.csv", index=False)
    assert len(frame) >= 50_000
    out = tmp_path / "out"
    code, printed, err = invoke(
        str(tmp_path / "online_retail.csv"), "--out", str(out), "--format", "html"
    )
    assert code == 0, err
    assert "Transaction log detected: CustomerID repeats" in printed
    tx = json.loads((out / "summary.json").read_text())["transactions"]
    assert tx["set_aside"] == {reason: 0 for reason in tx["set_aside"]} | log.counts()
    assert tx["rows_used"] == log.kinds.count("purchase")
    assert_matches_truth(derived_columns(out / "customers.csv"), truth(log))
