"""Stage 1, load: read a customer table from CSV/TSV/TXT (plain or gzip), Excel or Parquet.

The loader sniffs encoding and delimiter (or space-aligned columns), finds the data sheet of
a workbook and a missing header row, turns consistently formatted text numbers
(``1 234,56 €``, ``$1,234.50``, ``45%``, decimal commas) into numbers and dates (also
``11-Feb-13`` and ``19970101``) into datetimes, and records every such decision so the
report can say what it did.

All value conversion happens here, on whole columns at once (pandas ``.str`` methods backed
by Arrow, and Arrow casts), so a million-row file stays fast.  A column is only converted
when *every* value fits one reading; otherwise it stays text, because a half-converted
column would silently lose data.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reportgen.errors import InputError
from reportgen.formatting import clip, spell_date
from reportgen.reading import dateparts
from reportgen.reading import dates as text_dates


@dataclass(frozen=True)
class Conversion:
    """One decision the loader took about a column (shown in the report)."""

    column: str
    kind: str  # "number", "currency", "percent", "decimal_comma", "missing_tokens", "date"
    detail: str  # plain words, e.g. "parsed '$1,234.50' style amounts as numbers"


@dataclass(frozen=True)
class MixedColumn:
    """A column of dates with other values among them (``45123``, ``12.5``): how many of
    each kind, where the first odd ones are, and what was done about it.

    Dates that make up at least 95% of the values are read, the rest set aside as missing;
    otherwise the column stays text and is left out.  Either way the profile alerts.
    """

    column: str
    n_dates: int
    n_numbers: int
    n_other: int  # neither a date in the column's format nor a plain number
    examples: tuple[tuple[int, str], ...]  # (data row, value) of the first values not dates
    read_as_dates: bool

    @property
    def n_set_aside(self) -> int:
        return self.n_numbers + self.n_other

    @property
    def counts(self) -> str:
        """ "58 dates, 1 number and 1 other value"."""
        parts = [
            f"{n:,} {word}{'' if n == 1 else 's'}"
            for n, word in (
                (self.n_dates, "date"),
                (self.n_numbers, "number"),
                (self.n_other, "other value"),
            )
            if n
        ]
        return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]

    @property
    def where(self) -> str:
        """ "'45123' in data row 4, '12.5' in data row 8"."""
        shown = ", ".join(f"'{value}' in data row {row}" for row, value in self.examples)
        return shown + (", ..." if self.n_set_aside > len(self.examples) else "")

    @property
    def decision(self) -> str:
        """What was done and why, in words."""
        if self.read_as_dates:
            n = self.n_set_aside
            return (
                f"read as dates, as at least {_DATES_MAJORITY:.0%} of the values are, and the "
                f"{n:,} {'value that is not a date' if n == 1 else 'values that are not dates'} "
                "set aside as missing"
            )
        return (
            f"left out: it is read as dates only when at least {_DATES_MAJORITY:.0%} of its "
            "values are dates, and numbers mixed with dates are no measure either; export the "
            "column with one kind of value"
        )

    @property
    def message(self) -> str:
        return f"{self.column}: {self.counts} ({self.where}); {self.decision}"


@dataclass(frozen=True)
class Dataset:
    """The table as read, plus how it was read."""

    frame: pd.DataFrame
    path: Path
    format: str  # "csv", "excel", "parquet"
    encoding: str | None  # e.g. "utf-8", "utf-8-sig", "cp1252", "latin-1"; None for binary formats
    delimiter: str | None  # ",", "\t", ";", "|", or "spaces" (runs of blanks); None for binary
    compression: str | None  # "gzip" or None
    sheet: str | None  # Excel sheet used
    sha256: str  # of the input file's bytes
    conversions: tuple[Conversion, ...]
    date_formats: dict[str, str]  # column -> day-first/month-first/iso/yyyymmdd/month-name
    n_rows: int | None = None  # rows in the source when ``frame`` is a sample of it (Spark)
    notes: tuple[str, ...] = ()  # how the table was found, e.g. which sheet was read and why
    joined: tuple[str, ...] = ()  # date columns added from year/month columns (dateparts)
    mixed: tuple[MixedColumn, ...] = ()  # date columns with other values among the dates

    @property
    def columns_read(self) -> int:
        """Columns in the source (the joined dates are extra)."""
        return self.frame.shape[1] - len(self.joined)

    @property
    def rows(self) -> int:
        """Rows in the source table."""
        return self.n_rows if self.n_rows is not None else len(self.frame)

    @property
    def delimiter_name(self) -> str | None:
        """The delimiter in words ("comma", "tab", "space"...), None when there is none."""
        if self.delimiter is None:
            return None
        return _DELIMITER_NAMES.get(self.delimiter, self.delimiter)


# --------------------------------------------------------------------------- constants

_SNIFF_BYTES = 65536  # how much of a file the encoding / binary checks look at
_SNIFF_LINES = 50  # records the delimiter sniffer parses
_SAMPLE = 1000  # values tried before running a conversion on a whole column
_BINARY_SHARE = 0.05  # share of control characters above which a file is "binary"
_DELIMITERS = (",", ";", "\t", "|")
_SPACES_DELIMITER = "spaces"  # columns separated by runs of spaces/tabs (aligned text)
_DELIMITER_NAMES = MappingProxyType(
    {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", _SPACES_DELIMITER: "space"}
)
_CONTROL_CHARS = "".join(chr(c) for c in range(32) if chr(c) not in "\t\r\n") + "\x7f"
_MISSING_TOKENS = ("NA", "N/A", "n/a", "null", "NULL", "None", "NaN", "nan", "-", "#N/A", "?")
_MAX_EXACT_FLOAT_INT = 2**53  # above this an integer column read via float would lose digits

_MAGIC_GZIP = b"\x1f\x8b"
_MAGIC_ZIP = b"PK\x03\x04"  # not just "PK": a CSV header may start "PKey,"
_MAGIC_PARQUET = b"PAR1"
_MAGIC_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls

# Number shapes.  Written for both Arrow's RE2 and Python's re (same meaning in each).
_SP = "[ \t\u00a0\u202f]"  # whitespace, including (narrow) no-break spaces
_CURRENCY = "(?:[$€£¥₹]|USD|EUR|GBP)"
_CURRENCY_GROUPS = (  # one currency per group: "$" and "USD" are the same unit
    ("USD", ("$", "USD")),
    ("EUR", ("€", "EUR")),
    ("GBP", ("£", "GBP")),
    ("YEN", ("¥",)),
    ("INR", ("₹",)),
)
_SIGN = "[-+\u2212]"
_EXPONENT = "(?:[eE][-+]?[0-9]+)?"
_NUMBER_SHAPE = (
    f"\\(?{_SP}*{_SIGN}?{_SP}*{_CURRENCY}?{_SP}*{_SIGN}?{_SP}*"
    f"[0-9.][0-9., \u00a0\u202f]*{_EXPONENT}"
    f"{_SP}*{_CURRENCY}?{_SP}*%?{_SP}*\\)?"
)
_SPACES = " \t\u00a0\u202f"
_LEAD_MARKS = "(+-\u2212" + _SPACES  # what may precede a currency symbol
_TAIL_MARKS = ")%" + _SPACES  # what may follow one
_NUMBER_MARKS = _LEAD_MARKS + _TAIL_MARKS + "$€£¥₹USDERGBP"  # everything around the digits
_NEGATIVE = f"\\(|[-\u2212]|{_CURRENCY}{_SP}*[-\u2212]"
# decimal point, optional comma thousands: 12  -3.5  1e3  1,234.50
_POINT_CORE = (
    f"(?:[1-9][0-9]{{0,2}}(?:,[0-9]{{3}})+|[0-9]+)(?:\\.[0-9]*)?{_EXPONENT}|\\.[0-9]+{_EXPONENT}"
)
# decimal comma, optional . / space / no-break-space thousands: 12,5  1.234,56  1 234,56
_COMMA_CORE = (
    "(?:[1-9][0-9]{0,2}(?:\\.[0-9]{3})+|[1-9][0-9]{0,2}(?: [0-9]{3})+"
    "|[1-9][0-9]{0,2}(?:\u00a0[0-9]{3})+|[1-9][0-9]{0,2}(?:\u202f[0-9]{3})+|[0-9]+)"
    "(?:,[0-9]+)?"
)
_INTEGER = "[-+]?[0-9]+"

_DATES_MAJORITY = 0.95  # dates among other values: the share that still makes a date column
#                        (a log's date column must be as readable: transactions.READABLE_SHARE)
_MIXED_EXAMPLES = 3  # odd values shown with their rows
_COMPACT_DATE = "[0-9]{8}"  # yyyymmdd written as a number: 19970101
_COMPACT_MIN_DISTINCT = 20  # distinct dates that make a column without a date-like name dates
_DATE_WORDS = frozenset({"date", "day", "dt", "time", "timestamp", "datetime", "ymd", "yyyymmdd"})
_DATE_ENDINGS = ("date", "day", "time")  # orderdate, birthday, starttime
_ID_WORDS = frozenset({"id", "no", "nr", "num", "number", "key", "code"})

_PARSER_LONG_ROW = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_PARSER_EOF_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_PARQUET_NOISE = re.compile(r"^Could not open Parquet input source '[^']*':\s*")
_SEP_HINT = re.compile(r"sep=([^\r\n])?[ \t]*(?:\r\n|\n|\r)")  # "sep=" alone: sniff


# --------------------------------------------------------------------------- public API


def load(path: str | Path, *, sheet: str | None = None) -> Dataset:
    """Read a customer table and convert its values, recording every decision taken.

    ``sheet`` picks the worksheet of an Excel workbook.  Every problem the user can fix
    raises :class:`InputError` with a one-line message naming the file (in its own words, so
    its ``where`` says so and no engine names the file again).
    """
    try:
        return _load(str(path), Path(path), sheet)
    except InputError as exc:
        exc.where = exc.where or str(path)  # every message of the loader starts with the name
        raise
    finally:
        # Arrow's allocator (mimalloc) keeps what reading freed (on ten million rows a
        # Parquet file's 1.1 GB of column buffers) for itself; numpy and the later stages
        # allocate elsewhere, so give it back to the system once the table is read.
        pa.default_memory_pool().release_unused()


def _load(name: str, file_path: Path, sheet: str | None) -> Dataset:
    raw = _read_bytes(file_path, name)
    digest = hashlib.sha256(raw).hexdigest()
    kind = _detect_format(file_path, raw)
    if kind == "xls":
        raise InputError(
            f"{name} is an old-style .xls workbook, which cannot be read; save it as .xlsx or CSV"
        )
    if sheet is not None and kind != "excel":
        raise InputError(f"{name} is not an Excel workbook, so --sheet does not apply; drop it")
    if kind == "excel":
        frame, sheet_used, notes = _read_excel(raw, name, sheet)
        dataset = _finish(frame, file_path, digest, "excel", None, None, None, sheet_used)
        return replace(dataset, notes=notes)
    if kind == "parquet":
        frame, notes = _read_parquet(raw, name)
        dataset = _finish(frame, file_path, digest, "parquet", None, None, None, None)
        return replace(dataset, notes=notes)

    compression = None
    if kind == "gzip":
        raw = _gunzip(raw, name)
        compression = "gzip"
    encoding, text = _decode(raw, name)
    if not text.strip():
        raise InputError(f"{name} is empty; export the table again with a header row and data")
    text, delimiter, line_offset = _take_sep_hint(text)
    delimiter = delimiter or _choose_delimiter(text)
    frame, notes = _read_text_table(text, delimiter, name, line_offset)
    dataset = _finish(frame, file_path, digest, "csv", encoding, delimiter, compression, None)
    return replace(dataset, notes=notes)


# --------------------------------------------------------------------------- file access


def _read_bytes(path: Path, name: str) -> bytes:
    """Read the whole file once (it is hashed and sniffed from memory; never written)."""
    if path.is_dir():
        raise InputError(f"{name}: is a directory, not a file; give the path of the table file")
    if path.exists() and not path.is_file():  # a FIFO or a device would block or never end
        raise InputError(
            f"{name}: is not a regular file (a pipe or a device); save the table to a file first"
        )
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(
            f"{name}: is a directory, not a file; give the path of the table file"
        ) from None
    except PermissionError:
        raise InputError(
            f"{name}: cannot be read (permission denied); check the file's permissions"
        ) from None
    except OSError as exc:
        raise InputError(
            f"{name}: cannot be read ({exc.strerror or exc}); check the file"
        ) from None


def _detect_format(path: Path, raw: bytes) -> str:
    """Content wins over the extension, so a mis-named export is still read correctly."""
    suffix = path.suffix.lower()
    if raw.startswith(_MAGIC_GZIP):
        return "gzip"
    if raw.startswith(_MAGIC_PARQUET):
        return "parquet"
    if raw.startswith(_MAGIC_ZIP):
        return "excel"
    if raw.startswith(_MAGIC_OLE):
        return "xls"
    if suffix == ".gz":
        return "gzip"
    if suffix in (".xlsx", ".xlsm"):
        return "excel"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == ".xls":
        return "xls"
    return "text"


UNZIPPED_LIMIT_ENV = "REPORTGEN_MAX_UNZIPPED_MB"
UNZIPPED_LIMIT_MB = 4096


def _gunzip(raw: bytes, name: str) -> bytes:
    """Decompress in memory, at most ``REPORTGEN_MAX_UNZIPPED_MB`` (a gzip bomb stops with a
    line, not by filling the memory); a truncated download is the usual cause of failure."""
    limit = _unzipped_limit() * 1024 * 1024
    try:
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        parts, size, data = [], 0, raw
        while data:
            chunk = inflate.decompress(data, 64 * 1024 * 1024)
            size += len(chunk)
            if size > limit:
                raise InputError(
                    f"{name} decompresses to more than {limit // 1024 // 1024:,} MB; unpack it "
                    f"yourself, or raise the limit with {UNZIPPED_LIMIT_ENV}"
                )
            parts.append(chunk)
            data = inflate.unconsumed_tail
            if inflate.eof and inflate.unused_data:  # a further gzip member follows
                data, inflate = inflate.unused_data, zlib.decompressobj(16 + zlib.MAX_WBITS)
        if not inflate.eof:
            raise EOFError("the compressed data ends early")
        return b"".join(parts)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(
            f"{name} could not be decompressed as gzip: {_short(exc)}; check the file is complete"
        ) from None


def _unzipped_limit() -> int:
    try:
        return max(1, int(os.environ.get(UNZIPPED_LIMIT_ENV, UNZIPPED_LIMIT_MB)))
    except ValueError:
        return UNZIPPED_LIMIT_MB


def _short(exc: BaseException, noise: re.Pattern[str] | None = None) -> str:
    """First line of an exception message, trimmed for a one-line error."""
    text = str(exc).strip()
    if noise is not None:
        text = noise.sub("", text).strip()
    text = text.splitlines()[0].rstrip(" .") if text else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# --------------------------------------------------------------------------- text tables


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    """Pick the encoding from the bytes themselves: BOMs first, then strict UTF-8, cp1252."""
    binary = (
        f"{name} does not look like a text table (binary content); "
        "export it as CSV, Excel or Parquet"
    )
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(
                f"{name} starts with a UTF-16 marker but is not valid UTF-16; "
                "export it again as UTF-8 CSV"
            ) from None
        if _looks_binary(text[:_SNIFF_BYTES]):
            raise InputError(binary)
        return "utf-16", text
    if _looks_binary(raw[:_SNIFF_BYTES].decode("latin-1")):
        raise InputError(binary)
    if raw.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig", "cp1252", "latin-1")
    else:
        encodings = ("utf-8", "cp1252", "latin-1")
    for encoding in encodings:
        try:
            return encoding, raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _looks_binary(sample: str) -> bool:
    """NUL bytes or many control characters mean this is not a text table."""
    if not sample:
        return False
    if "\x00" in sample:
        return True
    controls = sum(sample.count(c) for c in _CONTROL_CHARS)
    return controls > _BINARY_SHARE * len(sample)


def _take_sep_hint(text: str) -> tuple[str, str | None, int]:
    """Honour Excel's ``sep=;`` first line; returns the rest, the delimiter, lines dropped.

    A bare ``sep=`` line names no delimiter (its line break is not one): it is dropped and
    the delimiter sniffed as usual.
    """
    match = _SEP_HINT.match(text)
    if match is None:
        return text, None, 0
    return text[match.end() :], match.group(1), 1


def sniff_delimiter(text: str) -> str:
    """Choose the delimiter giving the most consistent field count (> 1) over the first rows.

    Parsing with the csv module (rather than counting characters) keeps quoted commas from
    voting.  Ties go to the higher field count; a one-column file gets ",".
    """
    return _sniff(_sniff_sample(text))[0]


def _choose_delimiter(text: str) -> str:
    """The sniffed delimiter, unless none of them splits every row alike and runs of spaces
    do (aligned text such as ``00001 19970101  1  11.77``): then "spaces"."""
    sample = _sniff_sample(text)
    delimiter, share = _sniff(sample)
    if share < 1 and _space_aligned(sample) > max(share, _SPACES_MIN_SHARE):
        return _SPACES_DELIMITER
    return delimiter


def _sniff_sample(text: str) -> str:
    sample = text[: 4 * _SNIFF_BYTES]
    if len(sample) < len(text) and sample.rfind("\n") > 0:
        sample = sample[: sample.rfind("\n")]  # do not judge a cut-off last line
    return sample


def _sniff(sample: str) -> tuple[str, float]:
    """The best delimiter, and the share of sniffed rows with its usual field count (0 when
    no delimiter splits the rows)."""
    best: tuple[float, int] | None = None
    best_delimiter = ","
    for delimiter in _DELIMITERS:
        counts = _field_counts(sample, delimiter)
        if not counts:
            continue
        tally = Counter(counts)
        mode = max(tally, key=lambda n: (tally[n], n))
        if mode <= 1:
            continue
        score = (tally[mode] / len(counts), mode)
        if best is None or score > best:
            best, best_delimiter = score, delimiter
    return best_delimiter, 0.0 if best is None else best[0]


_PLAIN_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_SPACES_MIN_SHARE = 0.9  # rows that must split alike on blanks (the rest: ragged-row errors)


def _space_aligned(sample: str) -> float:
    """Share of sniffed lines that split on runs of blanks into the usual number (> 1) of
    fields; 0 unless some field is a number on every such line below the first (so two-word
    text in a one-column file is not taken for two columns)."""
    rows = [line.split() for line in sample.splitlines() if line.strip()][:_SNIFF_LINES]
    tally = Counter(len(row) for row in rows)
    width = max(tally, key=lambda n: (tally[n], n), default=0)
    usual = [row for row in rows[1:] if len(row) == width]
    if width < 2 or not usual:
        return 0.0
    if not any(all(_PLAIN_NUMBER.fullmatch(row[i]) for row in usual) for i in range(width)):
        return 0.0
    return tally[width] / len(rows)


def _field_counts(sample: str, delimiter: str) -> list[int]:
    """Field counts of the first non-blank records of ``sample`` split on ``delimiter``."""
    counts: list[int] = []
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=False)
    try:
        for record in reader:
            if _is_blank_record(record):
                continue
            counts.append(len(record))
            if len(counts) >= _SNIFF_LINES:
                break
    except csv.Error:
        pass  # an unterminated quote in the sample: judge by the rows read so far
    return counts


def _is_blank_record(record: list[str]) -> bool:
    """pandas skips lines holding only whitespace; the line scanners must do the same."""
    return all(not field.strip() for field in record)


def _read_text_table(
    text: str, delimiter: str, name: str, line_offset: int
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Parse with pandas' C engine, every cell as a string; conversion happens afterwards.

    ``header=None`` keeps duplicate names unmangled and stops pandas from silently turning
    the first column into an index when data rows are longer than the header.  A first line
    of numbers only is data, not a header: the columns get names and a note says so.
    """
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            sep=r"\s+" if delimiter == _SPACES_DELIMITER else delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise InputError(
            f"{name} is empty; export the table again with a header row and data"
        ) from None
    except pd.errors.ParserError as exc:
        raise _parser_error(exc, name, delimiter, line_offset) from None
    if cells.empty:
        raise InputError(f"{name} is empty; export the table again with a header row and data")
    headerless = _all_numbers(cells.iloc[0])
    if len(cells) == 1 and not headerless:
        raise InputError(
            f"{name} has a header but no data rows; export the table again with its data"
        )
    width = cells.shape[1]
    if width > 1 and cells.iloc[1:, -1].eq("").any():
        short = _first_short_line(text, delimiter, width)
        if short is not None:
            line, fields = short
            raise InputError(_ragged_message(name, line + line_offset, fields, width))
    if headerless:
        return _without_header(cells)
    names, notes = _column_names(cells.iloc[0].tolist(), name)
    frame = cells.iloc[1:].reset_index(drop=True)
    frame.columns = pd.Index(names, dtype=object)
    return frame, notes


