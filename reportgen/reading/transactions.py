"""Stage 1b, transactions: turn an export of orders or invoice lines into a customer table.

Many users have one row per purchase rather than one per customer.  This stage recognises such
a log (customer ids that repeat, a date, an amount or a quantity and a price), sets aside the
lines that are not purchases, counting each reason so nothing disappears silently, and derives
per customer the recency, frequency and monetary value (with order value, tenure, return share
and product range) that reportgen's RFM naming and playbook understand.  Everything works on
whole columns: a log of a million lines takes seconds.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from reportgen.errors import InputError
from reportgen.formatting import spell_date
from reportgen.options import TransactionOptions
from reportgen.profiling.roles import tokens
from reportgen.reading import dates as text_dates
from reportgen.reading.rfm import RFM_NAMES, quintile_scores, rfm_name  # RFM_NAMES: column order
from reportgen.reading.tables import Dataset

MIN_CUSTOMERS = 10  # the clustering needs at least this many customers
REPEAT_SHARE = 0.8  # a log's customer column has at most 80% distinct values
READABLE_SHARE = 0.95  # a date or amount column must be readable for 95% of its values


# Derived columns, named so reportgen.profiling.roles recognises them; ROLES makes that explicit.
RECENCY, FREQUENCY, MONETARY = "recency_days", "frequency_orders", "monetary_spend"
AOV, TENURE, RETURNS, PRODUCTS = (
    "avg_order_value",
    "tenure_days",
    "return_share",
    "distinct_products",
)
ITEMS = "items_bought"  # logs without amounts: items (lines, or the quantities) instead of spend
RFM_COLUMN = "rfm_segment"
ROLES = {
    RECENCY: "recency",
    FREQUENCY: "frequency",
    MONETARY: "spend",
    AOV: "spend",
    TENURE: "tenure",
}  # ITEMS and PRODUCTS have no role: they must not stand in for spend in the RFM naming

# Why lines are set aside, in the order the checks run (a line counts under its first reason).
REASONS = {
    "missing_customer": "no customer id",
    "missing_date": "date missing or unreadable",
    "missing_amount": "amount, quantity or price missing or unreadable",
    "after_as_of": "dated after the as-of date",
    "duplicate": "exact duplicate of an earlier line",
    "non_product": "not a product: postage, fees, manual adjustments, discounts",
    "cancellation": "cancelled invoice (number starting with C); counted in the return share",
    "return": "return (negative quantity or amount); counted in the return share",
    "disputed": "disputed (a status column says so); not a purchase until resolved",
    "zero_price": "zero or negative price",
}
RETURN_REASONS = ("cancellation", "return")
LABELS = {  # the reasons in a few words, for one-line messages
    "missing_customer": "without customer id",
    "missing_date": "without a readable date",
    "missing_amount": "without a readable amount",
    "after_as_of": "after the as-of date",
    "duplicate": "duplicates",
    "non_product": "non-product",
    "cancellation": "cancellations",
    "return": "returns",
    "disputed": "disputed",
    "zero_price": "zero or negative price",
}

# Non-product lines as real exports write them (UCI Online Retail and the like).
_NON_PRODUCT_CODES = frozenset(
    {"POST", "DOT", "M", "MANUAL", "C2", "BANK CHARGES", "AMAZONFEE", "CRUK", "D", "S", "B"}
    | {"ADJUST", "ADJUST2", "DISCOUNT", "POSTAGE", "CARRIAGE", "SHIPPING", "FEE"}
)
_NON_PRODUCT_TEXTS = frozenset(
    {"POSTAGE", "DOTCOM POSTAGE", "MANUAL", "DISCOUNT", "CARRIAGE", "BANK CHARGES", "AMAZON FEE"}
    | {"SAMPLES", "ADJUST BAD DEBT", "CRUK COMMISSION", "SHIPPING", "SHIPPING CHARGE"}
    | {"DELIVERY", "DELIVERY CHARGE", "SERVICE FEE", "HANDLING FEE"}
)

# Column-name vocabulary (word tokens, see reportgen.profiling.roles.tokens).
_CUSTOMER_WORDS = frozenset(
    {"customer", "customerid", "client", "clientid", "cust", "custid", "user", "userid"}
    | {"member", "memberid", "account", "accountid", "buyer", "shopper", "consumer", "company"}
)
_ID_WORDS = frozenset({"id", "no", "nr", "num", "number", "key", "code"})
_NAME_WORDS = frozenset({"name", "fullname"})  # customers told apart by name: "Customer Name"
_NOT_CUSTOMER_WORDS = frozenset(  # "CONTACTLASTNAME", "customer_product_id": not the customer
    {"contact", "product", "item", "supplier", "vendor", "seller", "employee", "manager", "agent"}
)
_DATE_WORDS = frozenset(
    {"date", "time", "timestamp", "datetime", "day", "created", "ts", "when", "dt"}
    | {"invoicedate", "orderdate", "purchasedate", "transactiondate", "saledate"}
)
_AMOUNT_WORDS = frozenset(
    {"amount", "total", "revenue", "sales", "sale", "spend", "spent", "net", "gross", "subtotal"}
    | {"linetotal", "payment", "paid", "turnover", "value"}
)
_QUANTITY_WORDS = frozenset({"quantity", "qty", "units", "pieces", "pcs"})
_PRICE_WORDS = frozenset({"price", "unitprice", "priceeach", "rate"})
_INVOICE_WORDS = frozenset(
    {"invoice", "invoiceno", "invoiceid", "order", "orderid", "orderno", "ordernumber"}
    | {"transaction", "transactionid", "receipt", "basket", "ticket", "bill"}
)
_PRODUCT_CODE_WORDS = frozenset(
    {"stockcode", "sku", "productid", "productcode", "itemid", "itemcode", "article", "ean"}
    | {"upc", "asin", "stock", "product", "item"}
)
_DESCRIPTION_WORDS = frozenset({"description", "desc", "productname", "itemname"})
_GROUPING = frozenset(
    {"category", "type", "group", "class", "line", "family", "brand", "department"}
)
_STATUS_WORDS = frozenset({"status", "state"})
_VOCABULARY = (
    _CUSTOMER_WORDS | _ID_WORDS | _NAME_WORDS | _NOT_CUSTOMER_WORDS | _DATE_WORDS | _AMOUNT_WORDS
    | _QUANTITY_WORDS | _PRICE_WORDS | _INVOICE_WORDS | _PRODUCT_CODE_WORDS | _DESCRIPTION_WORDS
    | _GROUPING | _STATUS_WORDS | {"first", "last"}
)  # fmt: skip
_LONGEST_WORD = max(map(len, _VOCABULARY))
_INSIDE = 5  # a known word this long counts when it sits inside a compound ("QUANTITYORDERED")

# Status values that say a line is not a purchase, by the reason it is set aside under; any
# other value (Shipped, Resolved, On Hold, In Process, Completed...) is kept.
_NOT_PURCHASE = (
    ("cancellation", re.compile(r"\b(?:cancel|void|reject)", re.IGNORECASE)),
    ("return", re.compile(r"\b(?:return|refund|charge ?back)", re.IGNORECASE)),
    ("disputed", re.compile(r"\bdisput", re.IGNORECASE)),
)
_STATUS_REASONS = {  # the reasons when only the status column set the lines aside
    "cancellation": "not a purchase (cancelled); counted in the return share",
    "return": "not a purchase (returned or refunded); counted in the return share",
    "disputed": "not a purchase until resolved",
}
MAX_STATUS_VALUES = 30  # a status column has a few values; US states and free text have more


@dataclass(frozen=True)
class Columns:
    """Which input column plays which part; ``given`` lists the roles named by the user."""

    customer: str
    date: str
    amount: str | None
    quantity: str | None
    price: str | None
    invoice: str | None
    product: str | None
    description: str | None
    given: tuple[str, ...] = ()

    @property
    def spend(self) -> bool:
        """Whether the lines have amounts (a log of baskets may not: no spend then)."""
        return bool(self.amount or (self.quantity and self.price))

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "given"}


@dataclass(frozen=True)
class DateReading:
    """How the date column was read, for the report."""

    column: str
    order: str  # "iso", "day-first", "month-first", "yyyymmdd", "month-name" or "mixed"
    formats: tuple[tuple[str, int], ...]  # (format, lines), e.g. ("m/d/yyyy H:M", 41250)
    detail: str  # plain words with an example


@dataclass(frozen=True)
class SetAside:
    reason: str  # a key of REASONS
    rows: int
    explanation: str


@dataclass(frozen=True)
class StatusReading:
    """The status column, and which of its values set lines aside and which were kept."""

    column: str
    set_aside: tuple[tuple[str, str, int], ...]  # (value, reason, lines read), most first
    kept: tuple[tuple[str, int], ...]  # (value, lines read), most first

    def text(self) -> str:
        aside = ", ".join(f"{v} ({n:,})" for v, _, n in self.set_aside)
        kept = ", ".join(f"{v} ({n:,})" for v, n in self.kept) or "none"
        return f"{self.column} sets aside {aside} and keeps {kept}"


@dataclass(frozen=True)
class RfmMap:
    """Customers of each K-Means segment by RFM grid name (rows: segments, columns: names)."""

    segments: tuple[tuple[int, str], ...]  # (segment id, segment name)
    names: tuple[str, ...]  # RFM names present, grid order
    counts: tuple[tuple[int, ...], ...]
    totals: tuple[int, ...]  # customers per RFM name over all segments

    def share(self, row: int, column: int) -> float:
        size = sum(self.counts[row])
        return self.counts[row][column] / size if size else 0.0


@dataclass(frozen=True)
class TransactionLog:
    """The stage result: whether INPUT is a transaction log and, if so, its customer table."""

    detected: bool
    how: str  # "detected", "forced" (flags or config), "not detected", "turned off"
    reason: str  # why it was (or was not) taken for a transaction log
    columns: Columns | None = None
    dates: DateReading | None = None
    as_of: str | None = None  # ISO date recency and tenure are counted to
    first_date: str | None = None
    last_date: str | None = None
    rows_read: int = 0
    set_aside: tuple[SetAside, ...] = ()
    rows_used: int = 0
    return_rows: int = 0  # cancellations and returns that fed the return share
    customers_only_returns: int = 0  # customers with returns but no purchase: not in the table
    frequency_basis: str = ""  # "distinct invoices (InvoiceNo)" or "distinct purchase days"
    status: StatusReading | None = None  # a status column that marks lines not purchases
    features: tuple[tuple[str, str], ...] = ()  # (derived column, what it means)
    table: pd.DataFrame | None = None  # id, features, rfm_segment: what reportgen clusters
    extra: pd.DataFrame | None = None  # r/f/m scores, first and last purchase (customers.csv)
    rfm_map: RfmMap | None = None  # filled in by the pipeline once segments exist
    rfm_counts: dict[str, int] = field(default_factory=dict)  # customers per RFM name

    @property
    def id_column(self) -> str | None:
        return self.columns.customer if self.columns else None

    @property
    def n_customers(self) -> int:
        return 0 if self.table is None else len(self.table)

    @property
    def n_set_aside(self) -> int:
        return sum(s.rows for s in self.set_aside)

    @property
    def scores(self) -> str:
        """What customers.csv adds to each customer's derived columns, in a few words."""
        if self.table is not None and RFM_COLUMN in self.table.columns:
            return "R, F and M scores and RFM name"
        return "R and F scores (no M or RFM name without amounts)"


