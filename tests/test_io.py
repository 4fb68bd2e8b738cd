"""Tests for reportgen.reading.tables.load: formats, encodings, delimiters, value conversion
and errors.

Expected values are written out by hand from the file contents built in each test (or, for the
real data sets, from their documented properties), never copied from the loader's output.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.errors import InputError, ReportgenError
from reportgen.reading.tables import Conversion, Dataset, load
from tests.conftest import MALL, PERSONALITY, WHOLESALE

needs_data = pytest.mark.skipif(
    not (MALL.is_file() and PERSONALITY.is_file() and WHOLESALE.is_file()),
    reason="real data sets not available",
)


def write(folder: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write a fixture file byte for byte (no newline translation)."""
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def error_of(path: Path, **kwargs: object) -> str:
    with pytest.raises(InputError) as info:
        load(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message


def kinds(ds: Dataset, column: str) -> list[str]:
    return [c.kind for c in ds.conversions if c.column == column]


def detail(ds: Dataset, column: str, kind: str) -> str:
    (found,) = [c.detail for c in ds.conversions if c.column == column and c.kind == kind]
    return found


# --------------------------------------------------------------------------- real data


@needs_data
def test_mall_customers_crlf_no_final_newline_zero_padded_ids() -> None:
    raw = MALL.read_bytes()
    assert b"\r\n" in raw and not raw.endswith(b"\n")  # the quirks under test
    ds = load(MALL)
    assert ds.format == "csv" and ds.delimiter == "," and ds.encoding == "utf-8"
    assert ds.compression is None and ds.sheet is None
    assert ds.sha256 == hashlib.sha256(raw).hexdigest()
    frame = ds.frame
    assert list(frame.columns) == [
        "CustomerID",
        "Genre",
        "Age",
        "Annual Income (k$)",
        "Spending Score (1-100)",
    ]
    assert frame.shape == (200, 5)
    assert frame["CustomerID"].dtype == np.int64
    assert frame["CustomerID"].tolist() == list(range(1, 201))  # "0001".."0200"
    assert frame["Age"].dtype == np.int64 and frame["Age"].between(18, 70).all()
    assert frame["Annual Income (k$)"].dtype == np.int64
    assert frame["Genre"].value_counts().to_dict() == {"Female": 112, "Male": 88}
    assert frame.iloc[199]["Spending Score (1-100)"] == int(raw.rsplit(b",", 1)[1])  # last line
    assert ds.conversions == () and ds.date_formats == {}


@needs_data
def test_customer_personality_tab_missing_income_day_first_dates() -> None:
    ds = load(PERSONALITY)
    assert ds.delimiter == "\t" and ds.encoding == "utf-8" and ds.format == "csv"
    frame = ds.frame
    assert frame.shape == (2240, 29)
    assert frame["Income"].dtype == np.float64
    assert int(frame["Income"].isna().sum()) == 24
    assert frame["Income"].max() == 666666
    assert frame["ID"].dtype == np.int64 and frame["ID"].iloc[0] == 5524
    assert frame["Year_Birth"].min() == 1893
    assert pd.api.types.is_datetime64_any_dtype(frame["Dt_Customer"])
    assert frame["Dt_Customer"].iloc[0] == pd.Timestamp(2012, 9, 4)  # 04-09-2012, day first
    assert frame["Dt_Customer"].iloc[1] == pd.Timestamp(2014, 3, 8)  # 08-03-2014
    assert frame["Dt_Customer"].min() == pd.Timestamp(2012, 7, 30)
    assert frame["Dt_Customer"].max() == pd.Timestamp(2014, 6, 29)
    assert ds.date_formats == {"Dt_Customer": "day-first"}
    assert "day first" in detail(ds, "Dt_Customer", "date")
    assert "04-09-2012 = 4 Sep 2012" in detail(ds, "Dt_Customer", "date")
    assert frame["Marital_Status"].isin(["YOLO"]).sum() == 2
    assert "2n Cycle" in set(frame["Education"])
    assert frame["Z_CostContact"].dtype == np.int64 and set(frame["Z_CostContact"]) == {3}
    # Income is plain numbers with empty fields: no conversion to report
    assert kinds(ds, "Income") == []


@needs_data
def test_wholesale_customers_all_integers() -> None:
    ds = load(WHOLESALE)
    frame = ds.frame
    assert ds.delimiter == ","
    assert frame.shape == (440, 8)
    assert all(dtype == np.int64 for dtype in frame.dtypes)
    assert frame.iloc[0].tolist() == [2, 3, 12669, 9656, 7561, 214, 2674, 1338]
    assert frame["Channel"].value_counts().to_dict() == {1: 298, 2: 142}
    assert frame["Fresh"].min() == 3 and frame["Fresh"].max() == 112151
    assert ds.conversions == ()


@needs_data
def test_real_file_bytes_unchanged(tmp_path: Path) -> None:
    copy = write(tmp_path, "mall.csv", MALL.read_bytes())
    before = (copy.read_bytes(), copy.stat().st_mtime_ns)
    load(copy)
    assert (copy.read_bytes(), copy.stat().st_mtime_ns) == before


# --------------------------------------------------------------------------- encodings


def test_utf8_bom_is_dropped_from_first_column_name(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", b"\xef\xbb\xbfid,name\r\n1,Ann\r\n2,Bo\r\n")
    ds = load(path)
    assert ds.encoding == "utf-8-sig"
    assert list(ds.frame.columns) == ["id", "name"]
    assert ds.frame["id"].tolist() == [1, 2]


def test_cp1252_accents_and_euro(tmp_path: Path) -> None:
    text = "name;amount\nCafé;12,50 €\nCrème brûlée;1.234,00 €\n"
    path = write(tmp_path, "cp.csv", text, encoding="cp1252")
    assert b"\x80" in path.read_bytes()  # the euro sign in cp1252
    ds = load(path)
    assert ds.encoding == "cp1252" and ds.delimiter == ";"
    assert ds.frame["name"].tolist() == ["Café", "Crème brûlée"]
    assert ds.frame["amount"].tolist() == [12.5, 1234.0]
    assert kinds(ds, "amount") == ["currency"]
    assert "€" in detail(ds, "amount", "currency")
    assert "decimal comma" in detail(ds, "amount", "currency")


def test_latin1_when_not_cp1252(tmp_path: Path) -> None:
    # 0x81 is undefined in cp1252, so only latin-1 decodes this file
    path = write(tmp_path, "latin.csv", b"city,n\nZ\xfcrich \x81,1\nGen\xe8ve,2\n")
    ds = load(path)
    assert ds.encoding == "latin-1"
    assert ds.frame["city"].tolist() == ["Zürich \x81", "Genève"]


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_utf16_with_bom(tmp_path: Path, bom: bytes, codec: str) -> None:
    content = bom + "name\tspend\r\nJosé\t10\r\nZoë\t20\r\n".encode(codec)
    assert b"\x00" in content
    ds = load(write(tmp_path, "u16.txt", content))
    assert ds.encoding == "utf-16" and ds.delimiter == "\t"
    assert ds.frame["name"].tolist() == ["José", "Zoë"]
    assert ds.frame["spend"].tolist() == [10, 20]


def test_binary_junk_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "data.bin", bytes(range(256)) * 40)
    message = error_of(path)
    assert message == (
        f"{path} does not look like a text table (binary content); "
        "export it as CSV, Excel or Parquet"
    )


def test_many_control_characters_without_nul_are_binary(tmp_path: Path) -> None:
    junk = bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]) * 20 + b"a,b\n1,2\n"
    assert b"\x00" not in junk
    assert "binary content" in error_of(write(tmp_path, "junk.csv", junk))