def _without_header(cells: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Every row is data; the columns are named column_1, column_2... and a note says why."""
    width = cells.shape[1]
    frame = cells.reset_index(drop=True)
    frame.columns = pd.Index([f"column_{i + 1}" for i in range(width)], dtype=object)
    first = " ".join(cells.iloc[0].str.strip())
    names = "column_1" + (f" to column_{width}" if width > 1 else "")
    note = (
        f"no header row: the first line ({first}) holds only numbers, so it was read as "
        f"data and the columns named {names}"
    )
    return frame, (note,)


def _all_numbers(row: pd.Series) -> bool:
    """A first row of plain numbers only (``00001``, ``11.77``) is taken for data: exports
    without a header are far more common than headers made of numbers alone."""
    values = row.str.strip()
    return bool(values.ne("").all()) and _plain_numbers(values) is not None


def _parser_error(
    exc: pd.errors.ParserError, name: str, delimiter: str, line_offset: int
) -> InputError:
    """Turn pandas' tokenizer errors into messages naming the line to fix."""
    message = str(exc)
    long_row = _PARSER_LONG_ROW.search(message)
    if long_row:
        expected, line, saw = (int(g) for g in long_row.groups())
        return InputError(_ragged_message(name, line + line_offset, saw, expected))
    eof = _PARSER_EOF_QUOTE.search(message)
    if eof:
        line = int(eof.group(1)) + 1 + line_offset
        return InputError(
            f"{name} has an unterminated quote starting near line {line}; "
            'close the quote or remove the stray " character'
        )
    kind = _DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return InputError(
        f"{name} could not be read as a {kind}-separated table: {_short(exc)}; check the file"
    )


def _ragged_message(name: str, line: int, fields: int, expected: int) -> str:
    return (
        f"{name} line {line} has {fields} field{'s' if fields != 1 else ''} "
        f"but the header has {expected}; fix or remove that line"
    )


def _first_short_line(text: str, delimiter: str, width: int) -> tuple[int, int] | None:
    """Physical line number and field count of the first row shorter than the header.

    pandas pads short rows with empty strings, indistinguishable from real empty cells, so
    the rows are counted again here.  Without quotes this is a vectorised per-line count;
    with quotes (fields may hold delimiters or newlines) the csv module is exact.
    """
    if '"' not in text or delimiter == _SPACES_DELIMITER:
        whole = pa.array([text], type=pa.large_string())
        lines = pc.split_pattern_regex(whole, "\r\n|\n|\r")[0].values
        if delimiter == _SPACES_DELIMITER:  # blanks around the fields are not separators
            runs = pc.count_substring_regex(pc.utf8_trim_whitespace(lines), r"\s+")
        else:
            runs = pc.count_substring(lines, delimiter)
        fields = pc.add(runs, 1).to_numpy()
        blank = pc.equal(pc.utf8_trim_whitespace(lines), "").to_numpy(zero_copy_only=False)
        short = np.flatnonzero(~blank & (fields < width))
        return (int(short[0]) + 1, int(fields[short[0]])) if short.size else None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start = 1
    for record in reader:
        if not _is_blank_record(record) and len(record) < width:
            return start, len(record)
        start = reader.line_num + 1
    return None


def _column_names(header: list[object], name: str) -> tuple[list[str], tuple[str, ...]]:
    """Cleaned header names (see :func:`_clean_name`) and a note for each name cleaning
    changed; blanks get pandas-style names; duplicates are an error, also names that differ
    only in characters that do not show (``spend`` and ``spend\\u200b``), since the report
    would show two columns of one name."""
    written = ["" if _is_missing_scalar(value) else str(value).strip() for value in header]
    names = [_clean_name(column) for column in written]
    seen: dict[str, int] = {}
    for index, column in enumerate(names):
        if not column:
            continue
        if column in seen:
            first = seen[column]
            alike = ""
            if written[first] != written[index]:
                alike = (
                    f', written "{_visible(written[first])}" and "{_visible(written[index])}": '
                    "they differ only in characters that do not show or look alike"
                )
            raise InputError(
                f"{name} has the column name '{column}' twice "
                f"(columns {first + 1} and {index + 1}{alike}); rename one"
            )
        seen[column] = index
    taken = set(names)
    result = []
    for index, column in enumerate(names):
        if not column:
            column = f"Unnamed: {index}"
            while column in taken:
                column += "_"
            taken.add(column)
        result.append(column)
    notes = tuple(
        f'column {index + 1} is named "{_visible(raw)}" in the file: characters that do not '
        f"show or look alike were cleaned, and it is read as '{column}'"
        for index, (raw, column) in enumerate(zip(written, result, strict=True))
        if raw and raw != column
    )
    return result, notes


# Unicode categories: Cf format characters (zero-width spaces and joiners, U+2060, U+FEFF, the
# soft hyphen) do not show; Zs spaces (no-break, narrow, thin) look like a space; marks (Mn,
# Me) sit on the letter before; the other C* and Z* do not show as themselves.
_HIDDEN = frozenset({"Cf", "Zs", "Zl", "Zp", "Cc", "Mn", "Me", "Co", "Cn"})


def _clean_name(written: str) -> str:
    """A column name as it reads: composed Unicode (NFC, so é is one character however it
    was typed), without format characters, every kind of space a plain space."""
    composed = unicodedata.normalize("NFC", written)
    kept = (
        " " if unicodedata.category(c) == "Zs" else c
        for c in composed
        if unicodedata.category(c) != "Cf"
    )
    return "".join(kept).strip()


def _visible(written: str) -> str:
    """A name with every character that does not show as itself escaped: ``spend\\u200b``,
    ``total\\u00a0spend``, ``cafe\\u0301``."""
    return "".join(
        c if c == " " or unicodedata.category(c) not in _HIDDEN else f"\\u{ord(c):04x}"
        for c in written
    )


def _is_missing_scalar(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


# --------------------------------------------------------------------------- Excel, Parquet


def _read_excel(
    raw: bytes, name: str, sheet: str | None
) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    """Read one worksheet; the header is its first non-empty row.

    Without ``sheet``, a workbook of several sheets is read whole and the data sheet chosen
    from the contents (see :func:`_pick_data_sheet`); the note says which and why.
    ``keep_default_na=False`` keeps a text "NA" (North America) as text; the shared
    conversion step decides what is missing, exactly as for CSV.
    """
    try:
        with pd.ExcelFile(io.BytesIO(raw), engine="openpyxl") as workbook:
            sheets = [str(s) for s in workbook.sheet_names]
            names = (
                sheets
                if sheet is None and len(sheets) > 1
                else [_choose_sheet(sheets, sheet, name)]
            )
            tables = {
                s: _without_blank_rows(
                    pd.read_excel(
                        workbook, sheet_name=s, header=None, keep_default_na=False, na_values=[]
                    )
                )
                for s in names
            }
    except InputError:
        raise
    except Exception as exc:  # openpyxl/zipfile raise many types for damaged files
        raise InputError(
            f"{name} could not be read as Excel: {_short(exc)}; "
            "check the file is complete and saved as .xlsx"
        ) from None
    chosen, notes = names[0], tuple[str, ...]()
    if len(tables) > 1:
        chosen, note = _pick_data_sheet(tables, name)
        notes = (note,)
    frame, named = _sheet_frame(tables[chosen], chosen, name)
    return frame, chosen, notes + named


def _without_blank_rows(cells: pd.DataFrame) -> pd.DataFrame:
    """Drop rows with nothing in them, like blank lines in a CSV."""
    if not len(cells):
        return cells
    return cells[~_blank_cells(cells).all(axis=1)]


def _blank_cells(cells: pd.DataFrame) -> pd.DataFrame:
    return cells.isna() | cells.apply(lambda col: col.astype("str").str.strip().eq(""))


def _sheet_frame(
    cells: pd.DataFrame, sheet: str, name: str
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The chosen sheet's cells as a table: first row the header, empty cells missing."""
    if cells.empty:
        raise InputError(f"{name} sheet '{sheet}' is empty; choose the sheet holding the table")
    if len(cells) == 1:
        raise InputError(
            f"{name} has a header but no data rows (sheet '{sheet}'); "
            "choose the sheet holding the table"
        )
    names, notes = _column_names(cells.iloc[0].tolist(), name)
    frame = cells.iloc[1:].reset_index(drop=True)
    frame.columns = pd.Index(names, dtype=object)
    # empty cells came back as "": make them missing so date and number cells get typed
    return frame.replace({"": np.nan}).infer_objects(), notes


def _choose_sheet(sheets: list[str], sheet: str | None, name: str) -> str:
    """The named sheet, or the only one."""
    if sheet is None:
        return sheets[0]
    if sheet not in sheets:
        listing = ", ".join(sheets)
        raise InputError(
            f"{name} has no sheet '{sheet}'; its sheets are {listing}; choose one with --sheet"
        )
    return sheet


_DICTIONARY_SHARE = 0.8  # share of a sheet's column names another sheet must list to describe it
_SIDE_SHEET_ROWS = 0.1  # a text-only sheet this much shorter than the data is a side note


def _pick_data_sheet(tables: dict[str, pd.DataFrame], name: str) -> tuple[str, str]:
    """The one sheet that clearly holds the data, judged by content, and a note saying why.

    Set aside: empty sheets, and sheets listing most of another sheet's column names in one
    column (a data dictionary).  Of the rest, the data is the only one left, or the only one
    with a numeric column when every other is text a tenth of its length or less (notes).
    Anything else is ambiguous: guessing would read the wrong table, so the user chooses.
    """
    trimmed = {s: _without_blank_columns(cells) for s, cells in tables.items()}
    aside = {s: "is empty" for s, cells in trimmed.items() if cells.empty}
    aside.update({s: "has no data rows" for s, cells in trimmed.items() if len(cells) == 1})
    filled = [s for s in trimmed if s not in aside]
    described: dict[str, str] = {}  # dictionary sheet -> the sheet whose columns it lists
    for s in filled:
        target = next((t for t in filled if t != s and _describes(trimmed[s], trimmed[t])), None)
        if target is not None:
            described[s] = target
    rest = [s for s in filled if s not in described]
    numeric = [s for s in rest if _has_numeric_column(trimmed[s])]
    if len(rest) > 1 and len(numeric) == 1:
        rows = len(trimmed[numeric[0]])
        for s in rest:
            if s != numeric[0] and len(trimmed[s]) <= _SIDE_SHEET_ROWS * rows:
                aside[s] = f"holds only text ({len(trimmed[s])} rows)"
        rest = [s for s in rest if s not in aside]
    if len(rest) != 1:
        raise InputError(
            f"{name} has {len(tables)} sheets ({', '.join(tables)}); choose one with --sheet"
        )
    chosen = rest[0]
    aside.update(
        {
            s: "describes its columns" if t == chosen else f"describes the columns of '{t}'"
            for s, t in described.items()
        }
    )
    why = "; ".join(f"'{s}' {aside[s]}" for s in tables if s in aside)
    return chosen, f"sheet '{chosen}' read: {why}"


def _without_blank_columns(cells: pd.DataFrame) -> pd.DataFrame:
    if not len(cells):
        return cells
    return cells.loc[:, ~_blank_cells(cells).all(axis=0)]


def _describes(dictionary: pd.DataFrame, table: pd.DataFrame) -> bool:
    """One column of ``dictionary`` lists most of ``table``'s column names (its header row)."""
    headers = {_cell_text(v).casefold() for v in table.iloc[0]} - {""}
    if len(headers) < 2:
        return False
    for _, column in dictionary.iloc[1:].items():
        listed = {_cell_text(v).casefold() for v in column}
        if len(headers & listed) >= _DICTIONARY_SHARE * len(headers):
            return True
    return False


def _cell_text(value: object) -> str:
    return "" if _is_missing_scalar(value) else str(value).strip()


def _has_numeric_column(cells: pd.DataFrame) -> bool:
    """Some column holds numbers in every non-empty cell below the header."""
    for _, column in cells.iloc[1:].items():
        present = column[~column.map(lambda v: _cell_text(v) == "")]
        if len(present) and not present.map(lambda v: isinstance(v, bool)).any():
            if pd.to_numeric(present.astype("str"), errors="coerce").notna().all():
                return True
    return False


def _read_parquet(raw: bytes, name: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Read Parquet as typed; a stored named index becomes an ordinary column."""
    try:
        frame = pd.read_parquet(io.BytesIO(raw))
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(
            f"{name} could not be read as Parquet: {_short(exc, _PARQUET_NOISE)}; "
            "check the file is complete"
        ) from None
    if any(level is not None for level in frame.index.names):
        frame = frame.reset_index()  # a named index (say customer_id) is data
    frame = _plain_parquet_types(frame, name)
    if frame.shape[1] == 0:
        raise InputError(f"{name} has no columns; export the table again")
    if frame.empty:
        raise InputError(f"{name} has a header but no data rows; export the table again")
    names, notes = _column_names(list(frame.columns), name)
    frame = frame.reset_index(drop=True)
    frame.columns = pd.Index(names, dtype=object)
    return frame, notes


def _plain_parquet_types(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Warehouse types the later stages read as plain values: time-zone-aware timestamps as
    UTC dates, binary cells as text (UTF-8), or a clear error naming the column."""
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            frame[column] = series.dt.tz_convert("UTC").dt.tz_localize(None)
        elif series.dtype == object and series.map(lambda v: isinstance(v, bytes)).any():
            try:
                frame[column] = series.map(
                    lambda v: v.decode("utf-8") if isinstance(v, bytes) else v
                )
            except UnicodeDecodeError:
                raise InputError(
                    f"{name}: column '{column}' holds binary data, not text or numbers; leave "
                    "it out of the export"
                ) from None
    return frame


# --------------------------------------------------------------------------- conversion


@dataclass(frozen=True)
class _Converted:
    """Result of converting one column."""

    values: pd.Series
    conversions: tuple[Conversion, ...] = ()
    date_format: str | None = None
    mixed: MixedColumn | None = None


def _finish(
    frame: pd.DataFrame,
    path: Path,
    digest: str,
    fmt: str,
    encoding: str | None,
    delimiter: str | None,
    compression: str | None,
    sheet: str | None,
) -> Dataset:
    """Convert every text column and bundle the result with how the file was read."""
    columns: dict[str, pd.Series] = {}
    conversions: list[Conversion] = []
    date_formats: dict[str, str] = {}
    mixed: list[MixedColumn] = []
    for column in frame.columns:
        series = frame[column]
        if not _is_text_dtype(series):
            columns[column] = series
            continue
        try:
            converted = _convert_column(str(column), series, delimiter)
        except InputError as exc:
            raise exc.at(str(path)) from None
        columns[column] = converted.values
        conversions.extend(converted.conversions)
        if converted.date_format:
            date_formats[str(column)] = converted.date_format
        if converted.mixed:
            mixed.append(converted.mixed)
    result = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    result, joined = dateparts.combine(result)
    for j in joined:
        conversions.append(Conversion(j.column, "date", j.detail))
        date_formats[j.column] = "joined"
    return Dataset(
        frame=result,
        path=path,
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        compression=compression,
        sheet=sheet,
        sha256=digest,
        conversions=tuple(conversions),
        date_formats=date_formats,
        joined=tuple(j.column for j in joined),
        mixed=tuple(mixed),
    )


_STRAY_MIN_VALUES = 20  # too few values to call a column numeric
_STRAY_MAX = 5  # at most this many non-numbers...
_STRAY_SHARE = 0.02  # ...and at most 2% of the values


def _is_text_dtype(series: pd.Series) -> bool:
    return series.dtype == object or isinstance(series.dtype, pd.StringDtype)


def _convert_column(column: str, series: pd.Series, delimiter: str | None) -> _Converted:
    """yyyymmdd dates, then numbers, then other dates, else text; "" is missing everywhere."""
    text = series.astype("str").str.strip()
    present = (text.notna() & text.ne("")).to_numpy(dtype=bool)
    mask = pd.Series(present, index=text.index)
    values = text if present.all() else text[present]
    if values.empty:
        return _Converted(text.where(mask))

    compact = _convert_compact_dates(column, values)
    if compact is not None:
        parsed_dates, conversion = compact
        return _Converted(_spread(parsed_dates, present, text.index), (conversion,), "yyyymmdd")

    number = _convert_numbers(column, values, delimiter)
    if number is not None:
        parsed, conversions = number
        if parsed.dtype == np.int64 and present.all():
            return _Converted(pd.Series(parsed, index=text.index), conversions)
        full = np.full(len(text), np.nan)
        full[present] = parsed
        integral = (
            present.all()
            and not np.isnan(full).any()
            and bool(np.all(np.mod(full, 1) == 0))
            and bool(np.all(np.abs(full) < _MAX_EXACT_FLOAT_INT))
        )
        out = pd.Series(full.astype(np.int64) if integral else full, index=text.index)
        return _Converted(out, conversions)

    as_dates = _convert_dates(column, values)
    if as_dates is not None:
        parsed_dates, conversion, label = as_dates
        return _Converted(_spread(parsed_dates, present, text.index), (conversion,), label)

    _refuse_stray_words(column, values, delimiter)
    kept = text.where(mask)
    return _mixed_dates(column, values, present, kept) or _Converted(kept)


def _spread(dates: np.ndarray, present: np.ndarray, index: pd.Index) -> pd.Series:
    """Dates of the present values back in their rows, NaT elsewhere."""
    full = np.full(len(present), np.datetime64("NaT"), dtype=dates.dtype)
    full[present] = dates
    return pd.Series(full, index=index)


def _refuse_stray_words(column: str, values: pd.Series, delimiter: str | None) -> None:
    """A measure spoilt by one or two typed words would silently drop out of the analysis;
    say which values to fix instead."""
    if len(values) < _STRAY_MIN_VALUES:
        return
    head = values.head(_SAMPLE)  # text columns fail here cheaply, without parsing every value
    words = pd.to_numeric(head, errors="coerce").isna() & ~head.isin(_MISSING_TOKENS)
    if words.sum() > _STRAY_MAX:
        return
    numeric = pd.to_numeric(values, errors="coerce").notna() | values.isin(_MISSING_TOKENS)
    stray = values[~numeric.to_numpy(dtype=bool)]
    if stray.empty or len(stray) > min(_STRAY_MAX, max(1, _STRAY_SHARE * len(values))):
        return
    if stray.str.fullmatch(r"[A-Za-z]{1,3}\d+").all():
        return  # codes such as C536004 (a cancelled invoice) belong to an id column: text
    if _read_numbers(values[numeric.to_numpy(dtype=bool)], delimiter) is None:
        return
    # a stray value is quoted cut (a 10 MB cell made a 10 MB "one-line" error)
    where = ", ".join(f"{clip(v)!r} in data row {int(i) + 1}" for i, v in stray.head(3).items())
    raise InputError(
        f"column '{clip(column)}' is numeric except for {where}; fix or blank "
        f"{'that value' if len(stray) == 1 else 'those values'} so the column can be used"
    )


# ----- numbers


def _convert_numbers(
    column: str, values: pd.Series, delimiter: str | None
) -> tuple[np.ndarray, tuple[Conversion, ...]] | None:
    """Parse a column of non-empty strings as numbers, or return None if it is not numeric.

    Returns the numbers (NaN for missing tokens; int64 when every value is an integer) and
    the conversions to report.  Missing tokens (``NA``...) only count as missing when every
    other value is a number, so ``NA`` for North America survives in text columns.
    """
    is_token = values.isin(_MISSING_TOKENS).to_numpy(dtype=bool)
    rest = values[~is_token] if is_token.any() else values
    if rest.empty or _read_numbers(rest.head(_SAMPLE), delimiter) is None:
        return None  # cheap rejection of text columns before touching every value
    read = _read_numbers(rest, delimiter)
    if read is None:
        return None
    parsed_rest, kind, detail = read
    conversions = [Conversion(column, kind, detail)] if kind is not None else []
    if not is_token.any():
        return parsed_rest, tuple(conversions)
    parsed = np.full(len(values), np.nan)
    parsed[~is_token] = parsed_rest
    counts = values[is_token].value_counts()
    words = " and ".join(f"{int(n)} '{token}'" for token, n in counts.items())
    noun = "value" if int(counts.sum()) == 1 else "values"
    conversions.append(Conversion(column, "missing_tokens", f"treated {words} {noun} as missing"))
    return parsed, tuple(conversions)


def _read_numbers(
    values: pd.Series, delimiter: str | None
) -> tuple[np.ndarray, str | None, str] | None:
    """Plain numbers via a straight cast, else the styled reader; None if not numeric.

    In a semicolon-separated file ``1.234`` is first offered to the styled reader, which
    takes it as a thousands separator when every value fits that reading.
    """
    plain = _plain_numbers(values)
    if plain is not None and plain.dtype != np.int64 and _too_long_integers(values):
        return None  # IDs beyond int64 stay text, every digit kept
    if plain is not None and not (delimiter == ";" and values.str.contains(".", regex=False).any()):
        return plain, None, ""
    styled = _styled_numbers(values, delimiter)
    if styled is not None:
        return styled
    return (plain, None, "") if plain is not None else None


def _plain_numbers(values: pd.Series) -> np.ndarray | None:
    """Fast path: the whole column casts cleanly (``12``, ``-3.5``, ``1e3``, ``0001``).

    Integers stay int64 so long IDs keep every digit.
    """
    array = pa.array(values.astype("str"), type=pa.large_string())
    try:
        return pc.cast(array, pa.int64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:
        floats = pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if not np.isfinite(floats).all():
        return None  # "nan"/"inf": missing tokens or text, decided by the caller
    return floats


def _too_long_integers(values: pd.Series) -> bool:
    """Whole numbers with more digits than int64 holds (long account numbers, say)."""
    return bool(values.str.len().max() > 18) and _all_match(values, _INTEGER)


def _styled_numbers(
    values: pd.Series, delimiter: str | None
) -> tuple[np.ndarray, str | None, str] | None:
    """Numbers with currency, percent, grouping, decimal comma or (accounting) negatives.

    All values must share one decimal convention.  Returns the numbers and the kind and
    wording of the conversion (kind None when nothing beyond plain numbers was seen).
    """
    distinct, codes = _distinct(values)
    parsed = _styled_distinct(distinct, delimiter)
    if parsed is None:
        return None
    numbers, kind, detail = parsed
    return (numbers if codes is None else numbers[codes]), kind, detail


def _distinct(values: pd.Series) -> tuple[pd.Series, np.ndarray | None]:
    """Distinct values (in order of first appearance) when that saves work, else all values.

    Styled columns such as ``45%`` often repeat a few values; regexes then run on those few.
    """
    sample = values.head(_SAMPLE)
    if sample.nunique() > len(sample) // 2:
        return values, None
    codes, uniques = pd.factorize(values)
    return pd.Series(uniques, dtype="str"), codes


def _styled_distinct(
    values: pd.Series, delimiter: str | None
) -> tuple[np.ndarray, str | None, str] | None:
    """The work of :func:`_styled_numbers`, on (possibly de-duplicated) values."""
    if not _all_match(values, _NUMBER_SHAPE):
        return None
    opens = values.str.startswith("(").to_numpy(dtype=bool)
    if (opens != values.str.endswith(")").to_numpy(dtype=bool)).any():
        return None
    currencies = _currencies(values)
    if len(currencies) > 1:
        return None  # mixed units cannot be added up
    core = values.str.strip(_NUMBER_MARKS)  # safe once the shape is known: core is [0-9.]...

    point_ok = _all_match(core, _POINT_CORE)
    comma_ok = _all_match(core, _COMMA_CORE)
    if not (point_ok or comma_ok):
        return None
    has_sep = core.str.contains("[.,]", regex=True)
    ambiguous = point_ok and comma_ok and bool(has_sep.any())
    decimal_comma = (ambiguous and delimiter == ";") if point_ok else comma_ok

    if decimal_comma:
        grouping = "[. \u00a0\u202f]"
        digits = core.str.replace(grouping, "", regex=True).str.replace(",", ".", regex=False)
        grouped = core.str.contains(grouping, regex=True)
        comma_seen = core.str.contains(",", regex=False)
    else:
        digits = core.str.replace(",", "", regex=False)
        grouped = core.str.contains(",", regex=False)
        comma_seen = pd.Series(False, index=core.index)
    try:
        numbers = pc.cast(pa.array(digits, type=pa.large_string()), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    parsed = numbers.to_numpy(zero_copy_only=False)
    if not np.isfinite(parsed).all():
        return None  # 1e999 and the like
    negative = values.str.match(_NEGATIVE).to_numpy(dtype=bool)
    parsed = np.where(negative, -np.abs(parsed), parsed)

    percent = values.str.contains("%", regex=False)
    kind, detail = _number_wording(
        values, core, currencies, percent, grouped, comma_seen, opens, decimal_comma
    )
    if kind is not None and ambiguous:
        example = values[has_sep.to_numpy(dtype=bool)].iloc[0]
        if decimal_comma:
            reading = "',' as decimal comma and '.' as thousands separator"
            reason = "the file is semicolon-separated"
        else:
            reading = "',' as thousands separator and '.' as decimal point"
            reason = "the usual reading" + ("" if delimiter is None else " outside ';' files")
        detail += f"; values like '{example}' fit either convention, so read {reading} ({reason})"
    return parsed, kind, detail


def _all_match(values: pd.Series, pattern: str) -> bool:
    """Every value matches ``pattern``; a failing head saves scanning the whole column."""
    head = values.head(_SAMPLE)
    if not head.str.fullmatch(pattern).all():
        return False
    return len(head) == len(values) or bool(values.str.fullmatch(pattern).all())


def _currencies(values: pd.Series) -> dict[str, str]:
    """Currencies present, keyed by unit, with the symbol or code as written.

    The shape check has put any currency at the start or the end, so the first and last
    characters (once signs, brackets and % are trimmed) say which spellings to look for.
    """
    lead = values.str.lstrip(_LEAD_MARKS)
    tail = values.str.rstrip(_TAIL_MARKS)
    heads = set(lead.str.slice(0, 1).unique())
    tails = set(tail.str.slice(-1).unique())
    found: dict[str, str] = {}
    for unit, spellings in _CURRENCY_GROUPS:
        for spelling in spellings:
            if (spelling[0] in heads and lead.str.startswith(spelling).any()) or (
                spelling[-1] in tails and tail.str.endswith(spelling).any()
            ):
                found.setdefault(unit, spelling)
    return found


def _number_wording(
    values: pd.Series,
    core: pd.Series,
    currencies: dict[str, str],
    percent: pd.Series,
    grouped: pd.Series,
    comma_seen: pd.Series,
    parens: np.ndarray,
    decimal_comma: bool,
) -> tuple[str | None, str]:
    """Kind and plain-English detail of a number conversion (kind None: nothing to say)."""
    features: list[str] = []
    kind: str | None = None
    if comma_seen.any() and decimal_comma:
        features.append("decimal comma")
        kind = "decimal_comma"
    if grouped.any():
        features.append("thousands separators")
        kind = kind or "thousands"
    if currencies:
        features.append(f"currency {next(iter(currencies.values()))}")
        kind = "currency"
    if percent.any():
        example = values[percent].iloc[0]
        number = core[percent].iloc[0]
        features.append(f"percent, '{example}' read as {number}")
        kind = kind if kind == "currency" else "percent"
    if parens.any():
        features.append("(12) read as -12")
        kind = kind or "number"
    if kind is None:
        return None, ""
    styled = (
        core.ne(values).to_numpy(dtype=bool)
        | grouped.to_numpy(dtype=bool)
        | comma_seen.to_numpy(dtype=bool)
    )
    example = values[styled].iloc[0] if styled.any() else values.iloc[0]
    return kind, f"read '{example}' style values as numbers ({', '.join(features)})"


# ----- dates (read by reportgen.reading.dates; the loader's policy: a column clearly of dates)


def _convert_dates(column: str, values: pd.Series) -> tuple[np.ndarray, Conversion, str] | None:
    """A column of non-empty strings as dates when it clearly holds dates, or None.

    Clearly: every value read in one format written one way (see :func:`_clear`); one odd
    value keeps the column text.  The first values are tried first, so a text column costs
    little.  Day-first versus month-first is decided from all values.
    """
    if _clear(text_dates.parse(values.head(_SAMPLE))) is None:
        return None
    read = text_dates.parse(values)
    found = _clear(read)
    if found is None:
        return None
    return read.values, Conversion(column, "date", _date_detail(found, read)), found.order


def _clear(read: text_dates.Dates, unreadable: bool = False) -> text_dates.Format | None:
    """The one format of a column that holds dates: one format written one way, day and
    month in one order, every value read (``unreadable``: some may be other values); never
    yyyymmdd numbers (:func:`_convert_compact_dates` decides those) nor two-digit years with
    a numeric day and month (01/02/03 could be any of them)."""
    if len(read.formats) != 1 or read.conflict is not None:
        return None
    found = read.formats[0]
    if read.n_unreadable and not unreadable or not found.one_writing:
        return None
    if found.kind == "yyyymmdd" or (found.kind == "day-month" and found.years != "yyyy"):
        return None
    return found


def _date_detail(found: text_dates.Format, read: text_dates.Dates) -> str:
    """How the dates were read, in words, with the first value as an example."""
    example = f"{found.example} = {spell_date(found.example_date)}"
    if found.kind == "iso":
        return f"read as dates (ISO year-month-day, {example})" + (_UTC_NOTE * found.zoned)
    if found.kind == "month-name":
        note = ""
        if found.years == "yy":
            years = read.values[~np.isnat(read.values)].astype("datetime64[Y]").astype(int) + 1970
            note = f"; two-digit years read as {years.min()} to {years.max()}"
        return f"read as dates with month names ({example}){note}"
    words = "day first" if found.order == "day-first" else "month first"
    note = ""
    if found.assumed:
        note = (
            f"; the order was ambiguous (no part above 12), so {words} was assumed "
            f"as usual for '{found.separator}' dates"
        )
    return f"read as dates, {words} ({example}){note}"


_UTC_NOTE = "; times with a time zone (Z or an offset such as +02:00) were converted to UTC"


def _mixed_dates(
    column: str, values: pd.Series, present: np.ndarray, text: pd.Series
) -> _Converted | None:
    """Dates with other values among them (Excel day numbers such as ``45123``, ``12.5``),
    or None when the column is not made of dates and numbers.

    When the dates (in one format) are at least 95% of the values they are read and the rest
    set aside as missing, else (dates and plain numbers making up the column) the column
    stays ``text``.  Either way the :class:`MixedColumn` says so, for an alert: a reading
    that drops values, or a column that drops out, must not go unnoticed.  Dates in a second
    format (``2023-01-05`` and ``05/01/2023`` or ``20230105``) are not odd values to drop:
    such a column stays text, as before, and a transaction log reads every format
    (reportgen.reading.transactions).
    """
    if not _looks_dated(values):
        return None  # free text, or numbers without dates: cheaply passed over
    read = text_dates.parse(values)
    found = _clear(read, unreadable=True)
    if found is None:
        return None  # no dates, or dates in several formats
    is_date = ~np.isnat(read.values)
    n_dates = int(is_date.sum())
    is_number = ~is_date & values.str.fullmatch(_PLAIN_NUMBER.pattern).to_numpy(dtype=bool)
    n_numbers = int(is_number.sum())
    n_other = len(values) - n_dates - n_numbers
    as_dates = n_dates >= _DATES_MAJORITY * len(values)
    if not as_dates and (n_numbers == 0 or n_dates + n_numbers < _DATES_MAJORITY * len(values)):
        return None
    examples = tuple(
        (int(row) + 1, str(value)) for row, value in values[~is_date].head(_MIXED_EXAMPLES).items()
    )
    mixed = MixedColumn(column, n_dates, n_numbers, n_other, examples, as_dates)
    if not as_dates:
        return _Converted(text, mixed=mixed)
    n = mixed.n_set_aside
    aside = f"; {n:,} {'value that is not a date' if n == 1 else 'values that are not dates'}"
    aside += f" ({mixed.where}) set aside as missing"
    conversion = Conversion(column, "date", _date_detail(found, read) + aside)
    return _Converted(_spread(read.values, present, text.index), (conversion,), found.order, mixed)


def _looks_dated(values: pd.Series) -> bool:
    """A sample spread over the column (it may be sorted) holds dates, and dates and plain
    numbers make up most of it."""
    sample = values.iloc[:: max(1, len(values) // _SAMPLE)]
    dated = text_dates.shaped(sample)
    shaped = dated | sample.str.fullmatch(_PLAIN_NUMBER.pattern).to_numpy(dtype=bool)
    return bool(dated.any()) and float(shaped.mean()) >= _DATES_MAJORITY


def _convert_compact_dates(column: str, values: pd.Series) -> tuple[np.ndarray, Conversion] | None:
    """8-digit numbers that are all valid yyyymmdd dates from 1900 to 2100, or None.

    A date-like name (order_date, day, dt) is enough; otherwise at least 20 distinct dates
    are needed, and an id-like name (customer_id) keeps them numbers: ids that happen to
    be valid dates stay ids.  One invalid value (19970231, 20000001) keeps the column numbers.
    """
    if not _all_match(values, _COMPACT_DATE):
        return None
    words = _name_words(column)
    named = bool(words & _DATE_WORDS) or any(w.endswith(_DATE_ENDINGS) for w in words)
    if not named and words & _ID_WORDS:
        return None
    if not named and values.nunique() < _COMPACT_MIN_DISTINCT:
        return None
    read = text_dates.parse(values)
    if len(read.formats) != 1 or read.n_unreadable or read.formats[0].kind != "yyyymmdd":
        return None
    found = read.formats[0]
    detail = (
        f"read as dates written yyyymmdd ({found.example} = {spell_date(found.example_date)}); "
        f"every value is a valid date, {spell_date(read.values.min())} to "
        f"{spell_date(read.values.max())}"
    )
    return read.values, Conversion(column, "date", detail)


def _name_words(name: str) -> set[str]:
    """Lower-case words of a column name: OrderDate, order_date and "Order date" alike."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {word.lower() for word in re.split(r"[^A-Za-z0-9]+", spaced) if word}
