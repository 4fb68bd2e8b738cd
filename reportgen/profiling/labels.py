"""Readable labels for column names, for the words of names, stories and charts.

``ORDER_TRX`` reads "order transactions", ``Annual Income (k$)`` reads "annual income" with
the unit "k$" kept apart, ``NumWebPurchases`` reads "web purchases", ``MntWines`` "spend on
wines".  Tables keep the raw name beside the label, so a reader can map one to the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportgen.formatting import MAX_TEXT_LENGTH, clip

# Export abbreviations and the words they stand for (lower case).
_ABBREVIATIONS = {
    "trx": "transactions",
    "txn": "transactions",
    "txns": "transactions",
    "tx": "transactions",
    "trans": "transactions",
    "qty": "quantity",
    "amt": "amount",
    "cnt": "count",
    "avg": "average",
    "prod": "product",
    "prods": "products",
    "cust": "customer",
    "acct": "account",
    "dept": "department",
    "cat": "category",
    "pct": "percent",
    "perc": "percent",
    "nbr": "number",
    "yrs": "years",
    "mths": "months",
    "mos": "months",
    "hrs": "hours",
    "mins": "minutes",
    "secs": "seconds",
    "cmp": "campaign",
    "tot": "total",
    "bal": "balance",
    "freq": "frequency",
}
_KEEP_UPPER = frozenset({"clv", "ltv", "rfm", "nps", "id", "aov", "arpu", "vip", "sms"})
# reportgen's own derived columns (transaction logs), in words
_KNOWN = {
    "recency_days": "days since last purchase",
    "frequency_orders": "orders",
    "monetary_spend": "spend",
    "avg_order_value": "average order value",
    "tenure_days": "days as a customer",
    "return_share": "share returned",
    "distinct_products": "distinct products",
    "items_bought": "items bought",
}
# Words an all-capitals compound may be made of ("QUANTITYORDERED" = quantity + ordered).
_VOCABULARY = frozenset(
    "order orders ordered line number customer name price each quantity sales status product "
    "code type deal size date year month day quarter contact first last phone address postal "
    "city state country territory amount total value count spend income age tenure invoice "
    "item items unit units discount profit category segment region store channel".split()
)
_LONGEST_WORD = max(map(len, _VOCABULARY))  # no known word starts a compound past this
# Where words meet, as zero-width matches: each position is looked at once, so a name of
# 10,000 capitals or letters costs linear time (a group such as ([A-Z]+) would rescan the
# rest of the run from every position).  "ABCWord" -> "ABC Word"; "Top10Items" ->
# "Top 10 Items" (at least two letters on the letters' side).
_CAPS_WORD = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])")
_LETTERS_DIGITS = re.compile(r"(?<=[A-Za-z]{2})(?=\d)|(?<=\d)(?=[A-Za-z]{2})")
_PERIODS = ("day", "hour", "week", "month", "year", "minute", "second")
# "(k$)", "[%]": a unit in brackets (innermost, and spaces taken from the start of their run,
# so that no run of brackets or spaces is scanned again from each of its positions)
_UNIT = re.compile(r"(?<!\s)\s*[\(\[]([^()\[\]]*)[\)\]]\s*")
_COUNT_PREFIXES = ("num", "number", "n", "nb", "count", "cnt", "no")


@dataclass(frozen=True)
class Label:
    text: str  # "annual income"
    unit: str  # "k$", "" when none

    def __str__(self) -> str:
        return self.text


def label(name: str) -> Label:
    """The column name as words a marketer would write (lower case, units apart)."""
    if name in _KNOWN:
        return Label(_KNOWN[name], "")
    if name.endswith(" tenure (days)"):  # a date turned into days (features.py)
        words = [w for w in _split(name[: -len(" tenure (days)")]) if w not in ("dt", "date")]
        return Label(" ".join([*words, "tenure"]), "days")
    units = _UNIT.findall(name)
    base = _UNIT.sub(" ", name).strip() or name
    words = _split(base)
    if len(words) > 1 and words[0] in _COUNT_PREFIXES:
        words = words[1:]
        if words and words[0] == "of":
            words = words[1:]
    if len(words) > 1 and words[0] == "mnt":  # "MntWines": amount spent on wines
        words = ["spend", "on", *words[1:]]
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    words = _per_period(_periods_first(words))
    text = " ".join(w.upper() if _upper(w) else w for w in words) or name.strip()
    return Label(text, ", ".join(u for u in units if u and not _is_range(u)))


def _upper(word: str) -> bool:
    """Acronyms and codes such as a quarter or half ("Q4", "H1") stay in capitals."""
    return word in _KEEP_UPPER or bool(_CODE.fullmatch(word))


_CODE = re.compile(r"[a-z]\d{1,2}")


def text(name: str) -> str:
    return label(name).text


def shown(name: str, limit: int = MAX_TEXT_LENGTH) -> str:
    """The label as the reader sees it: cut at ``limit`` characters (read from the name's
    first few times ``limit`` characters, so a name of any length costs the same)."""
    return clip(text(clip(name, 4 * limit)), limit)


def _split(name: str) -> list[str]:
    """Words of a name: camelCase, snake_case, digits and all-caps compounds split."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    spaced = _CAPS_WORD.sub(" ", spaced)
    spaced = _LETTERS_DIGITS.sub(" ", spaced)
    words = [w.lower() for w in re.split(r"[\s_\-./]+", spaced) if w]
    return [part for w in words for part in _compound(w)]


def _compound(word: str) -> list[str]:
    """An all-in-one word split into known words, if it is made of them: the longest first
    word whose rest splits too ("ORDERNUMBER" -> order, number).

    Read from the end, each position once, so that a name of 10,000 letters costs linear
    time and no recursion ("order" * 2000 was a RecursionError)."""
    if len(word) < 8 or word in _VOCABULARY:
        return [word]
    n = len(word)
    cuts = [0] * (n + 1)  # cuts[i]: length of the first word of word[i:] (0: it does not split)
    for i in range(n - 3, -1, -1):
        if n - i <= _LONGEST_WORD and word[i:] in _VOCABULARY:
            cuts[i] = n - i  # a known word is not split further
            continue
        if n - i < 8:
            continue
        for cut in range(min(n - i - 3, _LONGEST_WORD), 3, -1):
            if cuts[i + cut] and word[i : i + cut] in _VOCABULARY:
                cuts[i] = cut
                break
    if not cuts[0]:
        return [word]
    parts, i = [], 0
    while i < n:
        parts.append(word[i : i + cuts[i]])
        i += cuts[i]
    return parts


def _periods_first(words: list[str]) -> list[str]:
    """ "day since last order" -> "days since ..."; "hour spend on app" -> "hours spent on"."""
    if len(words) > 1 and words[0] in _PERIODS and words[1] in ("since", "spend", "spent"):
        return [words[0] + "s", "spent" if words[1] == "spend" else words[1], *words[2:]]
    return words


def _per_period(words: list[str]) -> list[str]:
    """ "web visits month" -> "web visits per month" (a count over a period)."""
    if len(words) > 2 and words[-1] in _PERIODS and words[-2].endswith("s") and words[-2] != "per":
        return [*words[:-1], "per", words[-1]]
    return words


def _is_range(unit: str) -> bool:
    """ "1-100" describes a scale, not a unit worth repeating."""
    return bool(re.fullmatch(r"\s*-?\d+(\.\d+)?\s*[-–]\s*-?\d+(\.\d+)?\s*", unit))
