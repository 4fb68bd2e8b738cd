"""The RFM grid: quintile scores of recency, frequency and money, and the usual names of its
cells ("Champions", "At risk", "Lost"...).  Used where a transaction log is turned into
customers (each customer's RFM name) and where segments are named (a segment most of whose
customers share a cell takes its name).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# The RFM grid names, best first.
RFM_NAMES = (
    "Champions",
    "Loyal",
    "Potential loyalist",
    "New",
    "Promising",
    "Need attention",
    "About to sleep",
    "At risk",
    "Can't lose them",
    "Hibernating",
    "Lost",
)


def rfm_name(r: int, fm: int) -> str:
    """The RFM grid name for a recency score and a combined frequency/monetary score (1..5).

    The usual grid: champions recent and valuable, can't-lose-them valuable but long gone,
    lost neither recent nor valuable, and so on.
    """
    if r <= 2:
        if fm == 5:
            return "Can't lose them"
        if fm >= 3:
            return "At risk"
        return "Lost" if r == 1 and fm == 1 else "Hibernating"
    if r == 3:
        return "Loyal" if fm >= 4 else "Need attention" if fm == 3 else "About to sleep"
    if fm >= 4:
        return "Champions" if r == 5 else "Loyal"
    if fm >= 2:
        return "Potential loyalist"
    return "New" if r == 5 else "Promising"


def quintile_scores(values: pd.Series, higher_is_better: bool = True) -> np.ndarray:
    """Each customer's quintile score 1..5 (5 = most recent, most frequent, most spent)."""
    ranks = (values if higher_is_better else -values).rank(pct=True, method="average")
    return np.clip(np.ceil(ranks.to_numpy() * 5), 1, 5).astype(int)
