"""Tests for reportgen.io.load on real export shapes: a workbook whose first sheet is a data
dictionary, space-aligned text without a header, yyyymmdd integer dates, month-name dates and
day/month order decided from every value.

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

from reportgen.errors import InputError
from reportgen.io import Dataset, load
from tests.conftest import ECOMMERCE


def error_of(path: Path, **kwargs: object) -> str:
    with pytest.raises(InputError) as info:
        load(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message


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
