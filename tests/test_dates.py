"""reportgen.reading.dates: the one reader of text dates (the loader and a transaction log
use it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.reading.dates import parse


def day(text: str) -> np.datetime64:
    return np.datetime64(text)


def read(values: list[object]) -> list[np.datetime64 | None]:
    """The dates as written by hand below: None where nothing was read."""
    found = parse(pd.Series(values, dtype=object)).values
    return [None if np.isnat(v) else v for v in found]


def test_day_first_decided_by_a_first_part_above_12() -> None:
    found = parse(pd.Series(["04-09-2012", "30-07-2012", None, ""]))
    assert read(["04-09-2012", "30-07-2012", None, ""]) == [
        day("2012-09-04"), day("2012-07-30"), None, None,
    ]  # fmt: skip
    (only,) = found.formats
    assert (only.kind, only.order, only.label, only.assumed) == (
        "day-month", "day-first", "d-m-yyyy", False,
    )  # fmt: skip
    assert (only.n, only.example, only.example_date) == (2, "04-09-2012", day("2012-09-04"))
    assert found.order == "day-first" and found.n_unreadable == 0 and found.conflict is None


def test_month_first_with_times_and_am_pm() -> None:
    values = ["09/04/2012 8:26", "12/31/2012 10:22", "1/2/2013 8:26 PM"]
    assert read(values) == [
        day("2012-09-04T08:26"), day("2012-12-31T10:22"), day("2013-01-02T20:26"),
    ]  # fmt: skip
    (only,) = parse(pd.Series(values)).formats
    assert (only.order, only.label) == ("month-first", "m/d/yyyy H:M")


@pytest.mark.parametrize(
    ("values", "expected", "order"),
    [
        (["01/02/2012", "03/04/2012"], ["2012-01-02", "2012-03-04"], "month-first"),
        (["01-02-2012", "03-04-2012"], ["2012-02-01", "2012-04-03"], "day-first"),
        (["01.02.2012", "03.04.2012"], ["2012-02-01", "2012-04-03"], "day-first"),
    ],
)
def test_no_part_above_12_takes_the_separators_usual_order_and_says_so(
    values: list[str], expected: list[str], order: str
) -> None:
    assert read(values) == [day(e) for e in expected]  # type: ignore[arg-type]
    (only,) = parse(pd.Series(values)).formats
    assert only.order == order and only.assumed and only.label.endswith("(order assumed)")


def test_iso_times_with_a_zone_are_taken_to_utc() -> None:
    values = [
        "2024-03-05T14:22:01Z",
        "2024-03-05 23:30:00-05:00",  # 23:30 at -5 h is 4:30 UTC the next day
        "2024-03-05T14:22+0200",
        "2024-03-05T14:22:01.250Z",
        "2024-01-01",
    ]
    assert read(values) == [
        day("2024-03-05T14:22:01"),
        day("2024-03-06T04:30"),
        day("2024-03-05T12:22"),
        day("2024-03-05T14:22:01.250"),
        day("2024-01-01"),
    ]
    (only,) = parse(pd.Series(values)).formats
    assert (only.kind, only.order, only.zoned, only.one_writing) == ("iso", "iso", True, True)


def test_year_first_with_slashes_and_single_digits() -> None:
    assert read(["2024/3/5", "2024.12.31"]) == [day("2024-03-05"), day("2024-12-31")]
    (only,) = parse(pd.Series(["2024/3/5", "2024-3-6"])).formats
    assert only.kind == "iso" and not only.one_writing and not only.zoned


def test_whole_numbers_written_yyyymmdd() -> None:
    found = parse(pd.Series([19970101, 20200229, np.nan, 19970231, 12.5, 21010101]))
    assert [None if np.isnat(v) else v for v in found.values] == [
        day("1997-01-01"), day("2020-02-29"), None, None, None, None,
    ]  # fmt: skip
    (only,) = found.formats
    assert (only.kind, only.label, only.n, only.example) == ("yyyymmdd", "yyyymmdd", 2, "19970101")
    assert found.n_unreadable == 3 and found.example_unreadable == "19970231"
    assert read(["19970101", "21000101"]) == [day("1997-01-01"), day("2100-01-01")]


def test_month_names_any_case_and_two_digit_years() -> None:
    values = ["11-Feb-13", "1-MAR-14", "30-dec-99", "7-September-69"]
    assert read(values) == [
        day("2013-02-11"), day("2014-03-01"), day("1999-12-30"), day("1969-09-07"),
    ]  # fmt: skip
    (only,) = parse(pd.Series(values)).formats
    assert (only.order, only.years, only.one_writing) == ("month-name", "yy", True)
    assert read(["5 Jan, 2020", "11 February 2013 10:22"]) == [
        day("2020-01-05"), day("2013-02-11T10:22"),
    ]  # fmt: skip
    (two,) = parse(pd.Series(["11-Feb-13", "11 Feb 2013"])).formats
    assert two.years == "both" and not two.one_writing


def test_both_orders_in_one_column_are_a_conflict_left_unread() -> None:
    found = parse(pd.Series(["13/01/2020", "01/13/2020", "2020-01-05", "05/01/2020"]))
    assert found.conflict == ("13/01/2020", "01/13/2020")
    assert [None if np.isnat(v) else v for v in found.values] == [
        None, None, day("2020-01-05"), None,
    ]  # fmt: skip
    assert [f.kind for f in found.formats] == ["iso"] and found.n_unreadable == 3


def test_several_formats_are_counted_and_the_order_comes_from_day_and_month() -> None:
    values = ["2011-02-04", "2011-02-04", "20110205", "13/02/2011 9:05", "03/02/2011", "7 Feb 2011"]
    found = parse(pd.Series(values))
    assert [(f.label, f.n, f.example) for f in found.formats] == [
        ("yyyy-mm-dd", 2, "2011-02-04"),
        ("yyyymmdd", 1, "20110205"),
        ("d/m/yyyy H:M", 2, "13/02/2011 9:05"),
        ("d Mon yyyy", 1, "7 Feb 2011"),
    ]
    assert found.order == "day-first"
    assert found.values[4] == day("2011-02-03")  # 03/02: day first, as 13/02 says
    assert parse(pd.Series(["2011-02-04", "20110205"])).order == "mixed"


def test_garbage_is_unreadable_and_counted() -> None:
    found = parse(pd.Series(["soon", "n/a", "12.5", "", None, "soon", "31-02-2012"]))
    assert found.formats == () and found.order == "mixed"
    assert np.isnat(found.values).all()
    assert found.n_unreadable == 5 and found.example_unreadable == "soon"


def test_the_loader_and_a_log_read_a_column_alike(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One reader: a column in two formats (the loader keeps it as text, a log reads it)
    reads as the loader reads each format alone."""
    from reportgen.reading.tables import load

    iso = [f"2023-01-{d:02d}" for d in range(1, 29)]
    dmy = [f"{d:02d}-02-2023" for d in range(1, 29)]
    path = tmp_path / "d.csv"
    path.write_text("a,b\n" + "".join(f"{i},{d}\n" for i, d in zip(iso, dmy, strict=True)))
    loaded = load(path).frame
    both = parse(pd.Series(iso + dmy)).values
    assert (both == np.concatenate([loaded["a"].to_numpy(), loaded["b"].to_numpy()])).all()
