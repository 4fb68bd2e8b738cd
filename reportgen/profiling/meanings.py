"""What a column means, decided from its name and its values together, with the reason.

The profile's role says how a column is stored (a measure, a category, a flag); its meaning
says what it is about, which decides what the later stages may do with it: a calendar part, a
sequence number, contact data or an outcome must never be clustered, however numeric it looks;
a share is not skewed money; a birth year is an age.  A name alone never decides: every name
rule also checks the values (a "month" column must hold 1-12), and values alone decide only
where they cannot mislead (e-mail addresses, 0-1 shares, a level that says "cancelled").

Names are read in English plus the handful of Portuguese and Spanish words common in exports
(accents removed), as whole words, or as the start or end of a compound such as
``ORDERNUMBER``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MEANINGS = (
    "identifier",  # names a customer or a row: customer ids, surrogate keys, row numbers
    "sequence",  # order, invoice and line numbers
    "calendar",  # a calendar part: year, quarter, month, week, day of month, weekday, hour
    "contact",  # personal or contact data: names, phone, e-mail, address, postal code, city
    "money",  # an amount of money: spend, sales, income, charges, balance
    "count",  # how many: purchases, visits, products, contacts
    "share",  # a share or ratio between 0 and 1 (or 0-100%)
    "duration",  # tenure, recency, time spent
    "age",  # a customer's age (a birth year becomes an age)
    "household",  # people in the household: kids, teens, dependents
    "score",  # a score or rating on a fixed scale
    "outcome",  # churn, response, cancellation, subscription: a result to explain, 0/1 or yes/no
    "category",  # a category, as text or as codes
    "flag",  # a yes/no flag
    "text",  # free text
    "date",  # a date
    "constant",  # one value for everyone
    "measure",  # a number with no more specific meaning
)

# How the pipeline treats each meaning by default.
CLUSTERED = frozenset({"money", "count", "share", "duration", "score", "measure", "date"})
DESCRIBED = frozenset({"category", "flag", "age", "household", "calendar"})
NEVER_CLUSTERED = frozenset(
    {"identifier", "sequence", "calendar", "contact", "outcome", "text", "constant"}
)


@dataclass(frozen=True)
class Meaning:
    kind: str  # one of MEANINGS
    reason: str  # why, in plain words a user can check
    detail: str = ""  # e.g. "month", "birth year", "recency", "phone", "0-1"


@dataclass(frozen=True)
class Facts:
    """What the profile knows about one column, as the meaning rules need it."""

    name: str
    kind: str  # "numeric", "text", "date" or "bool"
    role: str  # the profile's role (identifier, numeric, categorical, binary, ...)
    role_reason: str  # and why
    n_present: int
    n_distinct: int
    n_rows: int = 0
    low: float | None = None  # numeric range
    high: float | None = None
    integral: bool = False
    levels: tuple[str, ...] = ()  # distinct values (stripped, lower case) when there are few
    sample: tuple[str, ...] = ()  # some present values as text, for pattern checks
    fraction_between: float = 0.0  # share of values strictly between 0 and 1 (numeric)

    @property
    def counts_from_zero(self) -> bool:
        """Whole numbers, none negative: what a count or a number of people looks like."""
        return self.kind == "numeric" and self.integral and self.low is not None and self.low >= 0


# --------------------------------------------------------------------------------- words


def words(name: str) -> tuple[tuple[str, ...], str]:
    """(lower-case word tokens, the whole name joined) with accents removed;
    ``camelCase``, ``snake_case`` and ``Title Case`` split ("MntWines" -> mnt, wines)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", plain)
    spaced = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", spaced)
    spaced = re.sub(r"([A-Za-z])([0-9])|([0-9])([A-Za-z])", r"\1\3 \2\4", spaced)
    tokens = tuple(t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t)
    return tokens, "".join(tokens)