# --------------------------------------------------------------------------- public API


def derive(dataset: Dataset, options: TransactionOptions | None = None) -> TransactionLog:
    """Recognise a transaction log and derive one row per customer from it.

    Returns ``detected=False`` (with the reason) for a customer table; raises ``InputError``
    when the user said it is a log (flags or config) and it cannot be read as one.
    """
    options = options or TransactionOptions()
    frame = dataset.frame
    if options.enabled is False:
        return TransactionLog(False, "turned off", "read as a customer table (--no-transactions)")
    forced = options.enabled is True or bool(options.named()) or options.as_of is not None
    for role, name in options.named().items():
        _check_column(frame, name, f"--{role}-col")
    columns, why, dates = _choose_columns(dataset, options, forced)
    if columns is None or dates is None:
        return TransactionLog(False, "not detected", why)
    return _derive(frame, columns, dates, options, "forced" if forced else "detected", why)


def rfm_map(log: TransactionLog, labels: np.ndarray, names: dict[int, str]) -> RfmMap | None:
    """How the K-Means segments spread over the RFM grid (customers in table order); None
    for a log without amounts, whose customers have no RFM names."""
    assert log.table is not None
    if RFM_COLUMN not in log.table.columns:
        return None
    rfm = log.table[RFM_COLUMN].to_numpy(dtype=object)
    present = tuple(n for n in RFM_NAMES if (rfm == n).any())
    ids = sorted(names)
    counts = tuple(tuple(int(((labels == s) & (rfm == n)).sum()) for n in present) for s in ids)
    totals = tuple(int((rfm == n).sum()) for n in present)
    return RfmMap(tuple((s, names[s]) for s in ids), present, counts, totals)