# --------------------------------------------------------------------------- delimiters


@pytest.mark.parametrize(
    ("delimiter", "name"),
    [(",", "c.csv"), (";", "s.csv"), ("\t", "t.tsv"), ("|", "p.txt")],
)
def test_delimiter_sniffed(tmp_path: Path, delimiter: str, name: str) -> None:
    rows = ["id", "name", "score"], ["1", '"Smith, J"', "3"], ["2", "Lee", "4"]
    path = write(tmp_path, name, "\n".join(delimiter.join(r) for r in rows) + "\n")
    ds = load(path)
    assert ds.delimiter == delimiter
    assert list(ds.frame.columns) == ["id", "name", "score"]
    assert ds.frame["name"].tolist() == ["Smith, J", "Lee"]


def test_quoted_commas_do_not_fool_the_sniffer(tmp_path: Path) -> None:
    path = write(tmp_path, "q.csv", 'a;b\n"x,y,z";1\n"p,q,r";2\n')
    ds = load(path)
    assert ds.delimiter == ";"
    assert ds.frame["a"].tolist() == ["x,y,z", "p,q,r"]


def test_one_column_file(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "one.csv", "name\nalice\nbob\n"))
    assert ds.delimiter == ","
    assert ds.frame["name"].tolist() == ["alice", "bob"]


def test_header_whitespace_stripped_and_values_trimmed(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "ws.csv", " id , name \n 1 , Ann \n2,Bo\n"))
    assert list(ds.frame.columns) == ["id", "name"]
    assert ds.frame["id"].tolist() == [1, 2]
    assert ds.frame["name"].tolist() == ["Ann", "Bo"]


def test_excel_sep_hint_line(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "hint.csv", "sep=;\r\na;b\r\n1,5;x\r\n"))
    assert ds.delimiter == ";"
    assert list(ds.frame.columns) == ["a", "b"]
    assert ds.frame["a"].tolist() == [1.5]


def test_sep_hint_line_counts_in_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "hint.csv", "sep=;\na;b\n1;2\n3;4;5\n")
    assert f"{path} line 4 has 3 fields but the header has 2" in error_of(path)


@pytest.mark.parametrize(
    "content",
    ["sep=\r\na;b\r\n1;2\r\n", "sep=\ra;b\r1;2\r", "sep=\na;b\n1;2\n", "sep=\r\r\na;b\n1;2\n"],
)
def test_bare_sep_hint_is_dropped_and_the_delimiter_sniffed(tmp_path: Path, content: str) -> None:
    ds = load(write(tmp_path, "hint.csv", content))  # its line break is not a delimiter
    assert ds.delimiter == ";"
    assert ds.frame.to_dict("list") == {"a": [1], "b": [2]}


def test_bare_sep_hint_alone_is_an_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "hint.csv", "sep=\r")
    assert error_of(path).startswith(f"{path} is empty; ")


def test_header_starting_with_pk_is_still_csv(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "keys.csv", "PKey,name\n1,a\n"))
    assert ds.format == "csv" and list(ds.frame.columns) == ["PKey", "name"]


def test_blank_lines_skipped(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "blank.csv", "a,b\n\n1,2\n   \n3,4\n\n"))
    assert ds.frame.to_dict("list") == {"a": [1, 3], "b": [2, 4]}


def test_old_mac_line_endings(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "cr.csv", "a,b\r1,2\r3,4"))
    assert ds.frame.to_dict("list") == {"a": [1, 3], "b": [2, 4]}


# --------------------------------------------------------------------------- numbers


def test_semicolon_file_with_decimal_commas(tmp_path: Path) -> None:
    path = write(tmp_path, "eu.csv", "id;rate;name\n1;1,5;x\n2;12,25;y\n3;-0,5;z\n")
    ds = load(path)
    assert ds.frame["rate"].tolist() == [1.5, 12.25, -0.5]
    assert ds.frame["rate"].dtype == np.float64
    assert kinds(ds, "rate") == ["decimal_comma"]
    assert "decimal comma" in detail(ds, "rate", "decimal_comma")
    assert kinds(ds, "id") == []


