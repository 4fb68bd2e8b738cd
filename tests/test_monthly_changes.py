"""Monthly changes reach every reader: the terminal, the email and the report say what changed.

The expected figures come from pandas on the two months' segments.csv files (sizes per
segment, customers in and out), never from the comparison code: a segment that lost at least
half of its customers (all of them included) or doubled is flagged by its counts, and one
whose share moved 10 points by its shares.
"""

from __future__ import annotations

import email
import json
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.formatting import percent
from reportgen.report.summary import Summary
from tests.conftest import MALL, blobs

ID = "CustomerID"


def invoke(*args: str) -> str:
    """Run the CLI; its stdout."""
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.stderr + result.stdout
    return result.stdout


def email_text(folder: Path, eml: Path) -> tuple[str, str]:
    """The text and HTML parts of ``reportgen email FOLDER`` written to ``eml``."""
    people = ["--to", "a@example.com", "--from", "b@example.com"]
    invoke("email", str(folder), *people, "--eml", str(eml), "--no-attach-pdf")
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def _customers(n: int) -> str:
    return f"{n:,} customer" + ("" if n == 1 else "s")


def _pct(then: int, now: int) -> str:
    return f"{round(100 * (now - then) / then):+d}%"


@dataclass(frozen=True)
class Expected:
    """What happened between two output folders, counted with pandas from segments.csv."""

    then: pd.Series  # customers per old segment id
    now: pd.Series  # customers per segment id now (old ids first, 0 when empty)
    names: dict[int, str]  # segment id -> name (the old name for old ids)
    new: int
    gone: int
    both: int

    @property
    def old_ids(self) -> list[int]:
        return [int(i) for i in self.then.index]

    def share(self, which: pd.Series, i: int) -> float:
        return float(which.get(i, 0)) / float(which.sum())

    def shrank(self) -> list[int]:
        return [i for i in self.old_ids if 0 < self.now[i] <= self.then[i] / 2]

    def vanished(self) -> list[int]:
        return [i for i in self.old_ids if self.now[i] == 0]

    def survived(self) -> list[int]:
        return [i for i in self.old_ids if self.then[i] / 2 < self.now[i] < 2 * self.then[i]]

    def fresh(self) -> list[int]:
        return [int(i) for i in self.now.index if i not in self.then.index and self.now[i]]

    def size_alerts(self) -> list[str]:
        """A count that halved or doubled, else a share that moved 10 points."""
        alerts = []
        for i in self.old_ids:
            then, now = int(self.then[i]), int(self.now[i])
            shares = (
                f"{percent(self.share(self.then, i))} to {percent(self.share(self.now, i))} "
                "of customers"
            )
            if now <= then / 2 or now >= 2 * then:
                verb = "fell" if now < then else "rose"
                alerts.append(
                    f"{self.names[i]} {verb} from {then:,} to {_customers(now)} "
                    f"({_pct(then, now)}; {shares})."
                )
            elif abs(self.share(self.now, i) - self.share(self.then, i)) >= 0.10:
                alerts.append(f"{self.names[i]} went from {shares}.")
        return alerts


def expected(first: Path, second: Path, id_column: str = ID) -> Expected:
    a = pd.read_csv(first / "segments.csv", dtype={id_column: str})
    b = pd.read_csv(second / "segments.csv", dtype={id_column: str})
    then = a["segment"].value_counts().sort_index()
    now_counts = b["segment"].value_counts()
    now = now_counts.reindex(then.index.union(now_counts.index), fill_value=0)
    names = dict(zip(b["segment"], b["segment_name"], strict=True))
    names.update(dict(zip(a["segment"], a["segment_name"], strict=True)))
    old_ids, new_ids = set(a[id_column]), set(b[id_column])
    return Expected(
        then,
        now,
        {int(k): str(v) for k, v in names.items()},
        len(new_ids - old_ids),
        len(old_ids - new_ids),
        len(old_ids & new_ids),
    )