# --------------------------------------------------------------------------- columns


def _check_column(frame: pd.DataFrame, name: str, flag: str) -> None:
    columns = [str(c) for c in frame.columns]
    if name in columns:
        return
    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.5)
    hint = (
        f"did you mean '{close[0]}'?"
        if close
        else "columns are: " + ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
    )
    raise InputError(f"{flag} '{name}' is not a column; {hint}")


def _words(name: str) -> set[str]:
    """The name's tokens, the known words its compounds split into, and the long known words
    inside it: exports write CUSTOMERNAME and QUANTITYORDERED, which no case change splits."""
    joined = tokens(name)[-1]
    inside = {w for w in _VOCABULARY if len(w) >= _INSIDE and w in joined}
    return set(tokens(name)) | set(_parts(name)) | inside


def _parts(name: str) -> list[str]:
    """The name's words in order, compounds split: "CUSTOMERNAME" -> customer, name."""
    return [part for token in tokens(name)[:-1] or tokens(name) for part in _split(token)]


def _last(name: str) -> str:
    """The name's last word, which says what the column holds ("order_status" is a status)."""
    return _parts(name)[-1]


@functools.cache
def _split(token: str) -> tuple[str, ...]:
    """A token as the most known words that make it up exactly ("ordernumber" -> order,
    number), or the token itself when no such split exists ("dealsize")."""
    # words[end]: most words token[:end] splits into (-1: none); starts[end]: where the last
    # begins.  Only known words' lengths are tried, so a 10,000-letter token costs linear time.
    words = [0] + [-1] * len(token)
    starts = [0] * (len(token) + 1)
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - _LONGEST_WORD), end):
            if words[start] < 0 or token[start:end] not in _VOCABULARY:
                continue
            if words[start] + 1 > words[end]:
                words[end], starts[end] = words[start] + 1, start
    if words[-1] <= 0:
        return (token,)
    parts, end = [], len(token)
    while end:
        parts.append(token[starts[end] : end])
        end = starts[end]
    return tuple(reversed(parts))


def _is_datetime(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(series.dtype)


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    )


def _choose_columns(
    dataset: Dataset, options: TransactionOptions, forced: bool
) -> tuple[Columns | None, str, _Dates | None]:
    """The columns of each part: the user's choice, else a guess from names and values.

    Without flags every guess must hold up (a repeating customer id, a readable date, an
    amount) or the table is a customer table; with flags a missing part is an error.
    """
    frame = dataset.frame
    names = [str(c) for c in frame.columns]
    taken: set[str] = set(options.named().values())

    def fail(message: str, hint: str) -> tuple[None, str, None]:
        if forced:
            raise InputError(f"{message}; {hint}")
        return None, f"not a transaction log: {message}", None

    unnamed = _unnamed(names)  # a file without a header row: columns are told by their values
    customer = options.customer or _guess_customer(frame, names, taken)
    if customer is None and unnamed:
        customer = _repeating_key(frame, names, taken)
    if customer is None:
        return fail("no column names the customer (e.g. CustomerID)", "name it with --customer-col")
    taken.add(customer)
    n_lines, n_customers = _repeats(frame[customer])
    if not forced and n_customers > REPEAT_SHARE * n_lines:
        return fail(f"{customer} does not repeat ({n_customers:,} values on {n_lines:,} rows)", "")

    date_col, dates = _pick_dates(dataset, options.date, names, taken, forced)
    if date_col is None or dates is None:
        return fail("no column holds purchase dates", "name it with --date-col")
    taken.add(date_col)

    amount, quantity, price = _pick_money(frame, names, taken, options, unnamed)
    if amount is None and (quantity is None or price is None):
        if options.quantity or options.price:
            return fail(
                "the amount needs both a quantity and a price column",
                "name the other with --price-col or --quantity-col, or use --amount-col",
            )
        price = None  # a log without amounts (baskets of items): no spend, items instead
    taken |= {c for c in (amount, quantity, price) if c}
    invoice = options.invoice or _guess_invoice(frame, names, taken)
    taken |= {invoice} if invoice else set()
    description = _guess(frame, names, taken, _DESCRIPTION_WORDS, numeric=False)
    taken |= {description} if description else set()
    product = options.product or _guess_product(frame, names, taken) or description
    columns = Columns(
        customer, date_col, amount, quantity, price, invoice, product, description,
        tuple(options.named()),
    )  # fmt: skip
    if not columns.spend and not (invoice or product):
        return fail(  # a table of customers with a date has no items or orders
            "no amount column, nor a quantity and a price, nor products or invoices",
            "name them with --amount-col, or --quantity-col and --price-col",
        )
    named = ", known by name," if _by_name(frame[customer], customer) else ""
    why = "the file has no header row, so the columns were told by their values: " * unnamed
    why += f"{customer} repeats ({n_customers:,} customers{named} on {n_lines:,} lines), "
    return columns, why + _what_the_columns_give(columns), dates