def test_dollar_amounts_with_thousands_and_accounting_negatives(tmp_path: Path) -> None:
    path = write(tmp_path, "usd.csv", 'id,amount\n1,"$1,234.50"\n2,$12.00\n3,"($3.50)"\n4,-$7\n')
    ds = load(path)
    assert ds.frame["amount"].tolist() == [1234.5, 12.0, -3.5, -7.0]
    assert kinds(ds, "amount") == ["currency"]
    text = detail(ds, "amount", "currency")
    assert "'$1,234.50'" in text and "currency $" in text


def test_eu_amounts_with_space_and_no_break_space_grouping(tmp_path: Path) -> None:
    content = "id;amount\n1;1 234,56 €\n2;2\u00a0000,00\u00a0€\n3;3\u202f000,5 €\n4;7 €\n"
    ds = load(write(tmp_path, "eur.csv", content))
    assert ds.frame["amount"].tolist() == [1234.56, 2000.0, 3000.5, 7.0]
    assert kinds(ds, "amount") == ["currency"]
    text = detail(ds, "amount", "currency")
    assert text.startswith("read '1 234,56 €' style values as numbers (")
    assert "decimal comma" in text and "currency €" in text


def test_currency_codes_before_or_after(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "codes.csv", "a,b\nEUR 12.50,10 GBP\nEUR 3,£4\n"))
    assert ds.frame["a"].tolist() == [12.5, 3.0]
    assert ds.frame["b"].tolist() == [10, 4]
    assert kinds(ds, "a") == ["currency"] and kinds(ds, "b") == ["currency"]


def test_mixed_currencies_stay_text(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "mixed.csv", "price\n$12\n€13\n"))
    assert ds.frame["price"].tolist() == ["$12", "€13"]
    assert ds.conversions == ()


def test_percent_values(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "pct.csv", "id,share\n1,45%\n2,5.5 %\n3,100%\n"))
    assert ds.frame["share"].tolist() == [45.0, 5.5, 100.0]
    assert kinds(ds, "share") == ["percent"]
    assert "'45%' read as 45" in detail(ds, "share", "percent")


def test_integral_percent_column_is_int(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "pct.csv", "share\n45%\n50%\n"))
    assert ds.frame["share"].dtype == np.int64
    assert ds.frame["share"].tolist() == [45, 50]


def test_plain_numbers_no_conversion_recorded(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "plain.csv", "a,b,c\n12,-3.5,1e3\n+4,.5,0007\n"))
    assert ds.frame["a"].tolist() == [12, 4] and ds.frame["a"].dtype == np.int64
    assert ds.frame["b"].tolist() == [-3.5, 0.5]
    assert ds.frame["c"].tolist() == [1000, 7]
    assert ds.conversions == ()


def test_empty_cells_make_a_float_column(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "gaps.csv", "a,b\n1,x\n,y\n3,z\n  ,w\n"))
    assert ds.frame["a"].dtype == np.float64
    assert ds.frame["a"].isna().tolist() == [False, True, False, True]
    assert ds.conversions == ()


def test_na_in_text_column_stays_text(tmp_path: Path) -> None:
    # "NA" is North America here: the other values are not numbers
    ds = load(write(tmp_path, "na.csv", "region,sales\nNA,10\nEU,NA\nNA,30\nAPAC,-\n"))
    assert ds.frame["region"].tolist() == ["NA", "EU", "NA", "APAC"]
    assert ds.frame["sales"].tolist()[0] == 10.0
    assert ds.frame["sales"].isna().tolist() == [False, True, False, True]
    assert ds.frame["sales"].dtype == np.float64
    assert kinds(ds, "region") == []
    assert kinds(ds, "sales") == ["missing_tokens"]
    assert detail(ds, "sales", "missing_tokens") == "treated 1 'NA' and 1 '-' values as missing"


def test_missing_token_count_in_detail(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "na3.csv", "x\n1\nNA\nNA\n2\nNA\n"))
    assert detail(ds, "x", "missing_tokens") == "treated 3 'NA' values as missing"


def test_column_of_only_tokens_stays_text(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "onlyna.csv", "region,n\nNA,1\nNA,2\n"))
    assert ds.frame["region"].tolist() == ["NA", "NA"]


def test_numbers_with_one_stray_word_stay_text(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "stray.csv", "qty\n1\n2\nthree\n4\n"))
    assert ds.frame["qty"].tolist() == ["1", "2", "three", "4"]
    assert ds.conversions == ()


def test_inconsistent_decimal_conventions_stay_text(tmp_path: Path) -> None:
    # '1,234.5' is only US, '1.234,5' is only EU: no single reading fits both
    ds = load(write(tmp_path, "mix.csv", 'v\n"1,234.5"\n"1.234,5"\n'))
    assert ds.frame["v"].tolist() == ["1,234.5", "1.234,5"]


def test_unambiguous_value_decides_the_column(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "dec.csv", 'a,b\n"1,234","1,234"\n"2,5","3,456.75"\n'))
    assert ds.frame["a"].tolist() == [1.234, 2.5]  # '2,5' can only be a decimal comma
    assert kinds(ds, "a") == ["decimal_comma"]
    assert ds.frame["b"].tolist() == [1234.0, 3456.75]  # '3,456.75' is only US style
    assert kinds(ds, "b") == ["thousands"]


def test_ambiguous_comma_follows_the_delimiter(tmp_path: Path) -> None:
    comma = load(write(tmp_path, "us.csv", 'n\n"1,234"\n"12,500"\n'))
    assert comma.frame["n"].tolist() == [1234, 12500]
    assert "either" in detail(comma, "n", "thousands")
    semicolon = load(write(tmp_path, "eu.csv", "n;m\n1,234;a\n12,500;b\n"))
    assert semicolon.frame["n"].tolist() == [1.234, 12.5]
    assert "semicolon" in detail(semicolon, "n", "decimal_comma")