@pytest.fixture(scope="module")
def mall(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """October: the mall table. November, built from October's segments.csv: the segment of
    the richest big spenders keeps a quarter of its customers, the poorest light spenders'
    segment loses all of them, everyone else's age, income and score move by up to 2, and 12
    new customers arrive (copies of the largest segment's customers under new ids)."""
    tmp = tmp_path_factory.mktemp("mall-months")
    october = tmp / "2026-10"
    invoke("run", str(MALL), "--out", str(october), "--period", "2026-10", "--format", "none")
    table = pd.read_csv(MALL)
    segment = table[ID].map(pd.read_csv(october / "segments.csv").set_index(ID)["segment"])
    wealth = table.groupby(segment)[["Annual Income (k$)", "Spending Score (1-100)"]].mean()
    richest, poorest = wealth.sum(axis=1).idxmax(), wealth.sum(axis=1).idxmin()
    rng = np.random.default_rng(3)
    shrinking = table.index[segment == richest]
    kept = rng.choice(shrinking, len(shrinking) // 4, replace=False)
    november = table.drop(index=table.index[segment == poorest].union(shrinking.difference(kept)))
    for column in ("Age", "Annual Income (k$)", "Spending Score (1-100)"):
        november[column] = (november[column] + rng.integers(-2, 3, len(november))).clip(lower=1)
    largest = segment.value_counts().idxmax()
    fresh = november[segment[november.index] == largest]  # jittered copies
    fresh = fresh.sample(12, random_state=3).assign(**{ID: np.arange(1001, 1013)})
    path = tmp / "november.csv"
    pd.concat([november, fresh]).sample(frac=1, random_state=3).to_csv(path, index=False)
    return {"tmp": tmp, "october": october, "november": path}


@pytest.mark.parametrize("mode", ["assign", "refit"])
def test_terminal_email_and_report_say_what_changed(mall: dict[str, Path], mode: str) -> None:
    out = mall["tmp"] / f"2026-11-{mode}"
    stdout = invoke(
        "run",
        str(mall["november"]),
        "--out",
        str(out),
        "--period",
        "2026-11",
        "--baseline",
        str(mall["october"]),
        "--mode",
        mode,
        "--format",
        "html",
    )
    e = expected(mall["october"], out)
    # the scenario did what it says: 12 new customers, the 23 of the vanished segment and 30
    # of the shrunk one's 39 gone; jitter moved no one into or out of either
    assert (e.new, e.gone, e.both) == (12, 23 + 30, 200 - 53)
    assert len(e.shrank()) == 1 and len(e.vanished()) == 1
    shrunk, vanished = e.shrank()[0], e.vanished()[0]
    assert (e.then[shrunk], e.now[shrunk], e.then[vanished]) == (39, 9, 23)
    alerts = e.size_alerts()
    assert f"{e.names[shrunk]} fell from 39 to 9 customers (-77%; 20% to 5.7% of customers)." in (
        alerts
    )
    assert f"{e.names[vanished]} fell from 23 to 0 customers (-100%; 12% to 0% of customers)." in (
        alerts
    )

    how = {
        "assign": "Customers were scored with the 2026-10 model (--mode assign): segments keep "
        "their number, name and centre.",
        "refit": "Segments were fitted afresh and matched to the 2026-10 ones (--mode refit): "
        "matched segments keep their number and name.",
    }
    lines = [
        "Changes since 2026-10:",
        how[mode],
        f"{e.new} new customers, {e.gone} gone, {e.both} in both periods.",
        f"{shrunk}. {e.names[shrunk]}: shrank from 39 to 9 customers (-77%)",
        f"{vanished}. {e.names[vanished]}: vanished (23 customers in 2026-10; "
        + (
            "no customer is assigned to it now)"
            if mode == "assign"
            else "no segment matches it now)"
        ),
        "Survived (id, customers then -> now): "
        + ", ".join(f"{i} ({e.then[i]} -> {e.now[i]})" for i in e.survived()),
        *(f"{i}. {e.names[i]}: new, {_customers(int(e.now[i]))}" for i in e.fresh()),
    ]
    text = (out / "summary.json").read_text(encoding="utf-8")
    summary = json.loads(text)
    drift = summary["comparison"]["drift"]
    typed = Summary.from_json(text)  # the comparison typed, and written back byte for byte
    assert typed.comparison is not None and typed.comparison.mode == mode
    assert Summary.from_json(typed.to_json()) == typed and typed.to_json() == text
    assert set(alerts) <= set(drift)  # and the feature shifts the code found besides
    advice = "A refit is advisable: run with --mode refit to let the segments follow the data."
    assert (advice in drift) == (mode == "assign")

    # the terminal: one line per item, after the segments and before "Wrote"
    terminal = [line.strip() for line in stdout.splitlines()]
    for line in lines:
        assert line in terminal, f"{line!r} not in\n{stdout}"
    for alert in drift:
        assert (alert if alert == advice else f"Alert: {alert}") in terminal, stdout
    changes = terminal.index("Changes since 2026-10:")
    wrote = next(i for i, line in enumerate(terminal) if line.startswith(f"Wrote {out}"))
    assert all(changes < terminal.index(line) < wrote for line in lines[1:])
    if mode == "assign":
        assert "k = 5, kept from the baseline model (2026-10)" in terminal
        assert "agree" not in stdout and "consensus" not in stdout
    else:
        assert any(line.startswith(f"k = {summary['k_selection']['k']}: ") for line in terminal)
        assert advice not in stdout

    # the email's text part: the same lines under "CHANGES SINCE 2026-10", alerts as a list
    text, html = email_text(out, mall["tmp"] / f"{mode}.eml")
    body = [line.strip() for line in text.splitlines()]
    assert "CHANGES SINCE 2026-10" in body
    for line in lines[1:]:
        assert line in body, f"{line!r} not in\n{text}"
    for alert in drift:
        assert (alert if alert == advice else f"- {alert}") in body, text
    assert (advice in text) == (mode == "assign")
    assert "Changes since 2026-10" in html and f"{e.names[shrunk]}</td>" in html
    assert "shrank from 39 to 9 customers (-77%)" in html

    # the report's changes table gives the shrunk segment its status and counts
    report = (out / "report.html").read_text()
    assert "shrank (39 -&gt; 9 customers, -77%)" in report


def test_a_small_segment_losing_most_customers_is_flagged_below_the_share_threshold(
    tmp_path: Path,
) -> None:
    """A segment of 97 customers among 1,500 keeping a tenth of them moves its share by 6
    points, under the 10-point share alert: its counts flag it as shrank, with an alert."""
    table, _ = blobs(4, n=1500, seed=3)
    first, path = tmp_path / "2026-10", tmp_path / "november.csv"
    table.to_csv(tmp_path / "october.csv", index=False)
    invoke("run", str(tmp_path / "october.csv"), "--out", str(first), "--format", "none")
    segment = pd.read_csv(first / "segments.csv").set_index("customer_id")["segment"]
    smallest = int(segment.value_counts().idxmin())
    members = table.index[table["customer_id"].map(segment) == smallest]
    rng = np.random.default_rng(0)
    gone = members.difference(rng.choice(members, len(members) // 10, replace=False))
    table.drop(index=gone).to_csv(path, index=False)
    out = tmp_path / "2026-11"
    stdout = invoke(
        "run", str(path), "--out", str(out), "--baseline", str(first), "--format", "none"
    )
    e = expected(first, out, "customer_id")
    then, now = int(e.then[smallest]), int(e.now[smallest])
    assert (then, now, len(table) - len(gone)) == (97, 9, 1500 - 88)
    share_moves = [abs(e.share(e.now, i) - e.share(e.then, i)) for i in e.old_ids]
    assert max(share_moves) < 0.10  # no segment's share moved the 10 points of a share alert
    name = e.names[smallest]
    statuses = {
        s["id"]: s for s in json.loads((out / "summary.json").read_text())["comparison"]["segments"]
    }
    assert statuses[smallest]["status"] == "shrank"
    assert statuses[smallest]["note"] == "97 -> 9 customers, -91%"
    assert {statuses[i]["status"] for i in e.old_ids if i != smallest} == {"survived"}
    terminal = [line.strip() for line in stdout.splitlines()]
    assert f"{smallest}. {name}: shrank from 97 to 9 customers (-91%)" in terminal
    share = (
        f"{percent(e.share(e.then, smallest))} to {percent(e.share(e.now, smallest))} of customers"
    )
    assert f"Alert: {name} fell from 97 to 9 customers (-91%; {share})." in terminal
    assert "A refit is advisable: run with --mode refit to let the segments follow the data." in (
        terminal
    )


def test_digest_lines_for_every_status_and_a_table_without_ids() -> None:
    """Each status gets its line with the counts; without ids the customer line says why."""
    from reportgen.report.changes import digest
    from reportgen.report.summary import SummaryChange, SummaryComparison

    def seg(id: int, status: str, then: int, now: int, note: str = "") -> SummaryChange:
        return SummaryChange(
            id=id,
            name=f"S{id}",
            status=status,
            note=note,
            size_then=then,
            share_then=then / 1091,
            size_now=now,
            share_now=now / 991,
            moves={},
        )

    d = digest(
        SummaryComparison(
            previous_period="2026-10",
            mode="refit",
            segments=(
                seg(1, "survived", 500, 520),
                seg(2, "grew", 40, 100, "40 -> 100 customers, +150%"),
                seg(3, "split", 300, 150, "split into 3 and 7"),
                seg(4, "vanished", 1, 0, "no segment matches it now"),
                seg(6, "merged", 0, 220, "merged from 5 and 6"),
                seg(7, "new", 0, 1, "no earlier segment matches it"),
            ),
            migration=None,
            new_customers=None,
            gone_customers=None,
            drift=(),
        )
    )
    assert (
        d.customers == "Without a customer id column, customers cannot be followed between periods."
    )
    assert [str(s) for s in d.segments] == [
        "2. S2: grew from 40 to 100 customers (+150%)",
        "3. S3: split into 3 and 7 (300 customers in 2026-10, 150 customers now)",
        "4. S4: vanished (1 customer in 2026-10; no segment matches it now)",
        "6. S6: merged from 5 and 6, 220 customers",
        "7. S7: new, 1 customer (no earlier segment matches it)",
    ]
    assert d.survived == "1 (500 -> 520)"
    assert d.alerts == () and d.advice == ""
