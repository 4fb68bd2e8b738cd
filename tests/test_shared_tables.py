"""Every real table of the shared data folder, run with no flags: read as a log or a customer
table as it should be, its key columns' meanings, the features used, and no calendar part,
sequence number, contact data, identifier or outcome among them.

Golden figures come from the tables' documentation (../shared/data/README.md) and from plain
pandas, not from reportgen.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from reportgen import Config, run
from reportgen.errors import InputError
from reportgen.pipeline import RunResult
from tests.conftest import (
    AIRLINE,
    CLIENTES,
    DATA,
    ECOMMERCE,
    GROCERIES,
    MALL,
    PERSONALITY,
    RESPONSE,
    RETAIL,
    SUPERSTORE,
    TELCO,
    WHOLESALE,
    DefaultRuns,
)

NEVER_CLUSTERED = {"calendar", "sequence", "contact", "identifier", "outcome", "text", "constant"}


@pytest.fixture(scope="module")
def results(
    tmp_path_factory: pytest.TempPathFactory, default_run: DefaultRuns
) -> dict[str, RunResult]:
    """One run per table with no flags (no HTML or PDF: the reading is what is tested), but the
    tables other files report on too: their session run with no flags (the same results)."""
    shared = (MALL, PERSONALITY, WHOLESALE, TELCO, SUPERSTORE, GROCERIES)
    found = {path.stem: default_run(path).result for path in shared}
    for path in (RETAIL, ECOMMERCE, CLIENTES, AIRLINE):
        out = tmp_path_factory.mktemp("shared") / path.stem
        found[path.stem] = run(Config.build(input=path, out=out, formats=()))
    return found


def meanings(result: RunResult) -> dict[str, str]:
    return {c.name: c.meaning for c in result.profile.columns}


def features(result: RunResult) -> list[str]:
    return [s.column for s in result.features.specs]


def outcomes(result: RunResult) -> dict[str, Any]:
    return {o.column: o for o in result.features.descriptors.outcomes}


@pytest.mark.parametrize(
    "name",
    [
        "mall_customers",
        "customer_personality",
        "wholesale_customers",
        "telco_customer_churn",
        "superstore_orders_cp1252",
        "retail_transactions",
        "groceries_baskets",
        "ecommerce_churn",
        "clientes_banco_latin1",
        "airline_loyalty_history",
    ],
)
def test_no_calendar_sequence_contact_or_outcome_column_is_clustered(
    results: dict[str, RunResult], name: str
) -> None:
    result = results[name]
    meaning = meanings(result)
    clustered = {s.column: meaning.get(s.column) for s in result.features.specs}
    assert not {c for c, m in clustered.items() if m in NEVER_CLUSTERED}, clustered
    described = set(result.features.described)
    assert not {c for c in described if meaning[c] in ("contact", "outcome", "identifier")}
    assert len(result.segments.segments) >= 2


def test_mall(results: dict[str, RunResult]) -> None:
    r = results["mall_customers"]
    assert r.transactions is None or not r.transactions.detected
    assert r.profile.id_column == "CustomerID"
    assert meanings(r)["Age"] == "age" and meanings(r)["Spending Score (1-100)"] == "score"
    assert features(r) == ["Annual Income (k$)", "Spending Score (1-100)"]
    assert r.selection.k == 5 and round(r.segmentation.silhouette, 3) == 0.555


def test_customer_personality(results: dict[str, RunResult]) -> None:
    r = results["customer_personality"]
    m = meanings(r)
    assert r.profile.id_column == "ID"
    assert (m["Year_Birth"], m["Kidhome"], m["Response"]) == ("age", "household", "outcome")
    assert m["Dt_Customer"] == "date" and "Dt_Customer" in features(r)
    assert m["AcceptedCmp1"] == "flag" and "AcceptedCmp1" in r.features.described
    response = outcomes(r)["Response"]
    assert response.level == "1"
    frame = pd.read_csv(PERSONALITY, sep="\t")
    assert response.values.mean() == pytest.approx(frame["Response"].mean())


def test_wholesale(results: dict[str, RunResult]) -> None:
    r = results["wholesale_customers"]
    m = meanings(r)
    assert m["Channel"] == m["Region"] == "category"
    assert set(r.features.described) == {"Channel", "Region"}
    assert features(r) == ["Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen"]


def test_telco(results: dict[str, RunResult]) -> None:
    r = results["telco_customer_churn"]
    m = meanings(r)
    assert r.profile.id_column == "customerID" and m["Churn"] == "outcome"
    assert m["tenure"] == "duration" and m["MonthlyCharges"] == m["TotalCharges"] == "money"
    assert features(r) == ["tenure", "MonthlyCharges", "TotalCharges"]
    churn = outcomes(r)["Churn"]
    assert churn.level == "Yes" and churn.values.sum() == 1869  # 26.5% (data README)


def test_superstore_is_a_log_of_orders(results: dict[str, RunResult]) -> None:
    r = results["superstore_orders_cp1252"]
    assert r.transactions is not None and r.transactions.detected
    columns = r.transactions.columns
    assert columns is not None
    assert (columns.customer, columns.invoice) == ("Customer ID", "Order ID")
    frame = pd.read_csv(SUPERSTORE, encoding="cp1252")
    assert r.profile.n_rows == frame["Customer ID"].nunique() == 793
    assert set(features(r)) <= {
        "recency_days", "frequency_orders", "monetary_spend", "avg_order_value", "tenure_days",
        "distinct_products",
    }  # fmt: skip


def test_retail_transactions_is_a_log(results: dict[str, RunResult]) -> None:
    r = results["retail_transactions"]
    assert r.transactions is not None and r.transactions.detected
    assert r.transactions.columns is not None
    assert r.transactions.columns.amount == "tran_amount"
    assert r.profile.n_rows == pd.read_csv(RETAIL)["customer_id"].nunique() == 6889


def test_groceries_is_a_log_without_amounts(results: dict[str, RunResult]) -> None:
    r = results["groceries_baskets"]
    assert r.transactions is not None and r.transactions.detected
    assert r.profile.id_column == "Member_number" and r.profile.n_rows == 3898
    assert "monetary_spend" not in features(r)


def test_ecommerce_workbook(results: dict[str, RunResult]) -> None:
    r = results["ecommerce_churn"]
    assert r.dataset.sheet == "E Comm"
    m = meanings(r)
    assert m["Churn"] == "outcome" and m["CityTier"] == "category"
    assert m["SatisfactionScore"] == "score" and m["DaySinceLastOrder"] == "duration"
    assert outcomes(r)["Churn"].values.sum() == 948  # 16.8% (data README)


def test_clientes_banco(results: dict[str, RunResult]) -> None:
    r = results["clientes_banco_latin1"]
    m = meanings(r)
    assert r.profile.id_column == "CLIENTNUM"
    assert m["Categoria"] == "outcome" and m["Idade"] == "age"
    cancelled = outcomes(r)["Categoria"]
    assert cancelled.level == "Cancelado" and cancelled.values.sum() == 1627  # data README
    assert m["Taxa de Utilização Cartão"] == "share"
    dropped = {d.name: d.reason for d in r.features.dropped}
    assert dropped["Limite Disponível"].startswith("almost the same as Limite")


def test_airline_loyalty(results: dict[str, RunResult]) -> None:
    r = results["airline_loyalty_history"]
    m = meanings(r)
    assert r.profile.id_column == "Loyalty Number"
    assert m["Enrollment Year"] == m["Enrollment Month"] == "calendar"
    assert m["City"] == m["Postal Code"] == "contact"
    assert "Enrollment date" in features(r)
    cancelled = outcomes(r)["Cancellation date"]
    assert cancelled.values.sum() == 16737 - 14670  # blank = still active (data README)


def test_the_response_companion_says_there_is_nothing_to_segment(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="customer_id is an identifier; response is an outcome"):
        run(Config.build(input=RESPONSE, out=tmp_path / "o", formats=()))
    assert DATA.is_dir()


# ------------------------------------------------------------------------------------------
# The report check: names, actions, guards and quoted averages on every shared table.

INPUTS = {  # how pandas reads each customer table (logs are checked on customers.csv)
    "mall_customers": lambda: pd.read_csv(MALL),
    "customer_personality": lambda: pd.read_csv(PERSONALITY, sep="\t"),
    "wholesale_customers": lambda: pd.read_csv(WHOLESALE),
    "telco_customer_churn": lambda: pd.read_csv(TELCO),
    "ecommerce_churn": lambda: pd.read_excel(ECOMMERCE, sheet_name="E Comm"),
    "clientes_banco_latin1": lambda: pd.read_csv(CLIENTES, encoding="latin-1"),
    "airline_loyalty_history": lambda: pd.read_csv(AIRLINE, encoding="utf-8-sig"),
}
TABLES = [
    "mall_customers", "customer_personality", "wholesale_customers", "telco_customer_churn",
    "superstore_orders_cp1252", "retail_transactions", "groceries_baskets", "ecommerce_churn",
    "clientes_banco_latin1", "airline_loyalty_history",
]  # fmt: skip
NOT_LEVERS = {"age", "date", "identifier", "calendar", "sequence", "contact", "household"}
AVERAGE = re.compile(
    r"([^:;.]+?) averages (-?[\d,]+(?:\.\d+)?) against (-?[\d,]+(?:\.\d+)?) overall"
)


def joined(result: RunResult, name: str) -> pd.DataFrame:
    """segments.csv joined to the table the segments describe, read by pandas."""
    segments = pd.read_csv(result.out / "segments.csv")
    if name in INPUTS:
        table = INPUTS[name]()
    else:  # a log: the derived customer table (its figures are checked in test_logs_shapes)
        table = pd.read_csv(result.out / "customers.csv").drop(
            columns=["segment", "segment_name", "distance"]
        )
    key = result.features.id_label
    if key == "row":
        return table.assign(segment=segments["segment"].to_numpy())
    return table.merge(segments[[key, "segment"]], on=key, validate="one_to_one")


def observed(frame: pd.DataFrame, spec: Any) -> pd.Series:
    """A feature as pandas reads it: days up to the reference date, codes as missing."""
    if spec.kind == "tenure_days":
        if spec.column in frame:
            column = frame[spec.column]
        else:  # a date joined from year and month columns ("Enrollment date")
            stem = spec.column[: -len(" date")]
            column = pd.to_datetime(
                {"year": frame[f"{stem} Year"], "month": frame[f"{stem} Month"], "day": 1}
            )
        dates = pd.to_datetime(column, dayfirst=spec.column == "Dt_Customer")
        return (pd.Timestamp(spec.reference_date) - dates).dt.days.astype(float)
    values = pd.to_numeric(frame[spec.column], errors="coerce")
    return values.mask(values.isin(spec.missing_codes))


@pytest.mark.parametrize("name", TABLES)
def test_names_read_as_words(results: dict[str, RunResult], name: str) -> None:
    r = results[name]
    column_words = {w for c in r.profile.columns for w in re.split(r"[\W_]+", c.name) if len(w) > 1}
    for s in r.segments.segments:
        assert "_" not in s.name, s.name
        # a raw column name in capitals ("PRODUCTLINE"); a code such as "Q4" is written so
        words = re.split(r"[\s,:]+", s.name)
        shouted = [w for w in words if w.isalpha() and w.isupper() and w in column_words]
        assert not shouted, s.name


@pytest.mark.parametrize("name", TABLES)
def test_actions_fit_the_segments(results: dict[str, RunResult], name: str) -> None:
    from reportgen.profiling.labels import text as label_text
    from reportgen.report.narrative import guard_holds, load_playbook

    r = results[name]
    rules = {rule.objective: rule for rule in load_playbook().rules}
    meaning = {c.name: c.meaning for c in r.profile.columns}
    specs = {label_text(s.name): s for s in r.features.specs}
    frame = joined(r, name)
    not_levers = [label_text(c) for c, m in meaning.items() if m in NOT_LEVERS]
    tops = {}
    for s in r.segments.segments:
        story = r.narratives.for_segment(s.id)
        for rec in story.recommendations:
            words = f"{rec.objective} {rec.offer}".lower()
            for lever in not_levers:  # never "raise the segment's age"
                assert not re.search(rf"\b(raise|lower|lift|increase|reduce)\b.*\b{lever}\b", words)
            rule = rules.get(rec.objective)
            if not rec.matched or rule is None or not rule.guards:
                continue
            feature = rec.trigger.split(": ")[0].split(" ", 1)[1]
            if feature not in specs:
                continue  # an age, household or outcome: checked through the segment's figures
            spec = specs[feature]
            values = observed(frame, spec)
            members = values[frame["segment"] == s.id].dropna()
            everyone = values.dropna()
            median = everyone.median()
            own = members.median()
            rank = ((everyone < own).sum() + (everyone <= own).sum()) / 2 / len(everyone)
            for guard, limit in rule.guards:
                if guard == "most":
                    side = members > median if rule.direction == "high" else members < median
                    assert side.mean() >= limit, (name, s.name, rec.objective, guard)
                elif guard == "min_percentile":
                    assert rank * 100 >= limit, (name, s.name, rec.objective, guard)
                elif guard == "max_percentile":
                    assert rank * 100 <= limit, (name, s.name, rec.objective, guard)
            # and the code under test agrees on the segment's own figures
            trait = next(t for t in s.traits if t.feature == spec.name)
            assert all(guard_holds(g, v, rule.direction, trait, s) for g, v in rule.guards)
        if story.recommendations:
            tops.setdefault(story.recommendations[0].objective, []).append(s.id)
    for objective, ids in tops.items():
        if len(ids) > 1:  # shared only where the report says the segments are alike
            for i in ids:
                assert "are alike" in r.narratives.for_segment(i).note, (name, objective)


@pytest.mark.parametrize("name", TABLES)
def test_every_average_in_a_story_is_true(results: dict[str, RunResult], name: str) -> None:
    from reportgen.profiling.labels import text as label_text
    from reportgen.report.templating import number

    r = results[name]
    specs = {label_text(s.name): s for s in r.features.specs}
    frame = joined(r, name)
    quoted = 0
    for s in r.segments.segments:
        story = r.narratives.for_segment(s.id).story
        for feature, segment_value, overall_value in AVERAGE.findall(story):
            feature = feature.split(": ")[-1].strip()
            spec = specs[feature]
            values = observed(frame, spec)
            assert number(values[frame["segment"] == s.id].mean()) == segment_value, feature
            assert number(values.mean()) == overall_value, feature
            quoted += 1
    assert quoted >= len(r.segments.segments)  # every segment quotes at least one average