def _what_the_columns_give(columns: Columns) -> str:
    if columns.spend:
        money = columns.amount if columns.amount else f"{columns.quantity} × {columns.price}"
        return f"{columns.date} holds dates and {money} gives the amounts"
    what = [c for c in (columns.invoice, columns.product) if c]
    items = f"{' and '.join(what)} {'name' if len(what) > 1 else 'names'} the items"
    return f"{columns.date} holds dates and {items}"


def _pick_dates(
    dataset: Dataset,
    named: str | None,
    names: list[str],
    taken: set[str],
    forced: bool,
) -> tuple[str | None, _Dates | None]:
    """The purchase date column: the one named, else the first candidate that reads as dates
    (with flags, the first candidate's problem is said when none reads)."""
    if named is not None:
        return named, _read_dates(dataset, named, strict=True)
    candidates = _date_candidates(dataset.frame, names, taken)
    for candidate in candidates:
        dates = _read_dates(dataset, candidate, strict=False)
        if dates is not None:
            return candidate, dates
    if forced and candidates:
        _read_dates(dataset, candidates[0], strict=True)  # says what is wrong
    return None, None


def _pick_money(
    frame: pd.DataFrame,
    names: list[str],
    taken: set[str],
    options: TransactionOptions,
    unnamed: bool,
) -> tuple[str | None, str | None, str | None]:
    """Amount, quantity and price columns: named ones, else guessed by name (or by values in
    a file without a header row)."""
    quantity = options.quantity or _guess(frame, names, taken, _QUANTITY_WORDS, numeric=True)
    price = options.price or _guess(
        frame, names, taken | {quantity or ""}, _PRICE_WORDS, True, avoid=_AMOUNT_WORDS
    )
    amount = options.amount
    if amount is None and not (options.quantity and options.price):  # named: quantity × price
        amount = _guess(
            frame, names, taken | {quantity or "", price or ""}, _AMOUNT_WORDS, numeric=True
        )
    if amount is None and quantity is None and unnamed:
        amount, quantity = _amount_by_values(frame, names, taken)
    return amount, quantity, price


def _repeats(series: pd.Series) -> tuple[int, int]:
    """Lines with a customer id, and distinct ids."""
    present = series.dropna()
    if not _is_number(present):
        present = present.astype(str).str.strip()
        present = present[present.ne("")]
    return len(present), int(present.nunique())


def _unnamed(names: list[str]) -> bool:
    """Column names the loader made up for a file without a header row."""
    return bool(names) and all(re.fullmatch(r"column_\d+", n) for n in names)


def _repeating_key(frame: pd.DataFrame, names: list[str], taken: set[str]) -> str | None:
    """Without names: the first whole-number or text column that repeats over many values."""
    for name in names:
        series = frame[name]
        if name in taken or _is_datetime(series):
            continue
        if _is_number(series) and not _integral(series):
            continue
        lines, distinct = _repeats(series)
        if MIN_CUSTOMERS <= distinct <= REPEAT_SHARE * lines:
            return name
    return None


def _amount_by_values(
    frame: pd.DataFrame, names: list[str], taken: set[str]
) -> tuple[str | None, str | None]:
    """Without names: the last column of non-negative decimals is the amount, and a column of
    small positive whole numbers before it the quantity."""
    free = [n for n in names if n not in taken and _is_number(frame[n])]
    amounts = [n for n in free if not _integral(frame[n]) and frame[n].min() >= 0]
    if not amounts:
        return None, None
    counts = [n for n in free if _integral(frame[n]) and frame[n].min() >= 1 and n != amounts[-1]]
    return amounts[-1], (counts[0] if counts else None)


def _guess_customer(frame: pd.DataFrame, names: list[str], taken: set[str]) -> str | None:
    """The column that names the customer: an id (CustomerID, client_id, Member_number) before
    a bare Customer or Company, before a name (Customer Name, CUSTOMERNAME), since exports
    with both keep the id unique while two customers may share a name."""
    found = []
    for at, name in enumerate(names):
        words, last = _words(name), _last(name)
        if name in taken or not words & _CUSTOMER_WORDS or words & _NOT_CUSTOMER_WORDS:
            continue
        ranks = ((_ID_WORDS, 0), (_CUSTOMER_WORDS, 1), (_NAME_WORDS, 2))
        rank = next((r for vocabulary, r in ranks if last in vocabulary), None)
        series = frame[name]
        if rank is None or _is_datetime(series):
            continue
        if _is_number(series) and (rank == 2 or not _integral(series)):
            continue  # ids may be whole numbers (Member_number); names are text
        found.append((rank, at, name))
    return min(found)[2] if found else None


def _by_name(series: pd.Series, name: str) -> bool:
    """Whether customers are told apart by name ("Land of Toys Inc."), not by an id: the
    user should know, since two customers of one name become one."""
    if _last(name) in _NAME_WORDS:
        return True
    if _is_number(series):
        return False
    sample = series.dropna().astype(str).head(1000)
    worded = sample.str.contains(r"[A-Za-z]{2,}\s+\S", regex=True)
    return bool(len(sample)) and float(worded.mean()) > 0.5


def _integral(series: pd.Series) -> bool:
    values = series.dropna().to_numpy(dtype=float)
    return bool(values.size) and bool(np.all(np.mod(values, 1) == 0))


def _date_candidates(frame: pd.DataFrame, names: list[str], taken: set[str]) -> list[str]:
    """Parsed date columns first (purchase-like names before others), then date-named ones."""
    free = [n for n in names if n not in taken]
    parsed = [n for n in free if _is_datetime(frame[n])]
    purchase = {"order", "invoice", "purchase", "transaction", "sale", "sales", "bought"}
    parsed.sort(key=lambda n: (not (_words(n) & purchase), names.index(n)))
    named = [n for n in free if n not in parsed and _words(n) & _DATE_WORDS]
    return parsed + named


