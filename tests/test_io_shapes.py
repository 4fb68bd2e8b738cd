"""Tests for reportgen.reading.tables.load on real export shapes: a workbook whose first sheet
is a data dictionary, space-aligned text without a header, yyyymmdd integer dates, month-name
dates and day/month order decided from every value.

Expected values are written out by hand from the content each test builds (or, for the real
files, from their documented properties and an independent pandas read), never copied from
the loader's output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from reportgen.reading.tables import Dataset, load
from tests.conftest import ECOMMERCE, RETAIL
from tests.test_io import error_of


def conversions(ds: Dataset, column: str) -> list[tuple[str, str]]:
    return [(c.kind, c.detail) for c in ds.conversions if c.column == column]


# --------------------------------------------------------------------------- Excel sheets

ECOMM_COLUMNS = [
    "CustomerID",
    "Churn",
    "Tenure",
    "PreferredLoginDevice",
    "CityTier",
    "WarehouseToHome",
    "PreferredPaymentMode",
    "Gender",
    "HourSpendOnApp",
    "NumberOfDeviceRegistered",
    "PreferedOrderCat",
    "SatisfactionScore",
    "MaritalStatus",
    "NumberOfAddress",
    "Complain",
    "OrderAmountHikeFromlastYear",
    "CouponUsed",
    "OrderCount",
    "DaySinceLastOrder",
    "CashbackAmount",
]
ECOMM_GAPS = [  # the columns with empty cells (251 to 307 each)
    "Tenure",
    "WarehouseToHome",
    "HourSpendOnApp",
    "OrderAmountHikeFromlastYear",
    "CouponUsed",
    "OrderCount",
    "DaySinceLastOrder",
]


@pytest.mark.skipif(not ECOMMERCE.is_file(), reason="real data set not available")
def test_real_workbook_data_sheet_found_behind_its_dictionary() -> None:
    ds = load(ECOMMERCE)
    assert ds.format == "excel" and ds.sheet == "E Comm"
    assert ds.notes == ("sheet 'E Comm' read: 'Data Dict' describes its columns",)
    frame = ds.frame
    assert frame.shape == (5630, 20)
    assert list(frame.columns) == ECOMM_COLUMNS
    assert frame["CustomerID"].dtype == np.int64
    assert frame["CustomerID"].tolist() == list(range(50001, 55631))
    assert int(frame["Churn"].sum()) == 948
    missing = frame.isna().sum()
    assert sorted(missing[missing > 0].index) == sorted(ECOMM_GAPS)
    assert missing[ECOMM_GAPS].between(251, 307).all()
    assert {"Mobile Phone", "Phone"} <= set(frame["PreferredLoginDevice"])
    assert ds.conversions == () and ds.date_formats == {}
    # the same cells as pandas' own read of the sheet named by hand
    expected = pd.read_excel(ECOMMERCE, sheet_name="E Comm")
    pd.testing.assert_series_equal(missing, expected.isna().sum())
    for column in ("CashbackAmount", "Tenure", "CouponUsed"):
        np.testing.assert_array_equal(frame[column].to_numpy(), expected[column].to_numpy())


@pytest.mark.skipif(not ECOMMERCE.is_file(), reason="real data set not available")
def test_real_workbook_sheet_option_still_wins() -> None:
    ds = load(ECOMMERCE, sheet="Data Dict")
    assert ds.sheet == "Data Dict" and ds.notes == ()
    assert ds.frame["Variable"].tolist() == ECOMM_COLUMNS  # the dictionary lists the columns


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook with the sheets in the given order; rows are written from A1."""
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _data_rows(n: int = 40) -> list[list[object]]:
    header: list[object] = ["customer_id", "region", "spend", "visits"]
    rows = [[f"C{i:03d}", "North" if i % 2 else "South", 10.5 * i, i % 7] for i in range(1, n + 1)]
    return [header, *rows]


