"""Shared fixtures: paths to the real tables and a generator of tables with known segments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "mall_customers.csv"


DATA = ROOT / "tests" / "data"  # copies of ../shared/data (see its README for provenance)
MALL = SAMPLE
PERSONALITY = DATA / "customer_personality.tsv"
WHOLESALE = DATA / "wholesale_customers.csv"
ECOMMERCE = DATA / "ecommerce_churn.xlsx"
RETAIL = DATA / "logs" / "retail_transactions.csv"  # logs apart: DATA/*.csv are tables
GROCERIES = DATA / "groceries_baskets.csv"  # a transaction log: baskets of items, no amounts
TELCO = DATA / "telco_customer_churn.csv"
CLIENTES = DATA / "clientes_banco_latin1.csv"
AIRLINE = DATA / "airline_loyalty_history.csv"
RESPONSE = DATA / "retail_response.csv"  # the companion of the retail log: id and response only
SUPERSTORE = DATA / "logs" / "superstore_orders_cp1252.csv"
LOGS = frozenset({GROCERIES})  # the copies that are transaction logs, not customer tables


def blobs(
    k: int, *, n: int = 1500, p: int = 4, seed: int = 0, skewed: bool = True, min_gap: float = 3.0
) -> tuple[pd.DataFrame, np.ndarray]:
    """A table with ``k`` known segments of uneven size; skewed values are exp of the blobs."""
    rng = np.random.default_rng(seed)
    weights = 0.05 + rng.dirichlet(np.ones(k) * 2) * (1 - 0.05 * k)
    sizes = rng.multinomial(n, weights)
    while True:
        centers = rng.uniform(-6, 6, size=(k, p))
        gaps = np.sqrt(((centers[:, None] - centers[None]) ** 2).sum(-1))
        gaps[np.diag_indices(k)] = np.inf
        if gaps.min() > min_gap:
            break
    X = np.vstack([rng.normal(c, 0.45, size=(s, p)) for c, s in zip(centers, sizes, strict=True)])
    truth = np.repeat(np.arange(k), sizes)
    order = rng.permutation(len(X))
    X, truth = X[order], truth[order]
    values = np.exp(X / 1.5 + 3) if skewed else X * 10 + 50
    frame = pd.DataFrame(np.round(values, 2), columns=[f"measure_{i + 1}" for i in range(p)])
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(frame))])
    return frame, truth