def _guess(
    frame: pd.DataFrame,
    names: list[str],
    taken: set[str],
    words: frozenset[str],
    numeric: bool,
    avoid: frozenset[str] = frozenset(),
) -> str | None:
    """The first free column whose name has one of ``words`` (and none of ``avoid``)."""
    for name in names:
        if name in taken or not _words(name) & words or _words(name) & avoid:
            continue
        series = frame[name]
        if numeric != _is_number(series) or _is_datetime(series):
            continue
        return name
    return None


def _guess_invoice(frame: pd.DataFrame, names: list[str], taken: set[str]) -> str | None:
    """Invoice or order numbers: not dates, not money, not quantities."""
    for name in names:
        words = _words(name)
        if name in taken or not words & _INVOICE_WORDS or _is_datetime(frame[name]):
            continue
        if _last(name) not in _ID_WORDS | _INVOICE_WORDS:
            continue  # "order_status" is not an order number
        if words & (_DATE_WORDS | _AMOUNT_WORDS | _QUANTITY_WORDS | _PRICE_WORDS | {"line"}):
            continue  # nor is ORDERLINENUMBER (1, 2, 3 within each order)
        if _is_number(frame[name]) and not _integral(frame[name]):
            continue
        return name
    return None


def _guess_product(frame: pd.DataFrame, names: list[str], taken: set[str]) -> str | None:
    for name in names:
        words = _words(name)
        if name in taken or not words & _PRODUCT_CODE_WORDS or _is_datetime(frame[name]):
            continue
        if words & (
            _AMOUNT_WORDS | _QUANTITY_WORDS | _PRICE_WORDS | _DESCRIPTION_WORDS | _GROUPING
        ):
            continue
        if _is_number(frame[name]) and not _integral(frame[name]):
            continue
        return name
    return None


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class _Dates:
    values: np.ndarray  # datetime64[s], NaT where missing or unreadable
    reading: DateReading
    n_unreadable: int
    example_unreadable: str | None


def _read_dates(dataset: Dataset, column: str, *, strict: bool) -> _Dates | None:
    """The date column as datetimes, however it was written; None (or an error when
    ``strict``) if it does not hold dates."""
    series = dataset.frame[column]
    if _is_datetime(series):
        values = series.to_numpy().astype("datetime64[s]")
        order = dataset.date_formats.get(column, "iso")
        detail = next(
            (c.detail for c in dataset.conversions if c.column == column and c.kind == "date"),
            "read as dates",
        )
        n = int((~np.isnat(values)).sum())
        label = {
            "day-first": "day first (d/m/yyyy)",
            "month-first": "month first (m/d/yyyy)",
            "iso": "yyyy-mm-dd",
        }.get(order, order)
        # values the loader set aside among the dates (45123 in a date column) are unreadable
        odd = next((m for m in dataset.mixed if m.column == column), None)
        unread = (odd.n_set_aside, odd.examples[0][1]) if odd and odd.examples else (0, None)
        return _Dates(values, DateReading(column, order, ((label, n),), detail), *unread)
    read = _parsed(series, column)
    present = int(series.notna().sum())
    if read is not None and read.n_unreadable <= (1 - READABLE_SHARE) * present:
        return read
    if not strict:
        return None
    example = read.example_unreadable if read else _first_value(series)
    raise InputError(
        f"cannot read the dates in column '{column}' (e.g. '{example}'); "
        "name the date column with --date-col or fix its values"
    )


def _first_value(series: pd.Series) -> str:
    present = series.dropna()
    return str(present.iloc[0]) if len(present) else ""


def _parsed(series: pd.Series, column: str) -> _Dates | None:
    """Text dates in one or several formats, or whole numbers such as 19970101, read by
    ``reportgen.reading.dates``; None when no value reads as a date.  A date column must be read, so
    one that needs both orders of day and month is an error here, where the loader leaves
    such a column as text."""
    found = text_dates.parse(series)
    if found.conflict is not None:
        a, b = found.conflict
        raise InputError(
            f"column '{column}' mixes day-first and month-first dates "
            f"('{a}' and '{b}'); export the dates in one format"
        )
    if not found.formats:
        return None
    if _is_number(series):
        first = found.formats[0]
        detail = f"read as dates written yyyymmdd ({first.example} = {_spelt(first)})"
        reading = DateReading(column, "yyyymmdd", (("yyyymmdd", first.n),), detail)
    else:
        examples = "; ".join(
            f"{f.label} ({f.n:,} lines, e.g. {f.example} = {_spelt(f)})" for f in found.formats
        )
        words = "read as dates" + (" in several formats" if len(found.formats) > 1 else "")
        formats = tuple((f.label, f.n) for f in found.formats)
        reading = DateReading(column, found.order, formats, f"{words}: {examples}")
    values = found.values.astype("datetime64[s]")
    return _Dates(values, reading, found.n_unreadable, found.example_unreadable)


def _spelt(found: text_dates.Format) -> str:
    return spell_date(found.example_date)


# --------------------------------------------------------------------------- cleaning


