"""Benchmark: wall time of every stage and peak memory of whole `reportgen run`s.

Each case runs in a fresh Python process (so imports and peak memory are measured honestly):

    python bench/run.py                      # sample data + 10k and 100k synthetic rows
    python bench/run.py --sizes 10000,1000000 --json bench/results.json
    python bench/run.py --cases mall,k10     # only some cases
    python bench/run.py --cases mall,synthetic-100000 --repeat 3 --elbow   # medians of 3 runs,
        # and a notebook-style elbow sweep on each synthetic table, timed the same way
    python bench/run.py --reportgen ../before --keep runs/before   # the previous version ...
    python bench/run.py --previous runs/before                     # ... and its same segments?

Cases: `mall` (the quick start), `k10` (a 10-segment report, to time the PDF), and one
`synthetic-N` per size (8 skewed numeric measures, 2 categorical columns, 2% missing values,
seeded), and `transactions-50000` (an invoice-line export shaped like UCI Online Retail,
read as a transaction log).  Prints a table of stages, the elbow comparison and a summary
against issue 17's targets, and with --json writes every run's figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, os, sys, time
from pathlib import Path
start = time.perf_counter()
import reportgen
from reportgen.config import Config
from reportgen.pipeline import run
imported = time.perf_counter() - start
args = json.loads(sys.argv[1])
build = getattr(Config, "build", Config)  # versions before the option groups: flat Config
config = build(input=Path(args["input"]), out=Path(args["out"]), force=True,
               **args.get("config", {}))
result = run(config)
finished = time.perf_counter()

def high_water(pid="self"):  # a process's own peak memory, MB (ru_maxrss: the parent's too)
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None

def descendants(root):  # helper processes: chart/PDF workers, Spark's JVM
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                for line in open(f"/proc/{entry}/status"):
                    if line.startswith("PPid:"):
                        parents[int(entry)] = int(line.split()[1])
            except OSError:
                pass
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid]
        found += children
        frontier += children
    return found

own = high_water()
helpers = sum(high_water(pid) or 0 for pid in descendants(os.getpid()))
agreement = None
if args.get("agreement") and config.engine == "local":  # after the peak was read: not timed
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    full = KMeans(result.selection.k, n_init=3, random_state=1).fit_predict(result.features.X)
    agreement = round(float(adjusted_rand_score(full, result.segmentation.labels)), 4)
print(json.dumps({"import": round(imported, 3), "stages": result.timings,
                  "source": str(Path(reportgen.__file__).resolve().parent.parent),
                  "after_run": round(time.perf_counter() - finished, 3),
                  "ari_vs_full_fit": agreement,
                  "k": result.selection.k, "rows": result.profile.n_rows,
                  "peak_mb": (own or 0) + helpers or None, "main_mb": own,
                  "helpers_mb": round(helpers, 1)}))
"""