def _dictionary_rows() -> list[list[object]]:
    """Laid out like the real one: an empty first row and first column, a number column."""
    return [
        [],
        [None, "No.", "Field", "Meaning"],
        [None, 1, "customer_id", "Unique customer id"],
        [None, 2, "region", "Sales region"],
        [None, 3, "spend", "Total spend in the year"],
        [None, 4, "visits", "Store visits in the year"],
    ]


def test_dictionary_first_then_data_then_empty_sheet(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "book.xlsx",
        {"Fields": _dictionary_rows(), "Sheet1": _data_rows(), "Sheet3": []},
    )
    ds = load(path)
    assert ds.sheet == "Sheet1"
    assert ds.notes == ("sheet 'Sheet1' read: 'Fields' describes its columns; 'Sheet3' is empty",)
    assert list(ds.frame.columns) == ["customer_id", "region", "spend", "visits"]
    assert len(ds.frame) == 40
    assert ds.frame["customer_id"].iloc[0] == "C001"
    assert ds.frame["spend"].iloc[-1] == 420.0
    assert load(path, sheet="Fields").sheet == "Fields"  # --sheet still wins


def test_data_sheet_beside_a_short_text_note(tmp_path: Path) -> None:
    notes: list[list[object]] = [["Exported from the CRM"], ["Do not edit"], ["Contact: ops"]]
    path = _workbook(tmp_path / "book.xlsx", {"About": notes, "Customers": _data_rows()})
    ds = load(path)
    assert ds.sheet == "Customers"
    assert ds.notes == ("sheet 'Customers' read: 'About' holds only text (3 rows)",)


def test_header_only_sheet_is_passed_over(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx", {"Template": [["a", "b"]], "Data": _data_rows()})
    ds = load(path)
    assert ds.sheet == "Data"
    assert ds.notes == ("sheet 'Data' read: 'Template' has no data rows",)


@pytest.mark.parametrize(
    "sheets",
    [
        {"Fields": _dictionary_rows(), "2023": _data_rows(), "2024": _data_rows(30)},
        {"Customers": _data_rows(), "Lookup": _data_rows(5)},  # two sheets with numbers
        # text-only, but not a tenth of the data's length: could be a table of its own
        {"Data": _data_rows(), "People": [["name", "city"]] + [["Ann", "Oslo"]] * 10},
    ],
)
def test_two_data_like_sheets_still_need_a_choice(
    tmp_path: Path, sheets: dict[str, list[list[object]]]
) -> None:
    path = _workbook(tmp_path / "book.xlsx", sheets)
    listing = ", ".join(sheets)
    assert error_of(path) == f"{path} has {len(sheets)} sheets ({listing}); choose one with --sheet"


# --------------------------------------------------------------------------- space-aligned text

CDNOW_HEAD = (  # the CDNOW purchase log's layout: leading blank, runs of blanks, no header
    " 00001 19970101  1   11.77\n"
    " 00002 19970112  1   12.00\n"
    " 00002 19970112  5   77.00\n"
    " 00003 19970102  2   20.76\n"
)


def write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8"))
    return path


def test_space_aligned_log_without_header(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "CDNOW_master.txt", CDNOW_HEAD))
    assert ds.delimiter == "spaces" and ds.format == "csv"
    assert ds.notes == (
        "no header row: the first line (00001 19970101 1 11.77) holds only numbers, so it was "
        "read as data and the columns named column_1 to column_4",
    )
    frame = ds.frame
    assert list(frame.columns) == ["column_1", "column_2", "column_3", "column_4"]
    # zero-padded ids read as numbers, as the mall table's 0001..0200 are
    assert frame["column_1"].dtype == np.int64 and frame["column_1"].tolist() == [1, 2, 2, 3]
    # three distinct yyyymmdd values and no date-like name: too few to call them dates
    assert frame["column_2"].tolist() == [19970101, 19970112, 19970112, 19970102]
    assert frame["column_3"].tolist() == [1, 1, 5, 2]
    assert frame["column_4"].dtype == np.float64
    assert frame["column_4"].tolist() == [11.77, 12.0, 77.0, 20.76]
    assert ds.conversions == ()