def test_dot_grouping_in_semicolon_file(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "de.csv", "menge;preis\n1.500;2,50\n12.000;3\n"))
    assert ds.frame["menge"].tolist() == [1500, 12000]
    assert ds.frame["preis"].tolist() == [2.5, 3.0]


def test_ids_longer_than_int64_stay_exact_text(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "ids.csv", "id\n12345678901234567890123\n1\n"))
    assert ds.frame["id"].tolist() == ["12345678901234567890123", "1"]


def test_nineteen_digit_ids_that_fit_int64_stay_numbers(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "ids.csv", "id\n9000000000000000001\n-9000000000000000001\n"))
    assert ds.frame["id"].dtype == np.int64
    assert ds.frame["id"].tolist() == [9000000000000000001, -9000000000000000001]


def test_seventeen_digit_ids_keep_every_digit(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "ids.csv", "id\n12345678901234567\n1\n"))
    assert ds.frame["id"].dtype == np.int64
    assert ds.frame["id"].tolist() == [12345678901234567, 1]


# --------------------------------------------------------------------------- dates


def test_dates_orders_decided_from_the_data(tmp_path: Path) -> None:
    content = (
        "dmy,mdy,iso,dots\n"
        "04-09-2012,09/04/2012,2012-09-04,04.09.2012 8:26\n"
        "30-07-2012,12/31/2012,2013-01-02 10:22,25.12.2013 10:22:05\n"
    )
    ds = load(write(tmp_path, "dates.csv", content))
    frame = ds.frame
    assert frame["dmy"].tolist() == [pd.Timestamp(2012, 9, 4), pd.Timestamp(2012, 7, 30)]
    assert frame["mdy"].tolist() == [pd.Timestamp(2012, 9, 4), pd.Timestamp(2012, 12, 31)]
    assert frame["iso"].tolist() == [pd.Timestamp(2012, 9, 4), pd.Timestamp(2013, 1, 2, 10, 22)]
    assert frame["dots"].tolist() == [
        pd.Timestamp(2012, 9, 4, 8, 26),
        pd.Timestamp(2013, 12, 25, 10, 22, 5),
    ]
    assert ds.date_formats == {
        "dmy": "day-first",
        "mdy": "month-first",
        "iso": "iso",
        "dots": "day-first",
    }
    assert detail(ds, "dmy", "date") == "read as dates, day first (04-09-2012 = 4 Sep 2012)"
    assert "month first (09/04/2012 = 4 Sep 2012)" in detail(ds, "mdy", "date")
    assert "ambiguous" not in detail(ds, "dots", "date")


def test_ambiguous_dates_use_the_separator_default_and_say_so(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "amb.csv", "a,b\n04-09-2012,01/02/2012\n05-09-2012,01/03/2012\n"))
    assert ds.frame["a"].tolist() == [pd.Timestamp(2012, 9, 4), pd.Timestamp(2012, 9, 5)]
    assert ds.frame["b"].tolist() == [pd.Timestamp(2012, 1, 2), pd.Timestamp(2012, 1, 3)]
    assert ds.date_formats == {"a": "day-first", "b": "month-first"}
    assert "ambiguous" in detail(ds, "a", "date") and "ambiguous" in detail(ds, "b", "date")


def test_dates_with_empty_cells(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "gap.csv", "d,n\n13-01-2020,1\n,2\n"))
    assert ds.frame["d"].iloc[0] == pd.Timestamp(2020, 1, 13)
    assert pd.isna(ds.frame["d"].iloc[1])


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-03-05T14:22:01Z", pd.Timestamp(2024, 3, 5, 14, 22, 1)),
        ("2024-03-05T14:22:01.123Z", pd.Timestamp(2024, 3, 5, 14, 22, 1, 123000)),
        ("2024-03-05T14:22:01+00:00", pd.Timestamp(2024, 3, 5, 14, 22, 1)),
        ("2024-03-05 23:30:00-05:00", pd.Timestamp(2024, 3, 6, 4, 30)),  # 23:30 at -5 h is UTC 4:30
        ("2024-03-05T14:22+0200", pd.Timestamp(2024, 3, 5, 12, 22)),
    ],
)
def test_iso_times_with_a_zone_are_dates_in_utc(
    tmp_path: Path, written: str, expected: pd.Timestamp
) -> None:
    ds = load(write(tmp_path, "z.csv", f"id,seen\n1,{written}\n2,2024-01-01T00:00:00Z\n"))
    seen = ds.frame["seen"]
    assert str(seen.dtype).startswith("datetime64") and seen.dt.tz is None
    assert seen.tolist() == [expected, pd.Timestamp(2024, 1, 1)]
    assert ds.date_formats == {"seen": "iso"}
    assert detail(ds, "seen", "date").endswith(
        "; times with a time zone (Z or an offset such as +02:00) were converted to UTC"
    )


def test_a_date_without_time_ending_in_a_day_is_no_zone(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "d.csv", "id,day\n1,2024-03-05\n2,2024-03-06\n"))
    assert ds.frame["day"].tolist() == [pd.Timestamp(2024, 3, 5), pd.Timestamp(2024, 3, 6)]
    assert "UTC" not in detail(ds, "day", "date")


@pytest.mark.parametrize(
    "values",
    [
        ["13-01-2020", "01-13-2020"],  # both orders needed: not one format
        ["31-02-2012", "01-01-2012"],  # 31 February does not exist
        ["2012-09-04", "04-09-2012"],  # two formats in one column
        ["04-09-2012", "soon"],
    ],
)
def test_inconsistent_dates_stay_text(tmp_path: Path, values: list[str]) -> None:
    ds = load(write(tmp_path, "bad.csv", "d,n\n" + "".join(f"{v},1\n" for v in values)))
    assert ds.frame["d"].tolist() == values
    assert ds.date_formats == {}


def _days(n: int, start: str = "2023-01-01") -> list[pd.Timestamp]:
    return [pd.Timestamp(start) + pd.Timedelta(days=3 * i) for i in range(n)]


