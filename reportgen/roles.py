"""Marketing roles of features (income, spend, recency, ...) recognised from column names.

A role gives a feature its words in segment names ("Affluent", "big spenders") and links it to
playbook rules.  Names are matched on word tokens, so ``MntWines`` and ``Annual Income (k$)``
are recognised; the config's ``[roles]`` table overrides any guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RoleWords:
    """Words for a segment that is high or low on a feature with this role."""

    high_adj: str
    low_adj: str
    high_noun: str
    low_noun: str


# Order matters: the first role whose tokens match wins (recency before frequency, etc.).
ROLE_TOKENS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("recency", ("recency", "recent", "lastpurchase", "dayssince", "lastorder", "inactive")),
    ("tenure", ("tenure", "since", "joined", "signup", "dtcustomer", "membership", "seniority")),
    ("complaints", ("complain", "complaint", "complaints", "ticket", "tickets", "churn")),
    (
        "campaign_response",
        ("response", "accepted", "acceptedcmp", "campaign", "cmp", "responded", "conversion"),
    ),
    ("discount_use", ("deal", "deals", "discount", "coupon", "coupons", "promo", "voucher")),
    ("web_use", ("web", "online", "website", "app", "digital", "visits")),
    ("store_use", ("store", "shop", "instore", "offline")),
    ("catalog_use", ("catalog", "catalogue", "mail")),
    (
        "frequency",
        (
            "frequency",
            "freq",
            "purchases",
            "orders",
            "transactions",
            "visits",
            "count",
            "num",
            "trips",
            "invoices",
        ),
    ),
    ("income", ("income", "salary", "earnings", "wage", "wealth", "revenue")),
    (
        "spend",
        (
            "spend",
            "spending",
            "spent",
            "amount",
            "monetary",
            "mnt",
            "sales",
            "value",
            "purchase",
            "basket",
            "clv",
            "ltv",
            "fresh",
            "milk",
            "grocery",
            "frozen",
            "detergents",
            "delicassen",
            "delicatessen",
            "wines",
            "fruits",
            "meat",
            "fish",
            "sweet",
            "gold",
        ),
    ),
    ("age", ("age", "birth", "yearbirth", "yob", "born")),
    (
        "household",
        ("kid", "kids", "kidhome", "teen", "teenhome", "children", "child", "household", "family"),
    ),
)

WORDS: dict[str, RoleWords] = {
    "recency": RoleWords("Lapsed", "Recently active", "lapsed customers", "recent buyers"),
    "tenure": RoleWords("Long-standing", "Newer", "long-time customers", "newcomers"),
    "complaints": RoleWords("Dissatisfied", "Content", "complainers", "content customers"),
    "campaign_response": RoleWords(
        "Campaign-responsive", "Campaign-averse", "campaign responders", "campaign skippers"
    ),
    "discount_use": RoleWords("Deal-seeking", "Full-price", "deal seekers", "full-price buyers"),
    "web_use": RoleWords("Online-first", "Offline", "web shoppers", "offline shoppers"),
    "store_use": RoleWords("In-store", "Remote", "store regulars", "remote shoppers"),
    "catalog_use": RoleWords(
        "Catalogue-loving", "Catalogue-averse", "catalogue shoppers", "catalogue skippers"
    ),
    "frequency": RoleWords("Frequent", "Occasional", "frequent buyers", "occasional buyers"),
    "income": RoleWords("Affluent", "Budget", "high earners", "low earners"),
    "spend": RoleWords("High-spending", "Low-spending", "big spenders", "light spenders"),
    "age": RoleWords("Older", "Young", "older customers", "young customers"),
    "household": RoleWords("Family", "Child-free", "families", "child-free households"),
}

# A birth year grows as the customer gets younger, so its direction is flipped for words and
# playbook rules; see ``role_direction``.
_BIRTH_TOKENS = ("birth", "yearbirth", "yob", "born")


def tokens(name: str) -> list[str]:
    """Lower-case word tokens of a column name, splitting camelCase and punctuation."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]
    joined = "".join(parts)
    return [*parts, joined]


def guess_role(name: str) -> str | None:
    """The marketing role a column name suggests, or None."""
    toks = tokens(name)
    joined = toks[-1]
    for role, keys in ROLE_TOKENS:
        for key in keys:
            # whole tokens only ("count" must not match "Country"); long compound keys such
            # as "dayssince" may also sit inside a longer name ("days_since_last_purchase")
            if key in toks or (len(key) >= 8 and key in joined):
                return role
    return None


def assign_roles(
    names: Iterable[str], overrides: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """Role per feature name: config overrides first, then name guesses."""
    overrides = overrides or {}
    return {name: overrides.get(name, guess_role(name)) for name in names}


def role_direction(name: str, role: str | None, direction: str) -> str:
    """Direction in the role's own sense: a late birth year means a young customer."""
    if role == "age" and any(t in _BIRTH_TOKENS for t in tokens(name)):
        return "low" if direction == "high" else "high"
    return direction


def words_for(name: str, role: str | None, direction: str) -> tuple[str, str]:
    """(adjective, noun phrase) for a segment that is ``direction`` on feature ``name``."""
    direction = role_direction(name, role, direction)
    if role in WORDS:
        w = WORDS[role]
        return (w.high_adj, w.high_noun) if direction == "high" else (w.low_adj, w.low_noun)
    label = short_label(name)
    if direction == "high":
        return f"High-{label}", f"high-{label} customers"
    return f"Low-{label}", f"low-{label} customers"


def short_label(name: str, limit: int = 24) -> str:
    """A column name shortened for running text (units in brackets dropped)."""
    label = re.sub(r"\s*[\(\[].*?[\)\]]\s*", " ", name).replace("_", " ").strip() or name
    return label if len(label) <= limit else label[: limit - 1] + "…"