def test_space_aligned_with_header_tabs_and_crlf(tmp_path: Path) -> None:
    content = "id     store  qty\tamount\r\n  7    101    2\t  9.50\r\n 12    102   10  101.00\r\n"
    ds = load(write(tmp_path, "log.txt", content))
    assert ds.delimiter == "spaces" and ds.notes == ()
    assert ds.frame.to_dict("list") == {
        "id": [7, 12],
        "store": [101, 102],
        "qty": [2, 10],
        "amount": [9.5, 101.0],
    }


def test_space_aligned_short_and_long_rows_are_named(tmp_path: Path) -> None:
    rows = ["id  qty  amount"] + [f"{i:3d}  {i % 4}  {i * 1.5:6.2f}" for i in range(1, 20)]
    short = write(tmp_path, "short.txt", "\n".join(rows[:8] + ["  8  3"] + rows[8:]) + "\n")
    assert error_of(short) == (
        f"{short} line 9 has 2 fields but the header has 3; fix or remove that line"
    )
    long = write(tmp_path, "long.txt", "\n".join(rows[:8] + ["  8  3  4.5  x"] + rows[8:]) + "\n")
    assert f"{long} line 9 has 4 fields but the header has 3" in error_of(long)


def test_two_word_values_of_a_one_column_file_are_not_split(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "names.csv", "full name\nAnn Lee\nBo Chen\n"))
    assert ds.delimiter == ","
    assert ds.frame.to_dict("list") == {"full name": ["Ann Lee", "Bo Chen"]}


def test_comma_file_with_spaced_values_stays_comma(tmp_path: Path) -> None:
    ds = load(
        write(tmp_path, "c.csv", "name,city,spend\nAnn Lee,New York,1\nBo Chen,Los Angeles,2\n")
    )
    assert ds.delimiter == "," and list(ds.frame.columns) == ["name", "city", "spend"]


def test_sniff_delimiter_for_spark_never_answers_spaces() -> None:
    from reportgen.reading.tables import sniff_delimiter

    assert sniff_delimiter(CDNOW_HEAD) == ","  # Spark's CSV reader takes one character


def test_headerless_comma_file(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "n.csv", "1,2.5,0003\n4,5,0006\n"))
    assert ds.delimiter == ","
    assert ds.frame.to_dict("list") == {
        "column_1": [1, 4],
        "column_2": [2.5, 5.0],
        "column_3": [3, 6],
    }
    assert ds.notes == (
        "no header row: the first line (1 2.5 0003) holds only numbers, so it was read as "
        "data and the columns named column_1 to column_3",
    )


def test_header_with_numbers_and_a_word_is_a_header(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "pivot.csv", "region,2019,2020\nNorth,5,6\nSouth,7,8\n"))
    assert list(ds.frame.columns) == ["region", "2019", "2020"] and ds.notes == ()
    assert len(ds.frame) == 2


# --------------------------------------------------------------------------- yyyymmdd integers


def _cdnow_like(n_days: int) -> str:
    """A CDNOW-shaped log over ``n_days`` distinct days of January/February 1997."""
    days = [f"1997{1 + d // 28:02d}{1 + d % 28:02d}" for d in range(n_days)]
    return "".join(
        f" {i + 1:05d} {day} {i % 3 + 1:2d} {10 + i:7.2f}\n" for i, day in enumerate(days)
    )


def test_unnamed_yyyymmdd_column_with_many_dates_is_dates(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "CDNOW_master.txt", _cdnow_like(30)))
    assert ds.delimiter == "spaces" and len(ds.frame) == 30
    dates = ds.frame["column_2"]
    assert dates.dtype == "datetime64[s]"
    assert dates.iloc[0] == pd.Timestamp(1997, 1, 1)
    assert dates.iloc[27] == pd.Timestamp(1997, 1, 28)
    assert dates.iloc[29] == pd.Timestamp(1997, 2, 2)
    assert ds.date_formats == {"column_2": "yyyymmdd"}
    assert conversions(ds, "column_2") == [
        (
            "date",
            "read as dates written yyyymmdd (19970101 = 1 Jan 1997); every value is a valid "
            "date, 1 Jan 1997 to 2 Feb 1997",
        )
    ]
    assert ds.frame["column_1"].tolist() == list(range(1, 31))  # 00001..00030: numbers
    assert ds.frame["column_4"].iloc[-1] == 39.0