def test_dates_with_a_few_numbers_are_dates_and_the_numbers_set_aside(tmp_path: Path) -> None:
    days = _days(58)
    cells = [f"{d:%Y-%m-%d}" for d in days]
    cells[3:3] = ["45123"]  # data row 4: an Excel day number
    cells[7:7] = ["12.5"]  # data row 8
    content = "id,signup\n" + "".join(f"{i},{v}\n" for i, v in enumerate(cells))
    ds = load(write(tmp_path, "mixed.csv", content))
    signup = ds.frame["signup"]
    assert str(signup.dtype).startswith("datetime64")
    assert signup.isna().tolist() == [i in (3, 7) for i in range(60)]
    assert signup.dropna().tolist() == days
    assert ds.date_formats == {"signup": "iso"}
    (mixed,) = ds.mixed
    assert (mixed.column, mixed.n_dates, mixed.n_numbers, mixed.n_other) == ("signup", 58, 2, 0)
    assert mixed.examples == ((4, "45123"), (8, "12.5")) and mixed.read_as_dates
    assert mixed.message == (
        "signup: 58 dates and 2 numbers ('45123' in data row 4, '12.5' in data row 8); "
        "read as dates, as at least 95% of the values are, and the 2 values that are not "
        "dates set aside as missing"
    )
    assert detail(ds, "signup", "date") == (
        "read as dates (ISO year-month-day, 2023-01-01 = 1 Jan 2023); 2 values that are not "
        "dates ('45123' in data row 4, '12.5' in data row 8) set aside as missing"
    )


def test_day_first_dates_with_a_word_and_a_number_among_them(tmp_path: Path) -> None:
    days = _days(40, "2022-05-01")
    cells = [f"{d:%d-%m-%Y}" for d in days] + ["unknown", "7"]
    content = "id,joined\n" + "".join(f"{i},{v}\n" for i, v in enumerate(cells))
    ds = load(write(tmp_path, "dmy.csv", content))
    assert ds.frame["joined"].iloc[:40].tolist() == days
    assert ds.frame["joined"].iloc[40:].isna().all()
    assert ds.date_formats == {"joined": "day-first"}
    (mixed,) = ds.mixed
    assert (mixed.n_dates, mixed.n_numbers, mixed.n_other) == (40, 1, 1)  # 40/42 = 95.2%
    assert mixed.counts == "40 dates, 1 number and 1 other value"


def test_dates_and_numbers_half_and_half_stay_text_and_say_so(tmp_path: Path) -> None:
    days = _days(30)
    cells = [v for d in days for v in (f"{d:%Y-%m-%d}", str(45000 + d.day_of_year))]
    content = "id,signup\n" + "".join(f"{i},{v}\n" for i, v in enumerate(cells))
    ds = load(write(tmp_path, "half.csv", content))
    assert ds.frame["signup"].tolist() == cells  # nothing lost: the text as written
    assert ds.date_formats == {} and kinds(ds, "signup") == []
    (mixed,) = ds.mixed
    assert (mixed.n_dates, mixed.n_numbers, mixed.n_other) == (30, 30, 0)
    assert not mixed.read_as_dates
    assert mixed.message == (
        f"signup: 30 dates and 30 numbers ('{cells[1]}' in data row 2, '{cells[3]}' in data "
        f"row 4, '{cells[5]}' in data row 6, ...); left out: it is read as dates only when at "
        "least 95% of its values are dates, and numbers mixed with dates are no measure "
        "either; export the column with one kind of value"
    )


@pytest.mark.parametrize(
    "cells",
    [
        [f"note {i}" for i in range(30)] + ["2023-01-05", "12"],  # free text
        [f"2023-01-{i % 28 + 1:02d}" for i in range(30)] + [f"n/a {i}" for i in range(10)],
    ],
)
def test_text_with_a_few_dates_or_numbers_is_not_a_mixed_column(
    tmp_path: Path, cells: list[str]
) -> None:
    content = "id,x\n" + "".join(f"{i},{v}\n" for i, v in enumerate(cells))
    ds = load(write(tmp_path, "text.csv", content))
    assert ds.frame["x"].tolist() == cells and ds.mixed == ()


def test_numbers_with_one_date_still_ask_for_the_value_to_be_fixed(tmp_path: Path) -> None:
    cells = [str(10 * i) for i in range(40)]
    cells[5] = "2023-01-05"
    path = write(
        tmp_path, "n.csv", "id,spend\n" + "".join(f"{i},{v}\n" for i, v in enumerate(cells))
    )
    assert error_of(path) == (
        f"{path}: column 'spend' is numeric except for '2023-01-05' in data row 6; fix or "
        "blank that value so the column can be used"
    )


def test_xlsx_date_cells_with_a_day_number_among_them(tmp_path: Path) -> None:
    days = _days(24)
    cells: list[object] = [d.to_pydatetime() for d in days]
    cells[10] = 45123  # a cell not formatted as a date shows its day number
    path = tmp_path / "dates.xlsx"
    pd.DataFrame({"id": range(24), "joined": cells}).to_excel(path, index=False)
    ds = load(path)
    assert ds.frame["joined"].isna().tolist() == [i == 10 for i in range(24)]
    assert ds.frame["joined"].dropna().tolist() == days[:10] + days[11:]
    (mixed,) = ds.mixed
    assert (mixed.n_dates, mixed.n_numbers, mixed.examples) == (23, 1, ((11, "45123"),))


# --------------------------------------------------------------------------- gzip, Excel, Parquet


def test_gzip_csv_by_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv.gz", gzip.compress(b"id;v\n1;2,5\n2;3\n"))
    ds = load(path)
    assert ds.compression == "gzip" and ds.format == "csv" and ds.delimiter == ";"
    assert ds.frame["v"].tolist() == [2.5, 3.0]
    assert ds.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # of the .gz bytes