def synthetic(n: int, path: Path, seed: int = 0, k: int = 5) -> Path:
    """A customer table with k latent segments, skewed measures and a few missing values."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(k, size=n, p=np.linspace(1, 2, k) / np.linspace(1, 2, k).sum())
    centers = rng.normal(0, 1.2, size=(k, 8))
    X = centers[labels] + rng.normal(0, 0.5, size=(n, 8))
    frame = pd.DataFrame(
        np.round(np.exp(X + 3), 2),
        columns=[
            "spend_total",
            "orders",
            "avg_basket",
            "web_visits",
            "store_visits",
            "discount_use",
            "tenure_days",
            "income",
        ],
    )
    frame.insert(0, "customer_id", np.arange(1, n + 1))
    frame["region"] = rng.choice(["north", "south", "east", "west"], size=n)
    frame["plan"] = np.where(labels % 2 == 0, "basic", "premium")
    holes = rng.random((n, 2)) < 0.02
    frame.loc[holes[:, 0], "income"] = np.nan
    frame.loc[holes[:, 1], "web_visits"] = np.nan
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def orders(n: int, path: Path, seed: int = 0) -> Path:
    """n invoice lines like UCI Online Retail: ~4 lines an invoice, 2% cancelled (C...)
    invoices, 20% without a customer, 1% postage, dates written '12/1/2010 8:26'."""
    rng = np.random.default_rng(seed)
    invoice = np.sort(rng.integers(0, n // 4, size=n))
    per_invoice = {
        "customer": rng.integers(12346, 12346 + n // 12, size=n // 4).astype(float),
        "day": rng.integers(0, 374, size=n // 4),
        "cancelled": rng.random(n // 4) < 0.02,
        "guest": rng.random(n // 4) < 0.2,
    }
    line = {k: v[invoice] for k, v in per_invoice.items()}
    when = pd.Timestamp("2010-12-01 08:00") + pd.to_timedelta(line["day"], "D")
    when += pd.to_timedelta(rng.integers(0, 600, size=n), "min")
    code = np.where(rng.random(n) < 0.01, "POST", rng.integers(20000, 23000, size=n).astype(str))
    quantity = rng.integers(1, 13, size=n)
    frame = pd.DataFrame(
        {
            "InvoiceNo": np.where(line["cancelled"], "C", "") + (536365 + invoice).astype(str),
            "StockCode": code,
            "Description": np.char.add("ITEM ", code),
            "Quantity": np.where(line["cancelled"], -quantity, quantity),
            "InvoiceDate": when.strftime("%-m/%-d/%Y %-H:%M"),
            "UnitPrice": np.round(rng.gamma(2.0, 1.5, size=n) + 0.1, 2),
            "CustomerID": np.where(line["guest"], np.nan, line["customer"]),
            "Country": rng.choice(["United Kingdom", "France", "Germany"], n, p=[0.9, 0.05, 0.05]),
        }
    )
    frame.to_csv(path, index=False)
    return path


def child(code: str, payload: dict, source: Path) -> tuple[dict, float, float]:
    """Run ``code`` in a fresh Python that imports reportgen from ``source`` (its folder is the
    working directory and first on PYTHONPATH); its last line of output as JSON, its wall time
    and its own peak memory (MB). Output goes to files, so a chatty child cannot fill a pipe."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(source), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", code, json.dumps(payload)],
            stdout=out,
            stderr=err,
            cwd=source,
            env=env,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark run failed on {payload['input']}:\n{stderr[-2000:]}")
    return json.loads(stdout.strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024


def measure(
    input_path: Path,
    out: Path,
    config: dict[str, object] | None = None,
    agreement: bool = False,
    source: Path = ROOT,
) -> dict:
    """Run reportgen in a child process; wall time, stage times and the child's peak RSS."""
    payload = {"input": str(input_path), "out": str(out), "config": config or {}}
    data, wall, own_peak = child(CHILD, {**payload, "agreement": agreement}, source)
    if data.pop("source") != str(source):  # e.g. a PYTHONPATH or .pth that wins over ours
        raise SystemExit(f"the benchmark imported reportgen from elsewhere than {source}")
    wall -= data.pop("after_run")  # memory readings and the agreement fit are not the run
    peak = data.pop("peak_mb", None) or own_peak
    data.update(wall=round(wall, 3), peak_mb=round(peak, 1))
    return data


ELBOW = """
import json, sys, time
start = time.perf_counter()
import numpy as np, pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
imported = time.perf_counter()
path = json.loads(sys.argv[1])["input"]
frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
numbers = frame.drop(columns=frame.columns[0]).select_dtypes("number")  # the id comes first
X = StandardScaler().fit_transform(numbers.fillna(numbers.median()))
prepared = time.perf_counter()
inertia, silhouette = {}, {}
for k in range(1, 11):
    model = KMeans(n_clusters=k, n_init=10, random_state=0).fit(X)
    inertia[k] = float(model.inertia_)
    if k >= 2:
        silhouette[k] = float(silhouette_score(X, model.labels_, sample_size=min(10_000, len(X)),
                                               random_state=0))
done = time.perf_counter()
print(json.dumps({"import": round(imported - start, 3), "read": round(prepared - imported, 3),
                  "sweep": round(done - prepared, 3), "inertia": inertia,
                  "silhouette": silhouette, "k": max(silhouette, key=silhouette.get)}))
"""
ELBOW_MEDIANS = ("wall", "import", "read", "sweep", "peak_mb")


def elbow(input_path: Path, repeat: int, label: str) -> dict:
    """What an analyst writes in a notebook instead of reportgen, timed ``repeat`` times in
    fresh processes: read the table, standardize every numeric column but the id (missing
    values filled with the median), fit K-Means with 10 starts for k = 1..10 on all rows and
    score k >= 2 by silhouette on a 10,000-row sample. The medians of the process's wall time
    (like reportgen's: interpreter, imports, reading, fits), of its parts and of its peak MB,
    ``k`` the best silhouette's, every run's figures under ``runs``."""
    runs = []
    for i in range(1, repeat + 1):
        data, wall, peak = child(ELBOW, {"input": str(input_path)}, ROOT)
        runs.append({**data, "wall": round(wall, 3), "peak_mb": round(peak, 1)})
        progress(f"{label} elbow sweep {i} of {repeat}: {wall:.1f} s")
    result = {key: round(statistics.median(r[key] for r in runs), 3) for key in ELBOW_MEDIANS}
    return {**result, "k": runs[-1]["k"], "runs": runs}


SPARK = {"engine": "spark", "spark_master": "local[2]"}
MEDIANS = ("import", "wall", "peak_mb", "main_mb", "helpers_mb")  # stages' medians too
FIGURES = "figures.json"  # under --keep: the run's figures, the "before" of a later --previous
ENGINES = {"local": ["local"], "spark": ["spark"], "both": ["local", "spark"]}
Case = tuple[str, Callable[[], Path], dict[str, object]]  # name, its table (made when needed)


def read_segments(folder: Path) -> pd.DataFrame:
    """An output folder's customers: its id column (the first, read as text) as ``id`` and
    ``segment``; from segments.csv, or the Spark engine's segments/ Parquet folder."""
    if (folder / "segments.csv").exists():
        id_column = pd.read_csv(folder / "segments.csv", nrows=0).columns[0]
        frame = pd.read_csv(
            folder / "segments.csv", usecols=[id_column, "segment"], dtype={id_column: str}
        )
    else:
        frame = pd.read_parquet(folder / "segments")
        id_column = frame.columns[0]
        frame = frame[[id_column, "segment"]].astype({id_column: str})
    return frame.rename(columns={id_column: "id"})[["id", "segment"]]


def join_segments(ours: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    """Two ``read_segments`` tables customer by customer: ``ours`` and ``theirs`` segments of
    the ids in both."""
    return ours.merge(theirs, on="id", suffixes=("_ours", "_theirs")).rename(
        columns={"segment_ours": "ours", "segment_theirs": "theirs"}
    )


def compare_segments(ours: pd.DataFrame, theirs: pd.DataFrame) -> dict:
    """The adjusted Rand index between two runs' segments of the same customers, each run's k
    (segments found) and how many customers each had and both share."""
    from sklearn.metrics import adjusted_rand_score

    joined = join_segments(ours, theirs)
    ari = adjusted_rand_score(joined["ours"], joined["theirs"]) if len(joined) else float("nan")
    return {
        "ari": round(float(ari), 4),
        "k": int(ours["segment"].nunique()),
        "k_previous": int(theirs["segment"].nunique()),
        "rows": len(ours),
        "rows_previous": len(theirs),
        "joined": len(joined),
    }


def describe_comparison(c: dict) -> str:
    """A comparison in words: "1.000 vs previous, k 5 = 5" or "k changed 5 -> 6 (adjusted Rand
    0.812)", and how many customers each run had when they are not the same customers."""
    if "missing" in c:
        return f"no previous segments in {c['missing']}"
    if c["k"] == c["k_previous"]:
        text = f"{c['ari']:.3f} vs previous, k {c['k_previous']} = {c['k']}"
    else:
        text = f"k changed {c['k_previous']} -> {c['k']} (adjusted Rand {c['ari']:.3f})"
    if not c["rows"] == c["rows_previous"] == c["joined"]:
        text += f"; {c['joined']:,} customers in both ({c['rows']:,} now, "
        text += f"{c['rows_previous']:,} before)"
    return text


def compare_with_previous(out: Path, previous: Path) -> dict:
    """``compare_segments`` of an output folder against a previous version's of the case."""
    if not (previous / "segments.csv").exists() and not (previous / "segments").is_dir():
        return {"missing": str(previous)}
    return compare_segments(read_segments(out), read_segments(previous))


def median_run(runs: list[dict]) -> dict:
    """One case's runs as one result: the median of each figure (import, every stage, wall,
    peak MB), rows and k from the last run, every run's raw figures under ``runs``. ``ks``
    lists the k of every run when they differ."""
    last = runs[-1]
    result = {key: value for key, value in last.items() if key not in MEDIANS and key != "stages"}
    for key in MEDIANS:
        values = [r[key] for r in runs if r.get(key) is not None]
        result[key] = round(statistics.median(values), 3) if values else None
    stages = stage_names({str(i): r for i, r in enumerate(runs)})
    result["stages"] = {
        s: round(statistics.median(r["stages"][s] for r in runs if s in r["stages"]), 4)
        for s in stages
    }
    if len({r["k"] for r in runs}) > 1:
        result["ks"] = [r["k"] for r in runs]
    result["runs"] = runs
    return result


def cached(path: Path, make: Callable[[Path], object]) -> Path:
    """``path``, made by ``make`` unless it is already there (written under another name first,
    so an interrupted run leaves no half table). The tables are seeded: the same every time."""
    if not path.exists():
        progress(f"writing {path.name} ...")
        unfinished = path.with_name(f"{path.stem}.partial{path.suffix}")
        make(unfinished)
        unfinished.replace(path)
    return path


def cases(sizes: list[int], table_format: str, data: Path) -> list[Case]:
    """Every case the script knows, each table made (or found in ``data``) only when run."""
    listed: list[Case] = [
        ("mall", lambda: ROOT / "sample_data" / "mall_customers.csv", {}),
        (
            "k10",
            lambda: cached(data / "k10-5000.csv", lambda p: synthetic(5_000, p, k=10)),
            {"k": 10},
        ),
        (
            "transactions-50000",
            lambda: cached(data / "orders-50000.csv", lambda p: orders(50_000, p)),
            {},
        ),
    ]
    for size in sizes:
        path = data / f"synthetic-{size}.{table_format}"
        listed.append((f"synthetic-{size}", partial(cached, path, partial(synthetic, size)), {}))
    return listed


def folder_name(label: str) -> str:
    """A result's folder under --keep and --previous: the case, ``-spark`` for Spark."""
    return label.replace(" ", "-")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10000,100000", help="comma-separated synthetic table sizes (rows)"
    )
    parser.add_argument(
        "--cases",
        default="",
        help="only these cases (mall, k10, transactions-50000, synthetic-N; a synthetic-N "
        "named here need not be in --sizes)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--markdown", type=Path, help="also write the tables as Markdown to this file"
    )
    parser.add_argument(
        "--elbow",
        nargs="?",
        const="all",
        metavar="SIZES",
        help="also time a notebook-style elbow sweep (k = 1..10, 10 starts each on all rows, "
        "silhouette on 10,000 rows) on each synthetic table, or only on these comma-separated "
        "sizes, in fresh processes (--repeat times), against reportgen's whole run",
    )
    parser.add_argument(
        "--naive", action="store_true", help="the old name of --elbow (which replaced it)"
    )
    parser.add_argument(
        "--agreement",
        action="store_true",
        help="after each local synthetic run, fit K-Means (3 starts) on all rows of its features "
        "and report the adjusted Rand index against reportgen's segments (not timed)",
    )
    parser.add_argument(
        "--engine",
        choices=list(ENGINES),
        default="local",
        help="run the synthetic tables through the local engine, Spark (local[2]) or both",
    )
    parser.add_argument(
        "--table-format",
        choices=["csv", "parquet"],
        default="csv",
        help="file format of the synthetic tables (default csv)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run each case N times, each in a fresh process, and report the median of every "
        "figure (the JSON keeps each run's)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep each case's output folder (of its last run) as DIR/<case>, e.g. "
        "DIR/synthetic-1000000/segments.csv (Spark: DIR/<case>-spark), and the figures as "
        f"DIR/{FIGURES}",
    )
    parser.add_argument(
        "--previous",
        type=Path,
        metavar="DIR",
        help="compare each case's segments with DIR/<case>/segments.csv, kept by an earlier "
        "run with --keep (e.g. of the previous version): adjusted Rand index, joined on the "
        f"id column, and k; and its times and memory with DIR/{FIGURES} (before and after)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        help="keep the generated tables in this folder and reuse them when they are there "
        "(default: a temporary folder, removed at the end)",
    )
    parser.add_argument(
        "--reportgen",
        type=Path,
        default=ROOT,
        metavar="DIR",
        help="import reportgen from this source tree, e.g. a worktree of the previous version "
        "(default: the checkout this script is in)",
    )
    args = parser.parse_args(argv)
    args.cases = [c for c in args.cases.split(",") if c]
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.sizes += [
        int(c.removeprefix("synthetic-"))
        for c in args.cases
        if c.startswith("synthetic-") and int(c.removeprefix("synthetic-")) not in args.sizes
    ]
    if args.naive and args.elbow is None:
        progress("--naive is now --elbow: the notebook-style sweep, k = 1..10")
        args.elbow = "all"
    if args.elbow not in (None, "all"):
        args.elbow = {int(size) for size in args.elbow.split(",") if size}
    elif args.elbow is None:
        args.elbow = set()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    args.reportgen = args.reportgen.resolve()
    if not (args.reportgen / "reportgen" / "__init__.py").exists():
        parser.error(f"--reportgen {args.reportgen}: no reportgen package there")
    return args


def run_case(
    name: str, table: Path, config: dict[str, object], args: argparse.Namespace, work: Path
) -> dict[str, dict]:
    """One case through each engine asked for: its results by label (``name`` for the local
    engine, ``name spark`` for Spark), with the agreement, elbow and previous figures asked for."""
    results: dict[str, dict] = {}
    outputs: dict[str, Path] = {}
    synthetic_case = name.startswith("synthetic-")
    for engine in ENGINES[args.engine] if synthetic_case else ["local"]:
        label = name if engine == "local" else f"{name} spark"
        settings = config if engine == "local" else {**config, **SPARK}
        runs = []
        for i in range(1, args.repeat + 1):
            if runs:  # only the last run's output is kept (for --previous and --keep)
                shutil.rmtree(outputs[label], ignore_errors=True)
            outputs[label] = work / f"out-{folder_name(label)}-{i}"
            runs.append(
                measure(
                    table,
                    outputs[label],
                    settings,  # the agreement fit (not timed) once: it is the same every run
                    agreement=args.agreement and synthetic_case and engine == "local" and i == 1,
                    source=args.reportgen,
                )
            )
            progress(f"{label} run {i} of {args.repeat}: {runs[-1]['wall']:.1f} s")
        results[label] = median_run(runs)
        if args.agreement and synthetic_case and engine == "local":
            results[label]["ari_vs_full_fit"] = runs[0]["ari_vs_full_fit"]
        if "ks" in results[label]:
            progress(f"{label}: k differs between runs: {results[label]['ks']}")
        if args.previous:
            results[label]["previous"] = compare_with_previous(
                outputs[label], args.previous / folder_name(label)
            )
            progress(f"{label}: {describe_comparison(results[label]['previous'])}")
    if args.engine == "both" and synthetic_case:
        spark, local = read_segments(outputs[f"{name} spark"]), read_segments(outputs[name])
        results[f"{name} spark"]["ari_vs_local"] = compare_segments(spark, local)["ari"]
    if synthetic_case and (args.elbow == "all" or int(name.split("-")[1]) in args.elbow):
        first = next(iter(results.values()))
        first["elbow"] = elbow(table, args.repeat, name)
    for label, out in outputs.items():
        if args.keep:
            kept = args.keep / folder_name(label)
            shutil.rmtree(kept, ignore_errors=True)
            shutil.move(out, kept)
        else:
            shutil.rmtree(out, ignore_errors=True)
    return results


def previous_figures(previous: Path | None) -> dict[str, dict]:
    """The medians of the run that kept ``previous`` (its figures.json), by case: wall,
    peak MB and k, to set before this run's; empty when there is none."""
    if not previous or not (previous / FIGURES).exists():
        return {}
    figures = json.loads((previous / FIGURES).read_text(encoding="utf-8"))
    return {
        label: {"wall": r["wall"], "peak_mb": r["peak_mb"], "k": r["k"], "runs": len(r["runs"])}
        | {"version": figures["meta"]["commit"] or figures["meta"]["reportgen"]}
        for label, r in figures["cases"].items()
    }


def machine(source: Path, repeat: int) -> dict:
    """Where and on what the figures were taken: the load average says whether it was quiet."""
    commit = subprocess.run(
        ["git", "-C", str(source), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "python": sys.version.split()[0],
        "cores": os.cpu_count(),
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "reportgen": str(source),
        "commit": commit or None,
        "repeat": repeat,
    }


def main() -> None:
    args = parse_args()
    meta = machine(args.reportgen, args.repeat)
    progress(
        f"reportgen from {meta['reportgen']} ({meta['commit'] or 'not a git checkout'}); "
        f"{meta['cores']} cores, "
        f"load average {meta['load_average'][0]:.2f} (1 min)"
    )
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-") as tmp:
        work = Path(tmp)
        data = args.data or work / "data"
        data.mkdir(parents=True, exist_ok=True)
        known = cases(args.sizes, args.table_format, data)
        unknown = set(args.cases) - {name for name, _, _ in known}
        if unknown:
            raise SystemExit(f"unknown cases: {', '.join(sorted(unknown))}")
        before = previous_figures(args.previous)
        for name, table, config in known:
            if not args.cases or name in args.cases:
                results.update(run_case(name, table(), config, args, work))
                for label in results.keys() & before.keys():
                    results[label]["before"] = before[label]
    meta["load_average_after"] = [round(load, 2) for load in os.getloadavg()]
    _print_table(results)
    print(
        f"load average {meta['load_average'][0]:.2f} before, "
        f"{meta['load_average_after'][0]:.2f} after, on {meta['cores']} cores"
    )
    figures = {"meta": meta, "cases": results}
    for path in [args.json, args.keep and args.keep / FIGURES]:
        if path:
            path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(_markdown(results), encoding="utf-8")
    print(json.dumps(figures))


MD_STAGES = ("spark start", "load", "profile", "features", "select k", "fit", "describe")
MD_STAGES += ("charts", "pdf", "write")


def _markdown(results: dict[str, dict]) -> str:
    """The stage table, then the elbow comparison, as Markdown."""
    lines = [
        "| case | rows | k | import | "
        + " | ".join(MD_STAGES)
        + " | wall s | peak MB | adjusted Rand |",
        "|---" * (len(MD_STAGES) + 7) + "|",
    ]
    for name, r in results.items():
        ari = []
        if r.get("ari_vs_full_fit") is not None:
            ari.append(f"{r['ari_vs_full_fit']:.3f} vs full-data fit")
        if r.get("ari_vs_local") is not None:
            ari.append(f"{r['ari_vs_local']:.3f} vs local engine")
        stages = " | ".join(f"{r['stages'][s]:.1f}" if s in r["stages"] else "-" for s in MD_STAGES)
        lines.append(
            f"| {name} | {r['rows']:,} | {r['k']} | {r['import']:.1f} | {stages} | "
            f"{r['wall']:.1f} | {r['peak_mb']:,.0f} | {'; '.join(ari) or '-'} |"
        )
    for title, note, (header, rows) in tables(results):
        lines += ["", f"{title}:", "", markdown_table(header, rows), "", note + "."]
    return "\n".join(lines) + "\n"


Table = tuple[list[str], list[list[str]]]  # header, rows


def elbow_table(results: dict[str, dict]) -> Table:
    """reportgen's whole run against the notebook-style elbow sweep, per case (medians)."""
    header = ["case", "rows", "reportgen s", "elbow s", "its fits s", "ratio", "k", "elbow's k"]
    rows = [
        [
            name,
            f"{r['rows']:,}",
            f"{r['wall']:.2f}",
            f"{r['elbow']['wall']:.2f}",
            f"{r['elbow']['sweep']:.2f}",
            f"{r['elbow']['wall'] / r['wall']:.1f}x",
            str(r["k"]),
            str(r["elbow"]["k"]),
        ]
        for name, r in results.items()
        if "elbow" in r
    ]
    return header, rows


# Issue 17's targets for the local engine, on a quiet machine: case -> (wall s, peak MB or None)
TARGETS = {
    "mall": (4.0, None),
    "synthetic-1000000": (10.0, None),
    "synthetic-10000000": (45.0, 4096.0),
}


def target_verdict(label: str, wall: float, peak_mb: float) -> tuple[str, str]:
    """The case's target, written out, and "yes" or "no" (both "-" when it has none)."""
    if label not in TARGETS:
        return "-", "-"
    seconds, megabytes = TARGETS[label]
    text = f"{seconds:g} s" + (f", {megabytes:,.0f} MB" if megabytes else "")
    met = wall < seconds and (megabytes is None or peak_mb < megabytes)
    return text, "yes" if met else "no"


def summary_table(results: dict[str, dict]) -> Table:
    """One row a case: median wall and peak MB, the target and whether it is met, and (with
    --previous) the comparison with the previous version's segments."""
    header = ["case", "rows", "runs", "wall s", "peak MB", "target", "met"]
    with_previous = any("previous" in r for r in results.values())
    rows = []
    for name, r in results.items():
        target, met = target_verdict(name, r["wall"], r["peak_mb"])
        row = [name, f"{r['rows']:,}", str(len(r["runs"])), f"{r['wall']:.2f}"]
        row += [f"{r['peak_mb']:,.0f}", target, met]
        if with_previous:
            row.append(describe_comparison(r["previous"]) if "previous" in r else "-")
        rows.append(row)
    return header + ["vs previous"] * with_previous, rows


def before_after_table(results: dict[str, dict]) -> Table:
    """The previous version's medians (from --previous DIR/figures.json) against this run's."""
    header = ["case", "rows", "before s", "after s", "speed-up", "before MB", "after MB"]
    header.append("segments")
    rows = [
        [
            name,
            f"{r['rows']:,}",
            f"{r['before']['wall']:.2f}",
            f"{r['wall']:.2f}",
            f"{r['before']['wall'] / r['wall']:.1f}x",
            f"{r['before']['peak_mb']:,.0f}",
            f"{r['peak_mb']:,.0f}",
            describe_comparison(r["previous"]) if "previous" in r else "-",
        ]
        for name, r in results.items()
        if "before" in r
    ]
    return header, rows


def tables(results: dict[str, dict]) -> list[tuple[str, str, Table]]:
    """The tables after the stage table that have rows: title, a note, the table."""
    versions = {r["before"]["version"] for r in results.values() if "before" in r}
    made = [
        (
            f"before ({', '.join(sorted(versions))}) and after",
            "medians of each version's runs; speed-up = before s / after s; segments: the "
            "adjusted Rand index against the previous version's, customer by customer",
            before_after_table(results),
        ),
        (
            "reportgen against a notebook-style elbow sweep (k = 1..10, 10 starts each on all "
            "rows, silhouette on 10,000 rows)",
            "elbow s is the sweep's whole process, like reportgen's wall s; its fits s the "
            "k = 1..10 loop alone; ratio = elbow s / reportgen s; elbow's k has the best "
            "silhouette",
            elbow_table(results),
        ),
        (
            "summary",
            "medians over the runs; peak MB is the main process's high-water mark plus its "
            "helpers'; the targets (issue 17) are for a quiet machine",
            summary_table(results),
        ),
    ]
    return [(title, note, table) for title, note, table in made if table[1]]


def text_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns as wide as their widest cell; the first left-aligned, the others right."""
    columns = list(zip(header, *rows, strict=True))
    widths = [max(map(len, column)) for column in columns]
    numeric = [  # right-aligned: columns of numbers ("-" where there is none)
        all(re.fullmatch(r"-|[\d,.]+x?", c) for c in column[1:]) and set(column[1:]) != {"-"}
        for column in columns
    ]

    def line(cells: list[str]) -> str:
        aligned = zip(cells, widths, numeric, strict=True)
        return "  ".join(c.rjust(w) if right else c.ljust(w) for c, w, right in aligned).rstrip()

    return "\n".join(line(row) for row in [header, *rows])


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(
        "| " + " | ".join(cells) + " |" for cells in [header, ["---"] * len(header), *rows]
    )


def stage_names(results: dict[str, dict]) -> list[str]:
    """Every stage timed in these results, in the order they ran (so versions of reportgen with
    other stages print theirs)."""
    names: dict[str, None] = {}
    for r in results.values():
        names.update(dict.fromkeys(r["stages"]))
    return list(names)


def _print_table(results: dict[str, dict]) -> None:
    stages_shown = stage_names(results)
    head = (
        f"{'case':<24}{'rows':>11}{'k':>4}{'import':>8}"
        + "".join(f"{s[:8]:>9}" for s in stages_shown)
        + f"{'wall s':>9}{'peak MB':>9}"
    )
    repeats = {len(r["runs"]) for r in results.values()}
    if repeats != {1}:
        print(f"medians of {' or '.join(map(str, sorted(repeats)))} runs")
    print(head)
    for name, r in results.items():
        stages = "".join(f"{r['stages'].get(s, 0.0):>9.2f}" for s in stages_shown)
        print(
            f"{name:<24}{r['rows']:>11,}{r['k']:>4}{r['import']:>8.2f}{stages}"
            f"{r['wall']:>9.2f}{r['peak_mb']:>9.0f}"
            + (f"  ARI vs local {r['ari_vs_local']:.3f}" if "ari_vs_local" in r else "")
            + (f"  ARI vs full fit {r['ari_vs_full_fit']:.3f}" if r.get("ari_vs_full_fit") else "")
        )
    for title, note, (header, rows) in tables(results):
        print(f"\n{title}:\n{text_table(header, rows)}\n({note})")


if __name__ == "__main__":
    main()