def test_date_named_yyyymmdd_column_with_few_values_and_blanks(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "o.csv", "OrderDate,amount\n20200131,5\n,6\n20000229,7\n"))
    assert ds.frame["OrderDate"].iloc[0] == pd.Timestamp(2020, 1, 31)
    assert pd.isna(ds.frame["OrderDate"].iloc[1])
    assert ds.frame["OrderDate"].iloc[2] == pd.Timestamp(2000, 2, 29)
    assert ds.date_formats == {"OrderDate": "yyyymmdd"}
    assert [kind for kind, _ in conversions(ds, "OrderDate")] == ["date"]


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("account", [str(20000001 + i) for i in range(30)]),  # month 00: not dates
        ("date", ["19970101", "19970231", "19970301"]),  # 31 February: not all dates
        ("date", ["18991231", "19000101"]),  # before 1900
        ("date", ["21010101", "21000101"]),  # after 2100
        ("customer_id", [f"199701{d:02d}" for d in range(1, 31)]),  # ids that look like dates
        ("ref", [f"199701{d:02d}" for d in range(1, 12)]),  # 11 distinct, no date-like name
    ],
)
def test_eight_digit_numbers_that_are_not_clearly_dates_stay_numbers(
    tmp_path: Path, name: str, values: list[str]
) -> None:
    content = f"{name},n\n" + "".join(f"{v},1\n" for v in values)
    ds = load(write(tmp_path, "ids.csv", content))
    assert ds.frame[name].dtype == np.int64
    assert ds.frame[name].tolist() == [int(v) for v in values]
    assert ds.date_formats == {} and ds.conversions == ()


# --------------------------------------------------------------------------- month names, order


@pytest.mark.skipif(not RETAIL.is_file(), reason="real data set not available")
def test_real_retail_log_day_month_name_two_digit_year() -> None:
    ds = load(RETAIL)
    frame = ds.frame
    assert frame.shape == (125000, 3)
    assert list(frame.columns) == ["customer_id", "trans_date", "tran_amount"]
    assert frame["trans_date"].dtype == "datetime64[s]"
    assert frame["trans_date"].iloc[0] == pd.Timestamp(2013, 2, 11)  # 11-Feb-13
    assert frame["trans_date"].min() == pd.Timestamp(2011, 5, 16)
    assert frame["trans_date"].max() == pd.Timestamp(2015, 3, 16)
    assert ds.date_formats == {"trans_date": "month-name"}
    assert conversions(ds, "trans_date") == [
        (
            "date",
            "read as dates with month names (11-Feb-13 = 11 Feb 2013); "
            "two-digit years read as 2011 to 2015",
        )
    ]
    assert frame["customer_id"].nunique() == 6889 and frame["customer_id"].iloc[0] == "CS5295"
    assert frame["tran_amount"].dtype == np.int64
    assert frame["tran_amount"].between(10, 105).all()
    expected = pd.to_datetime(pd.read_csv(RETAIL)["trans_date"], format="%d-%b-%y")
    assert (frame["trans_date"].to_numpy() == expected.to_numpy()).all()


def test_month_name_dates_any_case_two_digit_years(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "t.csv", "when,n\n11-Feb-13,1\n1-MAR-14,2\n30-dec-99,3\n,4\n"))
    dates = ds.frame["when"]
    assert dates.iloc[:3].tolist() == [
        pd.Timestamp(2013, 2, 11),
        pd.Timestamp(2014, 3, 1),
        pd.Timestamp(1999, 12, 30),
    ]
    assert pd.isna(dates.iloc[3])
    assert ds.date_formats == {"when": "month-name"}
    assert conversions(ds, "when") == [
        (
            "date",
            "read as dates with month names (11-Feb-13 = 11 Feb 2013); "
            "two-digit years read as 1999 to 2014",
        )
    ]