def _numbers(series: pd.Series, column: str) -> np.ndarray:
    """A numeric column as floats (NaN missing); text is read where it holds numbers."""
    if _is_number(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    text = series.astype("str").str.strip()
    values = pd.to_numeric(text.where(text.ne(""), None), errors="coerce")
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    bad = series.notna().to_numpy(dtype=bool) & text.ne("").to_numpy(dtype=bool) & np.isnan(numbers)
    if bad.sum() > (1 - READABLE_SHARE) * max(int(series.notna().sum()), 1):
        example = text[bad].iloc[0]
        raise InputError(
            f"column '{column}' does not hold numbers (e.g. '{example}'); "
            "choose the amount columns with --amount-col, or --quantity-col and --price-col"
        )
    return numbers


def _customer_codes(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Customer codes (−1 where missing) and the ids in sorted order; whole-number ids that
    the loader read as floats (blanks in the column) become integers again."""
    if _is_number(series):
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(numbers)
        if np.all(np.mod(numbers[present], 1) == 0):
            keys: pd.Series = pd.Series(np.where(present, numbers, 0).astype(np.int64))
        else:
            keys = pd.Series(numbers)
    else:
        text = series.astype("str").str.strip()
        present = (series.notna() & text.ne("")).to_numpy(dtype=bool)
        keys = text.astype(object)
    codes = np.full(len(series), -1, dtype=np.int64)
    found, uniques = pd.factorize(keys[present], sort=True)
    codes[present] = found
    return codes, pd.Index(uniques)


def _reasons(
    frame: pd.DataFrame,
    columns: Columns,
    customer: np.ndarray,
    dates: np.ndarray,
    amount: np.ndarray | None,
    quantity: np.ndarray | None,
    price: np.ndarray | None,
    as_of: np.datetime64,
    status: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """One mask per reason; a line is counted under the first reason that applies.

    Without amounts or quantities each line is one item, so a repeated line is the same item
    bought twice (groceries baskets), not a duplicate.
    """
    none = np.zeros(len(frame), dtype=bool)
    measure = quantity if quantity is not None else amount
    each = price if price is not None else amount
    checks: dict[str, np.ndarray] = {
        "missing_customer": customer < 0,
        "missing_date": np.isnat(dates),
        "missing_amount": none if measure is None else np.isnan(measure),
        "after_as_of": ~np.isnat(dates) & (dates.astype("datetime64[D]") > as_of),
        "duplicate": none if measure is None else frame.duplicated(keep="first").to_numpy(bool),
        "non_product": _non_product(frame, columns),
        "cancellation": _cancelled(frame, columns) | status.get("cancellation", none),
        "return": (none if measure is None else measure < 0) | status.get("return", none),
        "disputed": status.get("disputed", none),
        "zero_price": none if each is None else each <= 0,
    }
    taken = np.zeros(len(frame), dtype=bool)
    result = {}
    for reason, mask in checks.items():
        result[reason] = mask & ~taken
        taken |= mask
    return result


def _non_product(frame: pd.DataFrame, columns: Columns) -> np.ndarray:
    mask = np.zeros(len(frame), dtype=bool)
    for name in {columns.product, columns.description} - {None}:
        text = frame[str(name)].astype("str").str.strip().str.upper()
        mask |= text.isin(_NON_PRODUCT_CODES | _NON_PRODUCT_TEXTS).to_numpy(dtype=bool)
    return mask


def _status(
    frame: pd.DataFrame, columns: Columns
) -> tuple[StatusReading | None, dict[str, np.ndarray]]:
    """The first status column (Status, ORDERSTATUS, order_state) with a value that says a
    line is not a purchase, and per reason the lines it sets aside. The values decide, not
    one export's spelling: Cancelled, Canceled, Voided, Refunded, Chargeback, Disputed..."""
    taken = {c for c in columns.as_dict().values() if c}
    for name in (str(c) for c in frame.columns):
        series = frame[name]
        if name in taken or not _words(name) & _STATUS_WORDS:
            continue
        if _is_number(series) or _is_datetime(series):
            continue
        codes, values = pd.factorize(series.astype("str").str.strip().where(series.notna()))
        if not 0 < len(values) <= MAX_STATUS_VALUES:
            continue
        reasons = [_not_purchase(str(v)) for v in values]
        if not any(reasons):
            continue
        counts = np.bincount(codes[codes >= 0], minlength=len(values))
        order = sorted(range(len(values)), key=lambda i: (-counts[i], str(values[i])))
        reading = StatusReading(
            name,
            tuple((str(values[i]), reasons[i] or "", int(counts[i])) for i in order if reasons[i]),
            tuple((str(values[i]), int(counts[i])) for i in order if not reasons[i]),
        )
        masks = {}
        for reason, _ in _NOT_PURCHASE:
            chosen = np.array([r == reason for r in reasons] + [False])
            masks[reason] = chosen[codes]  # code -1 (missing) picks the final False
        return reading, masks
    return None, {}


def _not_purchase(value: str) -> str | None:
    return next((reason for reason, pattern in _NOT_PURCHASE if pattern.search(value)), None)


def _cancelled(frame: pd.DataFrame, columns: Columns) -> np.ndarray:
    if columns.invoice is None or _is_number(frame[columns.invoice]):
        return np.zeros(len(frame), dtype=bool)
    text = frame[columns.invoice].astype("str").str.strip()
    return text.str.match(r"^[Cc]\d").fillna(False).to_numpy(dtype=bool)


# --------------------------------------------------------------------------- customers


def _derive(
    frame: pd.DataFrame,
    columns: Columns,
    dates: _Dates,
    options: TransactionOptions,
    how: str,
    why: str,
) -> TransactionLog:
    quantity, price, amount = _money(frame, columns)
    customer, ids = _customer_codes(frame[columns.customer])
    days = dates.values.astype("datetime64[D]")
    known = days[~np.isnat(days)]
    as_of = _as_of(known, options.as_of, columns.date)
    status, marked = _status(frame, columns)
    masks = _reasons(frame, columns, customer, days, amount, quantity, price, as_of, marked)
    set_aside = tuple(
        SetAside(r, int(m.sum()), _explain(r, m, frame, columns, dates, status, marked))
        for r, m in masks.items()
    )
    used = ~np.logical_or.reduce(list(masks.values()), initial=False)
    returned = masks["cancellation"] | masks["return"]
    _check_some_used(used, set_aside, len(frame), columns)
    if amount is None:
        items = quantity if quantity is not None else np.ones(len(frame))
        table, extra, basis = _visitors(frame, columns, customer, ids, days, items, used, as_of)
        n_only_returns, returned = 0, np.zeros(len(frame), dtype=bool)  # no return share
    else:
        withdrawn = _withdrawn(masks, marked, amount)
        table, extra, n_only_returns, basis = _customers(
            frame, columns, customer, ids, days, amount, used, returned, withdrawn, as_of
        )
    _check_enough_customers(len(table), int(used.sum()), len(frame))
    rfm_counts = table[RFM_COLUMN].value_counts() if RFM_COLUMN in table else pd.Series(dtype=int)
    if amount is None:
        why += _no_amounts(frame, columns)
    return TransactionLog(
        detected=True,
        how=how,
        reason=why + (f"; {status.text()}" if status else ""),
        columns=columns,
        dates=dates.reading,
        as_of=str(as_of),
        first_date=str(known.min()),
        last_date=str(known.max()),
        rows_read=len(frame),
        set_aside=set_aside,
        rows_used=int(used.sum()),
        return_rows=int(returned.sum()),
        customers_only_returns=n_only_returns,
        frequency_basis=basis,
        status=status,
        features=_meanings(columns, basis, str(as_of)),
        table=table,
        extra=extra,
        rfm_counts={n: int(rfm_counts.get(n, 0)) for n in RFM_NAMES if n in rfm_counts.index},
    )


def _as_of(known: np.ndarray, given: str | None, column: str) -> np.datetime64:
    """The day recency is counted to: the one given, else the day after the last purchase."""
    if known.size == 0:
        raise InputError(f"no readable date in column '{column}'")
    if given:
        return np.datetime64(given, "D")
    return known.max() + np.timedelta64(1, "D")  # type: ignore[no-any-return]


def _check_enough_customers(n_customers: int, n_used: int, n_lines: int) -> None:
    if n_customers < MIN_CUSTOMERS:
        raise InputError(
            f"only {n_customers} customers with purchases after cleaning "
            f"({n_used:,} of {n_lines:,} lines used); segmenting needs at least {MIN_CUSTOMERS}"
        )


def _money(
    frame: pd.DataFrame, columns: Columns
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Quantity, price and amount of each line; the amount is quantity x price when the log
    has no amount column, and None when it has neither (a log without amounts)."""
    quantity = _numbers(frame[columns.quantity], columns.quantity) if columns.quantity else None
    price = _numbers(frame[columns.price], columns.price) if columns.price else None
    amount: np.ndarray | None = None
    if columns.amount:
        amount = _numbers(frame[columns.amount], columns.amount)
    elif quantity is not None and price is not None:
        amount = quantity * price
    return quantity, price, amount


def _check_some_used(
    used: np.ndarray, set_aside: tuple[SetAside, ...], n: int, columns: Columns
) -> None:
    if not used.any():
        counts = ", ".join(f"{s.rows:,} {LABELS[s.reason]}" for s in set_aside if s.rows)
        raise InputError(
            f"no usable purchase lines after cleaning ({n:,} lines read; "
            f"set aside {counts}); check the columns chosen ({_columns_text(columns)})"
        )


def _customers(
    frame: pd.DataFrame,
    columns: Columns,
    customer: np.ndarray,
    ids: pd.Index,
    days: np.ndarray,
    amount: np.ndarray,
    used: np.ndarray,
    returned: np.ndarray,
    withdrawn: np.ndarray,
    as_of: np.datetime64,
) -> tuple[pd.DataFrame, pd.DataFrame, int, str]:
    """Per customer: R, F, M and friends from the purchase lines, returns from the rest.

    ``returned`` lines undo a purchase (C invoices, negative quantities: taken off spend);
    the ``withdrawn`` among them are purchases a status cancelled or returned (never in spend).
    The return share is what came back over what was bought, both ways.
    """
    lines, basis = _lines(frame, columns, customer, days, used)
    lines["amount"] = amount[used]
    group = lines.groupby("c", sort=True)
    gross = group["amount"].sum()
    back, undone = (
        _per_customer(np.abs(amount), customer, returned & ~withdrawn),
        _per_customer(amount, customer, withdrawn),
    )
    n_only_returns = int((~back.index.union(undone.index).isin(gross.index)).sum())
    back, undone = (
        back.reindex(gross.index, fill_value=0.0),
        undone.reindex(gross.index, fill_value=0.0),
    )
    table, orders = _visits(lines, columns, ids, as_of)
    table.insert(3, MONETARY, np.round(np.maximum(gross - back, 0.0).to_numpy(), 2))
    table.insert(4, AOV, np.round((gross / orders).to_numpy(), 2))
    share = np.minimum((back + undone) / (gross + undone), 1.0)
    table.insert(6, RETURNS, np.round(share.to_numpy(), 4))
    r = quintile_scores(table[RECENCY], higher_is_better=False)
    f = quintile_scores(table[FREQUENCY])
    m = quintile_scores(table[MONETARY])
    grid = np.array([[rfm_name(a, b) for b in range(1, 6)] for a in range(1, 6)], dtype=object)
    table[RFM_COLUMN] = grid[r - 1, (f + m) // 2 - 1]
    extra = pd.DataFrame({"r_score": r, "f_score": f, "m_score": m, **_span(lines)})
    return table, extra, n_only_returns, basis


def _visitors(
    frame: pd.DataFrame,
    columns: Columns,
    customer: np.ndarray,
    ids: pd.Index,
    days: np.ndarray,
    items: np.ndarray,
    used: np.ndarray,
    as_of: np.datetime64,
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Per customer of a log without amounts: recency, visits, items, tenure and products.
    R and F scores but no M, so no RFM names: items are not spend."""
    lines, basis = _lines(frame, columns, customer, days, used)
    lines["items"] = items[used]
    table, _ = _visits(lines, columns, ids, as_of)
    bought = lines.groupby("c", sort=True)["items"].sum().to_numpy()
    whole = bool(np.all(np.mod(bought, 1) == 0))
    table.insert(3, ITEMS, bought.astype(np.int64) if whole else np.round(bought, 2))
    r = quintile_scores(table[RECENCY], higher_is_better=False)
    f = quintile_scores(table[FREQUENCY])
    extra = pd.DataFrame({"r_score": r, "f_score": f, **_span(lines)})
    if not columns.invoice:
        basis = "distinct baskets, one per customer and day"
    return table, extra, basis


def _lines(
    frame: pd.DataFrame, columns: Columns, customer: np.ndarray, days: np.ndarray, used: np.ndarray
) -> tuple[pd.DataFrame, str]:
    """The purchase lines as codes: customer, day, order (invoice, else day) and product."""
    lines = pd.DataFrame({"c": customer[used], "day": days[used].astype(np.int64)})
    if columns.invoice:
        lines["order"] = pd.factorize(frame[columns.invoice].astype("str").str.strip())[0][used]
        basis = f"distinct invoices ({columns.invoice})"
    else:
        lines["order"] = lines["day"]
        basis = "distinct purchase days"
    if columns.product:
        lines["product"] = pd.factorize(frame[columns.product].astype("str").str.strip())[0][used]
    return lines, basis


def _visits(
    lines: pd.DataFrame, columns: Columns, ids: pd.Index, as_of: np.datetime64
) -> tuple[pd.DataFrame, pd.Series]:
    """Recency, frequency, tenure and products per customer (sorted by code); the orders."""
    group = lines.groupby("c", sort=True)
    first, last = group["day"].min(), group["day"].max()
    orders = lines.drop_duplicates(["c", "order"]).groupby("c", sort=True).size()
    today = int(as_of.astype(np.int64))
    table = pd.DataFrame(
        {
            columns.customer: ids[first.index.to_numpy()],
            RECENCY: (today - last).to_numpy(dtype=np.int64),
            FREQUENCY: orders.to_numpy(dtype=np.int64),
            TENURE: (today - first).to_numpy(dtype=np.int64),
        }
    )
    if columns.product:
        products = lines.drop_duplicates(["c", "product"]).groupby("c", sort=True).size()
        table[PRODUCTS] = products.to_numpy(dtype=np.int64)
    return table, orders


def _span(lines: pd.DataFrame) -> dict[str, np.ndarray]:
    """First and last purchase per customer as ISO dates, for customers.csv."""
    epoch = np.datetime64("1970-01-01", "D")
    group = lines.groupby("c", sort=True)["day"]
    first, last = (
        epoch + g.to_numpy().astype("timedelta64[D]") for g in (group.min(), group.max())
    )
    return {"first_purchase": first.astype(str), "last_purchase": last.astype(str)}


def _withdrawn(
    masks: dict[str, np.ndarray], marked: dict[str, np.ndarray], amount: np.ndarray
) -> np.ndarray:
    """Lines a status calls cancelled or returned that were themselves the purchase that did
    not stand: not in spend (nothing to take off), but in what the customer ordered."""
    withdrawn = np.zeros(len(amount), dtype=bool)
    for reason in set(RETURN_REASONS) & set(marked):
        withdrawn |= masks[reason] & marked[reason] & (amount > 0)
    return withdrawn


def _per_customer(values: np.ndarray, customer: np.ndarray, lines: np.ndarray) -> pd.Series:
    """Sum of ``values`` over ``lines`` per customer code (lines without a customer left out)."""
    pick = lines & (customer >= 0)
    return pd.Series(values[pick], index=customer[pick]).groupby(level=0).sum()


def _meanings(columns: Columns, basis: str, as_of: str) -> tuple[tuple[str, str], ...]:
    visits = [
        (RECENCY, f"days from the last purchase to {as_of}"),
        (FREQUENCY, f"{'orders' if columns.spend else 'visits'}: {basis}"),
    ]
    tenure = [(TENURE, f"days from the first purchase to {as_of}")]
    products = [(PRODUCTS, f"different products bought ({columns.product})")]
    products = products if columns.product else []
    if not columns.spend:
        each = f"the sum of {columns.quantity}" if columns.quantity else "lines, one item each"
        return (*visits, (ITEMS, f"items bought: {each}"), *tenure, *products)
    money = [
        (MONETARY, "purchases minus returns (not below 0)"),
        (AOV, "purchases divided by orders"),
    ]
    returns = [(RETURNS, "returned value as a share of purchases (0 to 1)")]
    rfm = [(RFM_COLUMN, "RFM grid name from the R, F and M quintile scores (1-5)")]
    return (*visits, *money, *tenure, *returns, *products, *rfm)


def _no_amounts(frame: pd.DataFrame, columns: Columns) -> str:
    """The reason's note for a log without amounts: what stands in for spend."""
    note = "; there are no amounts, so visits, items and products describe customers, not spend"
    if columns.quantity:
        return note
    repeated = int(frame.duplicated(keep="first").sum())
    if repeated:
        note += f" (each line is one item: {repeated:,} repeated lines are items bought again)"
    return note


def _explain(
    reason: str,
    mask: np.ndarray,
    frame: pd.DataFrame,
    columns: Columns,
    dates: _Dates,
    status: StatusReading | None,
    marked: dict[str, np.ndarray],
) -> str:
    text = REASONS[reason]
    if status and reason in marked and (mask & marked[reason]).any():
        said = f"{status.column} is " + " or ".join(
            v for v, r, _ in status.set_aside if r == reason
        )
        if (mask & ~marked[reason]).any():
            text += f"; also {said}"
        else:
            text = f"{said}: {_STATUS_REASONS[reason]}"
    if not columns.spend:  # a log without amounts has no return share
        text = text.replace("; counted in the return share", "")
    if reason == "non_product" and mask.any():
        name = columns.product or columns.description
        if name:
            seen = frame[name][mask].astype("str").str.strip().value_counts().index[:5]
            text += f" ({', '.join(str(v) for v in seen)})"
    if reason == "missing_date" and dates.example_unreadable:
        text += f" (e.g. '{dates.example_unreadable}')"
    return text


def _columns_text(columns: Columns) -> str:
    money = columns.amount or (f"{columns.quantity} × {columns.price}" if columns.spend else None)
    return f"customer {columns.customer}, date {columns.date}, amount {money or 'none'}"