# Compounds that contain a word without meaning it ("count" in "country", "account").
_FALSE_FRIENDS = {
    "count": ("country", "county", "account", "discount"),
    "order": ("border",),
    "rate": ("pirate", "karate", "corporate", "separate", "accurate", "strategy"),
    "name": ("rename",),
    "year": ("years",),
    "day": ("days", "today", "holiday", "birthday"),
    "month": ("months",),
    "city": ("capacity", "ethnicity", "velocity", "electricity", "publicity"),
}


# Words read only as whole words: as endings they are too common ("quantidade", "atividade",
# "capacidade" end in "idade" and "cidade").
_WHOLE_ONLY = frozenset({"idade", "edad", "cidade", "ciudad", "nota", "mail"})


def has_word(name: str, vocabulary: Iterable[str]) -> str | None:
    """The first word of ``vocabulary`` that ``name`` says: a whole token, or (four letters
    and more) the start or end of an all-in-one compound ("ORDERNUMBER" says order and
    number), or (seven letters and more) anywhere in it."""
    tokens, joined = words(name)
    for word in vocabulary:
        if word in tokens:
            return word
        if len(word) < 4 or word in _WHOLE_ONLY:
            continue
        if any(f in joined for f in _FALSE_FRIENDS.get(word, ())):
            continue
        compound = [t for t in tokens if len(t) > len(word)]
        for token in compound:
            if token.startswith(word) or token.endswith(word):
                return word
            if len(word) >= 7 and word in token:
                return word
    return None


# Vocabulary.  Each list is about a kind of column, never about one table.


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ID_END = ("id", "ids", "key", "uuid", "guid", "num", "number", "no", "nr", "code", "cod")
_ID_WHOLE = ("clientnum", "customernumber", "accountnumber", "membernumber")
_SEQUENCE = _w(
    "order orders invoice line row seq sequence serial ticket receipt transaction record "
    "pedido factura"
)
_QUANTITY = _w(
    "num number count cnt qty quantity qtde quantidade cantidad total sum avg average "
    "mean visits purchases spend spent since per last amount hours days months years "
    "minutes"
)
_CALENDAR = {
    "year": (("year", "yr", "ano", "anio", "jahr"), 1900, 2100),
    "quarter": (("quarter", "qtr", "trimestre"), 1, 4),
    "month": (("month", "mes", "mois", "monat"), 1, 12),
    "week": (("week", "wk", "semana"), 1, 53),
    "weekday": (("weekday", "dow", "dayofweek"), 0, 7),
    "day of month": (("day", "dia"), 1, 31),
    "hour": (("hour", "hr", "hora"), 0, 23),
}
_MONTH_NAMES = frozenset(
    "jan feb mar apr may jun jul aug sep oct nov dec january february march april june july "
    "august september october november december".split()
)
_WEEKDAY_NAMES = frozenset(
    "mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday".split()
)
_CONTACT = {
    "e-mail": ("email", "mail", "correo"),
    "phone": ("phone", "telephone", "tel", "mobile", "cell", "fax", "telefone", "telefono"),
    "street address": ("address", "addressline", "street", "addr", "endereco", "direccion"),
    "postal code": ("postal", "postcode", "zip", "zipcode", "cep", "plz"),
    "city": ("city", "town", "cidade", "ciudad", "ville"),
    "name": _w("name firstname lastname surname fullname contact nome nombre"),
}
# "Product Name" is a product, "Campaign name" a campaign
_NOT_PERSONAL = _w(
    "product item sku brand category segment store shop campaign plan channel file country "
    "state region card"
)
_BIRTH = ("birth", "yob", "born", "nascimento", "nacimiento", "birthyear")
_AGE = ("age", "idade", "edad")
_SCORE = ("score", "rating", "satisfaction", "nps", "stars", "grade", "nota", "review")
_SHARE = _w(
    "rate ratio share pct percent percentage proportion fraction utilization utilisation "
    "utilizacao taxa tasa porcentaje"
)
_RECENCY = ("recency", "recent", "since", "inactive", "inactivity", "inatividade", "dayssince")
_TENURE = ("tenure", "seniority", "antiguedad", "antiguidade", "membership")
_MEMBER = ("customer", "client", "cliente", "member", "account", "subscriber")
_HOUSEHOLD = _w(
    "kid kids kidhome teen teens teenhome child children dependents dependentes "
    "dependientes household family familia"
)
_DURATION = _w(
    "duration seconds secs minutes mins hour hours days weeks months years meses dias "
    "anos time tempo"
)
_MONEY = _w(
    "amount amt sales revenue spend spent spending price cost charges charge fee fees "
    "income salary wage wages earnings profit margin balance limit credit debt payment "
    "paid clv ltv mnt monetary cash cashback valor limite renda salario gasto preco "
    "precio importe usd eur gbp"
)
_COUNT = _w(
    "num number count cnt qty quantity qtde quantidade cantidad orders purchases visits "
    "transactions items units calls contacts contatos products produtos times logins "
    "sessions tickets complaints"
)
_OUTCOME = _w(
    "churn churned attrition attrited response responded subscribed deposit cancelled "
    "canceled cancellation target label converted conversion outcome exited default "
    "defaulted retained"
)
# Events whose date is blank until they happen: a cancellation date, a churn date.
_EVENT = _w(
    "cancellation cancelled canceled cancel churn churned attrition exit exited closed closure "
    "termination terminated cancelamento encerramento baja"
)
_OUTCOME_LEVEL = re.compile(
    r"^(cancel|churn|attrit|exit|closed|lost|left|terminat|defect|default|unsubscrib|"
    r"cancelad|encerrad|baja)"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s().\-/x]{7,}$")


