"""Marketing roles of features (spend, frequency, recency, ...) from meaning, name and values.

A role gives a feature its words in segment names ("big spenders") and links it to playbook
rules.  A role is given only where the column's meaning supports it: spend and income are
money, frequency is a count, satisfaction is a score, recency and tenure are durations.  A
column whose role is unsure gets none (its readable label is used instead), since a wrong
role writes a wrong recommendation.  The config's ``[roles]`` table overrides any of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reportgen.profiling.labels import text as label_text
from reportgen.profiling.meanings import has_word


@dataclass(frozen=True)
class RoleWords:
    """Words for a segment that is high or low on a feature with this role."""

    high_adj: str
    low_adj: str
    high_noun: str
    low_noun: str


WORDS: dict[str, RoleWords] = {
    "recency": RoleWords("Lapsed", "Recently active", "lapsed customers", "recent buyers"),
    "tenure": RoleWords("Long-standing", "Newer", "long-time customers", "newcomers"),
    "complaints": RoleWords("Dissatisfied", "Content", "complainers", "content customers"),
    "satisfaction": RoleWords("Satisfied", "Unsatisfied", "happy customers", "unhappy customers"),
    "campaign_response": RoleWords(
        "Campaign-responsive", "Campaign-averse", "campaign responders", "campaign skippers"
    ),
    "discount_use": RoleWords("Deal-seeking", "Full-price", "deal seekers", "full-price buyers"),
    "web_use": RoleWords("Online-first", "Offline", "web shoppers", "offline shoppers"),
    "store_use": RoleWords("In-store", "Remote", "store regulars", "remote shoppers"),
    "catalog_use": RoleWords(
        "Catalogue-loving", "Catalogue-averse", "catalogue shoppers", "catalogue skippers"
    ),
    "usage": RoleWords("Highly engaged", "Lightly engaged", "heavy users", "light users"),
    "frequency": RoleWords("Frequent", "Occasional", "frequent buyers", "occasional buyers"),
    "breadth": RoleWords("Multi-product", "Single-product", "broad buyers", "narrow buyers"),
    "contacts": RoleWords(
        "Often-in-touch", "Rarely-in-touch", "frequent callers", "quiet customers"
    ),
    "income": RoleWords("Affluent", "Budget", "high earners", "low earners"),
    "credit": RoleWords("High-limit", "Low-limit", "high-limit customers", "low-limit customers"),
    "balance": RoleWords("High-balance", "Low-balance", "savers", "low-balance customers"),
    "spend": RoleWords("High-spending", "Low-spending", "big spenders", "light spenders"),
    "returns": RoleWords("Return-prone", "Keep-it", "frequent returners", "keepers"),
    "age": RoleWords("Older", "Young", "older customers", "young customers"),
    "household": RoleWords("Family", "Child-free", "families", "child-free households"),
}

# Name words per role, checked in this order within a meaning.  They describe kinds of
# columns ("deals", "web"), never one table's own column names.
_SPEND = (
    "spend spent spending sales amount amounts purchase purchases purchased mnt monetary value "
    "revenue charges charge bill billing payment payments paid clv ltv valor gasto gastos "
    "transacoes transactions compras"
).split()
_MONEY_ROLES = (
    ("income", "income salary wage wages earnings renda salario ingresos".split()),
    ("discount_use", "cashback rebate discount discounts coupon coupons".split()),
    ("credit", "limit limite credit".split()),
    ("balance", "balance saldo savings deposits".split()),
    ("spend", _SPEND),
)
_COUNT_ROLES = (
    ("complaints", "complaint complaints complain ticket tickets".split()),
    ("discount_use", "deal deals discount discounts coupon coupons promo voucher".split()),
    ("web_use", "web online website site app digital".split()),
    ("store_use", "store stores shop instore offline".split()),
    ("catalog_use", "catalog catalogue".split()),
    ("contacts", "contact contacts contatos calls call".split()),
    ("breadth", "products produtos product categories distinct".split()),
    (
        "frequency",
        "purchases orders order transactions transacoes visits trips invoices frequency "
        "compras baskets trx txn txns".split(),
    ),
)
_SHARE_ROLES = (
    ("discount_use", "discount discounts deal deals coupon promo".split()),
    ("returns", "return returns returned refund refunds".split()),
    ("usage", "utilization utilisation utilizacao usage use".split()),
)
_LAST = ("last", "latest", "recent", "ultima", "ultimo")
_ONLINE = ("app", "web", "online", "website", "site", "digital")
_NEGATIVE_OUTCOME = re.compile(r"churn|attrit|cancel|exit|default|clos|lost|left|terminat|baja")


# A change between periods (growth, a Q4/Q1 ratio) is not the level of anything.
_CHANGE = (
    "change changes mudanca mudancas growth hike increase decrease variation delta diff "
    "difference ratio trend variacao cambio"
).split()


def role_for(name: str, meaning: str, detail: str = "", kind: str = "numeric") -> str | None:
    """The marketing role of a feature, or None when its meaning does not support one."""
    if has_word(name, _CHANGE):
        return None
    if kind == "tenure_days":  # a date turned into days: since joining, or since last buying
        return "recency" if has_word(name, _LAST) else "tenure"
    if meaning == "duration":
        if detail in ("recency", "tenure"):
            return detail
        return "usage" if has_word(name, _ONLINE) or has_word(name, ("spent", "spend")) else None
    if meaning == "money":
        return _first(name, _MONEY_ROLES)
    if meaning == "measure":  # a number with no clearer meaning: only a plain name decides
        return _first(name, (_MONEY_ROLES[-1], _COUNT_ROLES[-1]))
    if meaning == "count":
        return _first(name, _COUNT_ROLES)
    if meaning == "share":
        return _first(name, _SHARE_ROLES)
    if meaning == "score":
        if has_word(name, ("satisfaction", "nps", "rating", "review", "csat", "happiness")):
            return "satisfaction"
        return "spend" if has_word(name, ("spend", "spending", "spent")) else None
    if meaning in ("age", "household"):
        return meaning
    return None


def outcome_role(label: str, level: str) -> str:
    """ "churn_outcome" for an outcome a marketer wants low (churn, cancellation), else
    "response_outcome" (response, subscription, conversion)."""
    said = f"{label} {level}".lower()
    return "churn_outcome" if _NEGATIVE_OUTCOME.search(said) else "response_outcome"


def _first(name: str, roles: Iterable[tuple[str, list[str]]]) -> str | None:
    for role, vocabulary in roles:
        if has_word(name, vocabulary):
            return role
    return None


def assign_roles(
    features: Iterable[tuple[str, str, str, str]], overrides: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """Role per feature (name, meaning, detail, kind): config overrides first."""
    overrides = overrides or {}
    return {
        name: overrides.get(name, role_for(name, meaning, detail, kind))
        for name, meaning, detail, kind in features
    }


def words_for(name: str, role: str | None, direction: str) -> tuple[str, str]:
    """(adjective, noun phrase) for a segment that is ``direction`` on feature ``name``."""
    direction = role_direction(name, role, direction)
    if role in WORDS:
        w = WORDS[role]
        return (w.high_adj, w.high_noun) if direction == "high" else (w.low_adj, w.low_noun)
    label = short_label(name)
    if " " in label:  # "High-mudanças transacoes q4 q1 customers" reads as a typo
        return f"{direction.capitalize()} {label}", f"customers with {direction} {label}"
    if direction == "high":
        return f"High-{label}", f"high-{label} customers"
    return f"Low-{label}", f"low-{label} customers"


def short_label(name: str, limit: int = 28) -> str:
    """A column's readable label, shortened at a word for running text."""
    label = label_text(name)
    if len(label) <= limit:
        return label
    cut = label[:limit].rsplit(" ", 1)[0]
    return cut or label[:limit]


def tokens(name: str) -> list[str]:
    """Lower-case word tokens of a column name, splitting camelCase and punctuation."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", spaced)
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]
    joined = "".join(parts)
    return [*parts, joined]


_BIRTH_TOKENS = ("birth", "yearbirth", "yob", "born")


def role_direction(name: str, role: str | None, direction: str) -> str:
    """Direction in the role's own sense: a late birth year (clustered with --feature) means a
    young customer."""
    if role == "age" and any(t in _BIRTH_TOKENS for t in tokens(name)):
        return "low" if direction == "high" else "high"
    return direction