def test_month_names_full_and_short_with_spaces_and_times(tmp_path: Path) -> None:
    content = "d\n11 February 2013 10:22\n3 Mar 2014\n28 Sep 2015 08:05:09\n"
    ds = load(write(tmp_path, "t.csv", content))
    assert ds.frame["d"].tolist() == [
        pd.Timestamp(2013, 2, 11, 10, 22),
        pd.Timestamp(2014, 3, 3),
        pd.Timestamp(2015, 9, 28, 8, 5, 9),
    ]
    assert conversions(ds, "d") == [
        ("date", "read as dates with month names (11 February 2013 10:22 = 11 Feb 2013)")
    ]


@pytest.mark.parametrize(
    "values",
    [
        ["11-Feb-13", "11-Feb-2013"],  # two- and four-digit years: not one format
        ["11-Feb-13", "11-Foo-13"],  # not a month
        ["31-Feb-13", "01-Mar-13"],  # 31 February does not exist
        ["11-Feb-13", "11 Feb 13"],  # two separators
    ],
)
def test_month_name_columns_with_an_odd_value_stay_text(tmp_path: Path, values: list[str]) -> None:
    ds = load(write(tmp_path, "t.csv", "d,n\n" + "".join(f"{v},1\n" for v in values)))
    assert ds.frame["d"].tolist() == values
    assert ds.date_formats == {}


def _dates_file(folder: Path, first: list[str], late: str) -> Path:
    """1,200 rows of ``first`` values repeated, then one ``late`` value near the end."""
    rows = [first[i % len(first)] for i in range(1200)] + [late, first[0]]
    return write(folder, "d.csv", "when,n\n" + "".join(f"{v},{i}\n" for i, v in enumerate(rows)))


def test_day_first_decided_by_a_value_after_the_first_thousand_rows(tmp_path: Path) -> None:
    ambiguous = [f"{d:02d}/{m:02d}/2015" for d in range(1, 13) for m in range(1, 13)]
    ds = load(_dates_file(tmp_path, ambiguous, "13/01/2015"))
    dates = ds.frame["when"]
    assert ds.date_formats == {"when": "day-first"}  # "/" alone would have meant month first
    assert dates.iloc[0] == pd.Timestamp(2015, 1, 1)
    assert dates.iloc[1] == pd.Timestamp(2015, 2, 1)  # 01/02/2015: 1 February
    assert dates.iloc[1200] == pd.Timestamp(2015, 1, 13)
    assert conversions(ds, "when") == [
        ("date", "read as dates, day first (01/01/2015 = 1 Jan 2015)")
    ]


def test_month_first_with_times_decided_by_a_late_value(tmp_path: Path) -> None:
    ambiguous = [f"{m}/{d}/2003 {h}:00" for m in range(1, 13) for d in range(1, 13) for h in (0, 9)]
    ds = load(_dates_file(tmp_path, ambiguous, "2/24/2003 0:00"))
    dates = ds.frame["when"]
    assert ds.date_formats == {"when": "month-first"}
    assert dates.iloc[0] == pd.Timestamp(2003, 1, 1, 0, 0)
    assert dates.iloc[2] == pd.Timestamp(2003, 1, 2, 0, 0)  # 1/2/2003 0:00: 2 January
    assert dates.iloc[1200] == pd.Timestamp(2003, 2, 24)
    assert "ambiguous" not in conversions(ds, "when")[0][1]


def test_orders_contradicting_after_the_first_thousand_rows_stay_text(tmp_path: Path) -> None:
    day_first = [f"{d}/01/2015" for d in range(13, 29)]
    ds = load(_dates_file(tmp_path, day_first, "01/13/2015"))
    assert ds.frame["when"].iloc[1200] == "01/13/2015"
    assert ds.date_formats == {}