# --------------------------------------------------------------------------------- rules


def decide(facts: Facts) -> Meaning:
    """The column's meaning: the first rule that applies."""
    for rule in (
        _constant,
        _contact,
        _structural,
        _outcome,
        _identifier,
        _sequence,
        _age,
        _household,
        _calendar,
        _score,
        _share,
        _duration,
        _counted,
        _money,
        _count,
    ):
        found = rule(facts)
        if found is not None:
            return found
    return _fallback(facts)


def _constant(f: Facts) -> Meaning | None:
    if f.role == "constant":
        return Meaning("constant", "the same value in every row")
    return None


def _structural(f: Facts) -> Meaning | None:
    event = has_word(f.name, _EVENT)
    if f.role == "date" and event and 0 < f.n_present < f.n_rows:
        return Meaning(
            "outcome",
            f"dates of an event (the name says '{event}'); a blank means it has not happened",
            "a date",
        )
    if f.role == "date" and not has_word(f.name, _BIRTH):
        return Meaning("date", f.role_reason)
    if f.role == "identifier":
        return Meaning("identifier", f.role_reason)
    return None


def _contact(f: Facts) -> Meaning | None:
    if f.kind == "text" and f.sample and _share_matching(f.sample, _EMAIL) >= 0.9:
        return Meaning("contact", "the values are e-mail addresses", "e-mail")
    head = _head(f.name)
    if not head or has_word(f.name, _NOT_PERSONAL) or _counts_things(f.name):
        return None
    for detail, vocabulary in _CONTACT.items():
        word = has_word(head, vocabulary)
        if word is None:
            continue
        if detail == "phone" and f.sample and _share_matching(f.sample, _PHONE) < 0.8:
            continue
        if detail == "name" and (f.kind != "text" or f.n_distinct < 5):
            continue
        if detail in ("city", "postal code") and f.kind == "numeric" and not f.integral:
            continue
        return Meaning("contact", f"the name says {detail} ('{word}'): personal data", detail)
    return None


_TRAILING = frozenset({"code", "number", "no", "nr", "num", "line", "id", "of"})


def _head(name: str) -> str:
    """The word a name is about: its last token, after numbering words and digits
    ("Postal Code" -> postal, "ADDRESSLINE1" -> addressline, "CityTier" -> tier)."""
    tokens, _ = words(name)
    rest = list(tokens)
    while len(rest) > 1 and (rest[-1] in _TRAILING or rest[-1].isdigit()):
        rest.pop()
    return rest[-1] if rest else ""