def test_gzip_detected_by_content(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "export.csv", gzip.compress(b"a,b\n1,2\n")))
    assert ds.compression == "gzip"
    assert ds.frame.to_dict("list") == {"a": [1], "b": [2]}


def test_truncated_gzip(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv.gz", gzip.compress(b"a,b\n1,2\n" * 100)[:30])
    message = error_of(path)
    assert message.startswith(f"{path} could not be decompressed as gzip")
    assert "check the file is complete" in message


def _excel_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3],
            "region": ["NA", "EU", "NA"],
            "amount": ["$1,234.50", "$3.00", "NA"],
            "joined": pd.to_datetime(["2012-01-01", "2013-02-03", None]),
            "score": [1.5, None, 2.0],
        }
    )


def test_xlsx_one_sheet(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    _excel_frame().to_excel(path, index=False, sheet_name="Customers")
    ds = load(path)
    assert ds.format == "excel" and ds.sheet == "Customers"
    assert ds.encoding is None and ds.delimiter is None
    frame = ds.frame
    assert frame["id"].dtype == np.int64 and frame["id"].tolist() == [1, 2, 3]
    assert frame["region"].tolist() == ["NA", "EU", "NA"]  # Excel's "NA" text kept
    assert frame["amount"].iloc[:2].tolist() == [1234.5, 3.0] and pd.isna(frame["amount"][2])
    assert kinds(ds, "amount") == ["currency", "missing_tokens"]
    assert frame["joined"].iloc[1] == pd.Timestamp(2013, 2, 3)
    assert pd.isna(frame["joined"].iloc[2])
    assert kinds(ds, "joined") == []  # Excel dates are already dates
    assert frame["score"].dtype == np.float64 and frame["score"].isna().tolist() == [
        False,
        True,
        False,
    ]


def test_xlsx_header_below_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    _excel_frame().to_excel(path, index=False, startrow=2)
    ds = load(path)
    assert list(ds.frame.columns) == ["id", "region", "amount", "joined", "score"]
    assert len(ds.frame) == 3


def test_xlsx_several_sheets_need_a_choice(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    with pd.ExcelWriter(path) as writer:
        for name in ("A", "B", "C"):
            _excel_frame().to_excel(writer, sheet_name=name, index=False)
    assert error_of(path) == f"{path} has 3 sheets (A, B, C); choose one with --sheet"
    ds = load(path, sheet="B")
    assert ds.sheet == "B" and len(ds.frame) == 3
    message = error_of(path, sheet="Z")
    assert "no sheet 'Z'" in message and "A, B, C" in message and "--sheet" in message


def test_xlsx_duplicate_header(tmp_path: Path) -> None:
    path = tmp_path / "dup.xlsx"
    pd.DataFrame([["x", "y", "x"], [1, 2, 3]]).to_excel(path, index=False, header=False)
    assert "column name 'x' twice (columns 1 and 3)" in error_of(path)


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = write(tmp_path, "data.xlsx", os.urandom(2000))
    message = error_of(path)
    assert message.startswith(f"{path} could not be read as Excel: ")
    assert "check the file is complete" in message


def test_sheet_option_on_csv_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", "a\n1\n")
    assert "--sheet does not apply" in error_of(path, sheet="A")


def test_old_xls_is_refused_with_advice(tmp_path: Path) -> None:
    path = write(tmp_path, "data.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    assert "save it as .xlsx or CSV" in error_of(path)


def test_parquet_typed_columns_kept_text_columns_converted(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    frame = _excel_frame()
    frame["big"] = np.array([2**40 + 1, 2, 3], dtype=np.int64)
    frame.set_index("id").to_parquet(path)
    ds = load(path)
    assert ds.format == "parquet" and ds.encoding is None
    out = ds.frame
    assert list(out.columns) == ["id", "region", "amount", "joined", "score", "big"]
    assert out["id"].tolist() == [1, 2, 3]  # the named index is data
    assert out["big"].dtype == np.int64 and out["big"].tolist() == [2**40 + 1, 2, 3]
    assert out["region"].tolist() == ["NA", "EU", "NA"]
    assert out["amount"].iloc[0] == 1234.5
    assert kinds(ds, "amount") == ["currency", "missing_tokens"]
    assert pd.api.types.is_datetime64_any_dtype(out["joined"])
    assert out["score"].dtype == np.float64 and out["score"].isna().sum() == 1
    assert kinds(ds, "score") == [] and kinds(ds, "joined") == []


def test_parquet_detected_by_magic(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    pd.DataFrame({"a": [1, 2]}).to_parquet(path)
    assert load(path).frame["a"].tolist() == [1, 2]


@pytest.mark.parametrize("content", [b"", b"PAR1" + bytes(100), None])
def test_corrupt_parquet(tmp_path: Path, content: bytes | None) -> None:
    path = write(tmp_path, "data.parquet", os.urandom(1000) if content is None else content)
    message = error_of(path)
    assert message.startswith(f"{path} could not be read as Parquet: ")
    assert message.endswith("; check the file is complete")


# --------------------------------------------------------------------------- structural errors


@pytest.mark.parametrize("content", ["", "   \r\n\n  "])
def test_empty_file(tmp_path: Path, content: str) -> None:
    path = write(tmp_path, "data.csv", content)
    assert error_of(path).startswith(f"{path} is empty; ")


@pytest.mark.parametrize("content", ["a,b,c\r\n", "a,b,c", "a;b\n\n\n"])
def test_header_only(tmp_path: Path, content: str) -> None:
    path = write(tmp_path, "data.csv", content)
    assert error_of(path).startswith(f"{path} has a header but no data rows")


def test_row_longer_than_header(tmp_path: Path) -> None:
    lines = ["a,b,c,d,e"] + ["1,2,3,4,5"] * 5 + ["1,2,3,4,5,6", "1,2,3,4,5"]
    path = write(tmp_path, "data.csv", "\n".join(lines) + "\n")
    assert error_of(path) == (
        f"{path} line 7 has 6 fields but the header has 5; fix or remove that line"
    )


def test_row_longer_than_header_after_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", "a,b\n1,2\n\n\n3,4,5\n")
    assert f"{path} line 5 has 3 fields but the header has 2" in error_of(path)


def test_row_shorter_than_header(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", "a,b,c\r\n1,2,3\r\n4,5,6\r\n7,8\r\n9,10,11")
    assert error_of(path) == (
        f"{path} line 4 has 2 fields but the header has 3; fix or remove that line"
    )


def test_row_shorter_than_header_after_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", "a,b,c\n1,2,3\n\n\n4\n6,7,8\n")
    assert f"{path} line 5 has 1 field but the header has 3" in error_of(path)


def test_row_shorter_than_header_in_quoted_file(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", 'a,b,c\n1,"two\nlines",3\n\n4,5\n')
    assert f"{path} line 5 has 2 fields but the header has 3" in error_of(path)


def test_trailing_empty_fields_are_not_short_rows(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "data.csv", 'a,b,note\n1,2,\n3,4,""\n5,6,ok\n'))
    assert ds.frame["a"].tolist() == [1, 3, 5]
    assert ds.frame["note"].isna().tolist() == [True, True, False]


def test_unterminated_quote(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", 'a,b\n1,2\n3,"oops\n5,6\n')
    message = error_of(path)
    assert message.startswith(f"{path} has an unterminated quote starting near line 3; ")


def test_duplicate_column_names(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", "id,x,b,c,x\n1,2,3,4,5\n")
    assert error_of(path) == (f"{path} has the column name 'x' twice (columns 2 and 5); rename one")


def test_duplicate_after_stripping_spaces(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", "x, x\n1,2\n")
    assert "column name 'x' twice (columns 1 and 2)" in error_of(path)


@pytest.mark.parametrize("hidden", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_names_differing_by_an_invisible_character_are_duplicates(
    tmp_path: Path, hidden: str
) -> None:
    path = write(tmp_path, "data.csv", f"id,spend,spend{hidden},visits\n1,2,3,4\n")
    shown = f"spend\\u{ord(hidden):04x}"  # e.g. spend\u200b, as the message writes it
    assert error_of(path) == (
        f"{path} has the column name 'spend' twice (columns 2 and 3, written \"spend\" and "
        f'"{shown}": they differ only in characters that do not show or look alike); '
        "rename one"
    )


@pytest.mark.parametrize(
    ("first", "second", "clean", "shown"),
    [
        ("total spend", "total\u00a0spend", "total spend", "total\\u00a0spend"),
        ("total spend", "total\u202fspend", "total spend", "total\\u202fspend"),
        ("caf\u00e9", "cafe\u0301", "caf\u00e9", "cafe\\u0301"),  # NFC and NFD forms of café
    ],
)
def test_names_that_look_alike_are_duplicates(
    tmp_path: Path, first: str, second: str, clean: str, shown: str
) -> None:
    path = write(tmp_path, "data.csv", f"id;{first};{second}\n1;2;3\n")
    assert error_of(path) == (
        f"{path} has the column name '{clean}' twice (columns 2 and 3, written \"{first}\" and "
        f'"{shown}": they differ only in characters that do not show or look alike); '
        "rename one"
    )


@pytest.mark.parametrize(
    ("written", "clean", "shown"),
    [
        ("spend\u200b", "spend", "spend\\u200b"),
        ("\u2060spend", "spend", "\\u2060spend"),
        ("to\u00adtal spend", "total spend", "to\\u00adtal spend"),
        ("total\u00a0spend", "total spend", "total\\u00a0spend"),
        ("cafe\u0301", "caf\u00e9", "cafe\\u0301"),
    ],
)
def test_a_lone_name_with_hidden_characters_is_cleaned_and_said(
    tmp_path: Path, written: str, clean: str, shown: str
) -> None:
    ds = load(write(tmp_path, "data.csv", f"id,{written},visits\n1,2,3\n"))
    assert list(ds.frame.columns) == ["id", clean, "visits"]
    assert ds.frame[clean].tolist() == [2]
    assert ds.notes == (
        f'column 2 is named "{shown}" in the file: characters that do not show or look alike '
        f"were cleaned, and it is read as '{clean}'",
    )


def test_excel_and_parquet_names_are_cleaned_and_checked_alike(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [1, 2], "spend\u200b": [3, 4]})
    for path in (tmp_path / "t.xlsx", tmp_path / "t.parquet"):
        if path.suffix == ".xlsx":
            frame.to_excel(path, index=False)
        else:
            frame.to_parquet(path)
        ds = load(path)
        assert list(ds.frame.columns) == ["id", "spend"]
        assert ds.notes[-1].startswith('column 2 is named "spend\\u200b" in the file')
    twins = pd.DataFrame([[1, 2, 3]], columns=["id", "spend", "spend\ufeff"])
    twins.to_parquet(tmp_path / "twins.parquet")
    assert 'written "spend" and "spend\\ufeff"' in error_of(tmp_path / "twins.parquet")


def test_blank_header_names_get_placeholders(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "data.csv", "a,,\n1,2,3\n"))
    assert list(ds.frame.columns) == ["a", "Unnamed: 1", "Unnamed: 2"]


# --------------------------------------------------------------------------- file access


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    assert error_of(path) == f"{path}: no such file; check the path"


def test_name_is_reported_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert error_of("data.csv").startswith("data.csv: no such file")  # type: ignore[arg-type]


def test_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    message = error_of("data")  # type: ignore[arg-type]
    assert message.startswith("data: is a directory, not a file")


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "data.csv", "a\n1\n")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert error_of(path) == (
        f"{path}: cannot be read (permission denied); check the file's permissions"
    )


def test_errors_are_reportgen_errors(tmp_path: Path) -> None:
    with pytest.raises(ReportgenError):
        load(tmp_path / "absent.csv")


def test_input_bytes_unchanged(tmp_path: Path) -> None:
    content = "sep=;\r\nid;amount;d\r\n1;1 234,56 €;04-09-2012\r\n2;NA;05-09-2012".encode("cp1252")
    path = write(tmp_path, "data.csv", content)
    stamp = path.stat().st_mtime_ns
    ds = load(path)
    assert path.read_bytes() == content and path.stat().st_mtime_ns == stamp
    assert ds.sha256 == hashlib.sha256(content).hexdigest()
    assert ds.path == path


def test_dataclasses_are_frozen(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "data.csv", "a\n1\n"))
    with pytest.raises(AttributeError):
        ds.format = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Conversion("a", "date", "x").kind = "y"  # type: ignore[misc]


# --------------------------------------------------------------------------- larger files
# (load speed is measured by bench/run.py, not asserted here)


def test_larger_file_of_mixed_styles(tmp_path: Path) -> None:
    n = 20_000
    rng = np.random.default_rng(0)
    amounts = rng.gamma(2.0, 2000.0, n)
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "age": rng.integers(18, 90, n),
            "income": rng.normal(50_000, 10_000, n).round(2),
            "region": rng.choice(["NA", "EU", "APAC"], n),
            "spend": [f"${v:,.2f}" for v in amounts],
            "joined": (
                pd.Timestamp(2012, 1, 1) + pd.to_timedelta(rng.integers(0, 900, n), "D")
            ).strftime("%d-%m-%Y"),
            "share": [f"{v}%" for v in rng.integers(0, 100, n)],
        }
    )
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    ds = load(path)
    assert ds.frame["spend"].dtype == np.float64
    assert np.allclose(ds.frame["spend"].to_numpy(), amounts.round(2))
    assert ds.frame["region"].tolist()[:3] == frame["region"].tolist()[:3]
    assert ds.date_formats == {"joined": "day-first"}
    assert ds.frame["share"].dtype == np.int64


def test_codes_among_numbers_are_not_taken_for_typos(tmp_path: Path) -> None:
    rows = [f"{536000 + i},{i % 7}" for i in range(60)] + ["C536004,1", "C536049,2"]
    path = tmp_path / "orders.csv"
    path.write_text("InvoiceNo,qty\n" + "\n".join(rows) + "\n", encoding="utf-8")
    frame = load(path).frame
    assert frame["InvoiceNo"].tolist()[-2:] == ["C536004", "C536049"]  # kept as text
    path.write_text("spend\n" + "\n".join([*map(str, range(60)), "twelve"]) + "\n")
    with pytest.raises(InputError, match="numeric except for 'twelve' in data row 61"):
        load(path)


def test_dates_in_two_formats_are_not_odd_values_to_drop(tmp_path: Path) -> None:
    """A transaction log reads every date format; the loader must not set the second aside."""
    cells = [f"{d:%Y-%m-%d}" for d in _days(40)] + ["05/01/2023", "20230105"]
    content = "id,day\n" + "".join(f"{i},{v}\n" for i, v in enumerate(cells))
    ds = load(write(tmp_path, "formats.csv", content))
    assert ds.frame["day"].tolist() == cells and ds.mixed == ()


def test_numbers_sorted_before_the_dates_are_still_found(tmp_path: Path) -> None:
    cells = sorted([f"{d:%Y-%m-%d}" for d in _days(1_500)] + ["12.5"] * 1_500)
    content = "id,day\n" + "".join(f"{i},{v}\n" for i, v in enumerate(cells))
    ds = load(write(tmp_path, "sorted.csv", content))
    (mixed,) = ds.mixed
    assert (mixed.n_dates, mixed.n_numbers, mixed.read_as_dates) == (1_500, 1_500, False)


@pytest.mark.parametrize(
    ("values", "expected", "order"),
    [
        (["2024/03/05", "2024/03/16"], ["2024-03-05", "2024-03-16"], "iso"),
        (["2024-3-5", "2024-3-16"], ["2024-03-05", "2024-03-16"], "iso"),
        (["12/1/2010 8:26 AM", "12/13/2010 9:05 PM"], ["2010-12-01T08:26", "2010-12-13T21:05"],
         "month-first"),
        (["5 Jan, 2020", "17 Feb, 2021"], ["2020-01-05", "2021-02-17"], "month-name"),
    ],
)  # fmt: skip
def test_dates_a_log_reads_are_read_by_the_loader_too(
    tmp_path: Path, values: list[str], expected: list[str], order: str
) -> None:
    """One reader (reportgen.reading.dates) for both: what it reads in one format is dates."""
    ds = load(
        write(tmp_path, "d.csv", "id,v\n" + "".join(f'{i},"{v}"\n' for i, v in enumerate(values)))
    )
    assert ds.frame["v"].tolist() == [pd.Timestamp(e) for e in expected]
    assert ds.date_formats == {"v": order}


def test_two_digit_years_with_a_numeric_day_and_month_stay_text(tmp_path: Path) -> None:
    ds = load(write(tmp_path, "d.csv", "id,v\n1,01/02/13\n2,13/02/13\n"))
    assert ds.frame["v"].tolist() == ["01/02/13", "13/02/13"] and ds.date_formats == {}


def test_an_impossible_date_among_dates_is_set_aside_and_said(tmp_path: Path) -> None:
    cells = [f"{d:%Y-%m-%d}" for d in _days(60)] + ["2023-02-30"]
    ds = load(
        write(tmp_path, "d.csv", "id,v\n" + "".join(f"{i},{v}\n" for i, v in enumerate(cells)))
    )
    assert ds.date_formats == {"v": "iso"} and pd.isna(ds.frame["v"].iloc[60])
    (mixed,) = ds.mixed
    assert (mixed.n_dates, mixed.n_numbers, mixed.n_other) == (60, 0, 1) and mixed.read_as_dates