def _counts_things(name: str) -> bool:
    """ "NumberOfAddress", "num_children": a count of things, not the things."""
    tokens, _ = words(name)
    return bool(tokens) and tokens[0] in ("num", "number", "count", "n", "qty", "nb", "no")


def _outcome(f: Facts) -> Meaning | None:
    """A two-valued result such as churn or response: explained per segment, never clustered."""
    if f.role != "binary" and not (f.kind == "text" and len(f.levels) == 2):
        return None
    word = has_word(f.name, _OUTCOME)
    if f.name.strip().lower() == "y":  # the machine-learning convention for the target
        word = "y"
    if word:
        return Meaning("outcome", f"a yes/no result (the name says '{word}')")
    said = [level for level in f.levels if _OUTCOME_LEVEL.match(level)]
    if len(said) == 1:
        return Meaning("outcome", f"a two-valued result: one value is '{said[0]}'", said[0])
    return None


def _identifier(f: Facts) -> Meaning | None:
    """Unique numbers with an id-like name (Loyalty Number, CLIENTNUM) label customers."""
    if f.kind not in ("numeric", "text") or f.n_present == 0:
        return None
    unique = f.n_distinct >= 0.95 * f.n_present and f.n_present >= 20
    tokens, joined = words(f.name)
    named = bool(tokens) and (tokens[-1] in _ID_END or joined in _ID_WHOLE)
    if unique and named and not has_word(f.name, _QUANTITY[:8]):
        return Meaning("identifier", f"unique values and the name '{f.name}' reads as a number")
    if unique and f.kind == "numeric" and f.integral and f.low is not None and f.high is not None:
        digits = (len(str(int(f.low))), len(str(int(f.high))))
        if digits[0] == digits[1] >= 6 and f.low > 0:
            return Meaning("identifier", f"unique {digits[0]}-digit numbers: a code, not a measure")
    return None


def _sequence(f: Facts) -> Meaning | None:
    """Order, invoice and line numbers count documents, not customers' behaviour."""
    if f.kind != "numeric" or not f.integral:
        return None
    word = has_word(f.name, _SEQUENCE)
    tokens, _ = words(f.name)
    numbered = has_word(f.name, ("number", "num", "no", "nr", "id", "seq"))
    if word and (numbered or tokens == (word,)):
        return Meaning("sequence", f"the name says {word} number: it numbers documents or lines")
    return None


def _age(f: Facts) -> Meaning | None:
    if f.kind == "date" and has_word(f.name, _BIRTH):
        return Meaning("age", "dates of birth: read as an age", "birth date")
    if f.kind != "numeric" or f.low is None or f.high is None:
        return None
    if has_word(f.name, _BIRTH) and 1880 <= f.low and f.high <= 2030:
        return Meaning("age", "birth years: read as an age", "birth year")
    word = has_word(f.name, _AGE)
    if word and 0 <= f.low and f.high <= 120 and not has_word(f.name, _QUANTITY):
        return Meaning("age", f"the name says '{word}' and the values are 0-120")
    return None


def _household(f: Facts) -> Meaning | None:
    """Kids and dependents describe who the customer is, not how they buy."""
    if not f.counts_from_zero:
        return None
    word = has_word(f.name, _HOUSEHOLD)
    if word and f.high is not None and f.high <= 20:
        return Meaning("household", f"the name says '{word}': people in the household")
    return None


def _calendar(f: Facts) -> Meaning | None:
    """A year, month or weekday alone is a point in the calendar, not an amount."""
    if f.kind == "text" and f.levels and len(f.levels) >= 3:
        if set(f.levels) <= _MONTH_NAMES:
            return Meaning("calendar", "the values are month names", "month")
        if set(f.levels) <= _WEEKDAY_NAMES:
            return Meaning("calendar", "the values are weekday names", "weekday")
    if f.kind != "numeric" or not f.integral or f.low is None or f.high is None:
        return None
    tokens, _ = words(f.name)
    rest = [t for t in tokens if t not in ("id", "no", "num", "code", "of", "the")]
    for detail, (vocabulary, low, high) in _CALENDAR.items():
        word = has_word(f.name, vocabulary)
        if word is None or has_word(f.name, _QUANTITY):
            continue
        last = rest[-1] if rest else ""
        if (last == word or last.endswith(word)) and low <= f.low and f.high <= high:
            return Meaning(
                "calendar",
                f"the name says {detail} ('{word}') and the values are "
                f"{_num(f.low)}-{_num(f.high)}",
                detail,
            )
    return None


def _score(f: Facts) -> Meaning | None:
    if f.kind != "numeric" or f.low is None or f.high is None:
        return None
    word = has_word(f.name, _SCORE)
    if word and f.low >= -10 and f.high <= 100:
        return Meaning("score", f"the name says '{word}': a score on a fixed scale")
    return None


def _share(f: Facts) -> Meaning | None:
    if f.kind != "numeric" or f.low is None or f.high is None:
        return None
    if 0 <= f.low and f.high <= 1 and not f.integral and f.fraction_between >= 0.2:
        return Meaning("share", "values between 0 and 1: a share or ratio", "0-1")
    word = has_word(f.name, _SHARE)
    if word and 0 <= f.low and f.high <= 100 and not has_word(f.name, _MONEY):
        scale = "0-1" if f.high <= 1 else "0-100"
        return Meaning("share", f"the name says '{word}' and the values are {scale}", scale)
    return None


def _duration(f: Facts) -> Meaning | None:
    if f.kind != "numeric" or f.low is None or f.low < 0:
        return None
    timed = has_word(f.name, _DURATION)
    word = has_word(f.name, _RECENCY)
    if word or (timed and has_word(f.name, ("last", "ultima", "ultimo"))):
        return Meaning("duration", f"the name says recency ('{word or 'last'}')", "recency")
    word = has_word(f.name, _TENURE)
    if word or (timed and has_word(f.name, _MEMBER)):
        said = word or has_word(f.name, _MEMBER)
        return Meaning("duration", f"the name says tenure ('{said}')", "tenure")
    if timed:
        return Meaning("duration", f"the name says a duration ('{timed}')", "duration")
    return None


_COUNT_HEADS = _w("trx txn txns count cnt qty num number orders purchases transactions visits")


def _counted(f: Facts) -> Meaning | None:
    """ "AMOUNT_TRX", "sales_count": whole numbers whose last word says they count things."""
    if not f.counts_from_zero:
        return None
    tokens, _ = words(f.name)
    if len(tokens) > 1 and tokens[-1] in _COUNT_HEADS:
        return Meaning("count", f"whole numbers and the name ends in '{tokens[-1]}': a count")
    return None


def _money(f: Facts) -> Meaning | None:
    if f.kind != "numeric":
        return None
    word = has_word(f.name, _MONEY) or ("currency" if re.search(r"[$€£¥₹]", f.name) else None)
    if word:
        return Meaning("money", f"the name says an amount of money ('{word}')")
    return None


def _count(f: Facts) -> Meaning | None:
    if not f.counts_from_zero or f.low is None:
        return None
    word = has_word(f.name, _COUNT)
    if word:
        return Meaning("count", f"whole numbers from {_num(f.low)} and the name says '{word}'")
    return None


def _fallback(f: Facts) -> Meaning:
    if f.role == "binary":
        return Meaning("flag", "two values: a yes/no flag")
    if f.role in ("categorical", "coded_category"):
        return Meaning(
            "category", "a category" + (" coded as numbers" if f.kind == "numeric" else "")
        )
    if f.role == "text":
        return Meaning("text", "free text: nearly every value differs")
    if f.kind == "numeric" and f.integral and f.low in (0, 1) and (f.high or 0) <= 100:
        return Meaning("count", f"whole numbers {_num(f.low)}-{_num(f.high or 0)}: read as a count")
    return Meaning("measure", "a number with no more specific meaning in its name")


def _share_matching(sample: tuple[str, ...], pattern: re.Pattern[str]) -> float:
    return sum(1 for v in sample if pattern.match(v.strip())) / len(sample)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
