"""Values never become code, the PDF writer fetches nothing, failed runs lose nothing."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from reportgen import Config, run
from reportgen.cli import main
from reportgen.report import render
from tests.conftest import MALL, DefaultRun

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def hostile_table(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 60
    frame = pd.DataFrame(
        {
            "id": [f'=HYPERLINK("http://evil","{i}")' if i == 3 else f"C{i}" for i in range(n)],
            f"spend {SCRIPT}": np.r_[rng.normal(10, 1, n // 2), rng.normal(50, 2, n // 2)].round(1),
            "visits": np.r_[rng.normal(2, 0.3, n // 2), rng.normal(9, 0.5, n // 2)].round(1),
            "plan": ["<b>gold</b>"] * (n // 2) + ["<img src=x onerror=alert(1)>"] * (n // 2),
        }
    )
    path = tmp_path / "hostile.csv"
    frame.to_csv(path, index=False)
    return path


def test_markup_in_names_and_values_is_shown_as_text(tmp_path: Path, hostile_table: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(hostile_table), "--out", str(out), "-q", "--id-column", "id"]
    )
    assert result.exit_code == 0, result.stderr
    html = (out / "report.html").read_text()
    assert SCRIPT not in html and "<img src=x" not in html and "<b>gold</b>" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;b&gt;gold&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    text = "\n".join(p.extract_text() for p in PdfReader(out / "report.pdf").pages)
    assert "spend <script>alert('x')</script>" in text.replace("\n", " ")
    segments = pd.read_csv(out / "segments.csv", dtype=str)
    assert segments.loc[3, "id"].startswith("'=HYPERLINK")  # neutralised for spreadsheets
    from reportgen.mail import compose as mail

    settings = mail.make_settings({}, {"sender": "a@example.com", "to": ("b@example.com",)}, {})
    email_html = mail.compose(out, settings).html
    assert SCRIPT not in email_html and "&lt;script&gt;" in email_html


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_the_pdf_writer_fetches_nothing(tmp_path: Path, local_server) -> None:  # type: ignore[no-untyped-def]
    url, hits = local_server
    brand = tmp_path / "brand"
    brand.mkdir()
    (brand / "report.html").write_text(
        '{% extends "default:report.html" %}'
        "{% block head_extra %}"
        f'<link rel="stylesheet" href="{url}/style.css">'
        f"<style>@import url('{url}/import.css'); body {{ background: url('{url}/bg.png') }}"
        "</style>{% endblock %}"
        "{% block method %}"
        f'<img src="{url}/pixel.png"><img src="file:///etc/hostname">'
        f'<object data="{url}/object"></object><iframe src="{url}/frame"></iframe>'
        "{% endblock %}"
    )
    (tmp_path / "values.csv").write_text(
        "id,spend,visits\n"
        + "".join(
            f"{i},{10 + (i % 2) * 40 + i % 5},{i % 3 + (i % 2) * 9}\n" for i in range(40)
        ).replace("1,", f'1,"<img src={url}/value.png>",', 0)
    )
    data = tmp_path / "values.csv"
    frame = pd.read_csv(data)
    frame.insert(1, f"<img src='{url}/column.png'>", range(40))
    frame.to_csv(data, index=False)
    result = CliRunner().invoke(
        main, ["run", str(data), "--out", str(tmp_path / "out"), "-q", "--template-dir", str(brand)]
    )
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "report.pdf").stat().st_size > 10_000
    assert hits == []


def test_the_fetcher_serves_data_uris_only() -> None:
    fetcher = render._fetcher()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    for url in (
        "http://127.0.0.1:1/x",
        "https://example.com/x",
        "file:///etc/passwd",
        "ftp://example.com/x",
    ):
        with pytest.raises(ValueError, match="blocks external resources"):
            fetcher.fetch(url)


def test_two_runs_give_identical_files(tmp_path: Path, mall_report: DefaultRun) -> None:
    first = mall_report.result  # the session's run of the mall table, earlier in the session
    second = run(Config.build(input=MALL, out=tmp_path / "b", formats=("html",)))
    for name in ("segments.csv", "summary.json", "model.json", "report.html"):
        assert first.files[name].read_bytes() == second.files[name].read_bytes(), name
    summary = json.loads(first.files["summary.json"].read_text())
    import hashlib

    assert summary["input"]["sha256"] == hashlib.sha256(MALL.read_bytes()).hexdigest()


def test_a_failed_rerun_keeps_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report"
    run(Config.build(input=MALL, out=out, formats=("html",)))
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken_pdf(page: str, path: Path, helpers: object = None) -> Callable[[], None]:
        def finish() -> None:  # the PDF fails after the data files were written
            path.write_bytes(b"%PDF-1.7 half")
            raise RuntimeError("disk full")

        return finish

    monkeypatch.setattr(render, "begin_pdf", broken_pdf)
    with pytest.raises(RuntimeError):
        run(Config.build(input=MALL, out=out, force=True, k=3))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no staging leftovers


@pytest.mark.slow  # a real process or a large table: CI runs it with -m slow
def test_wide_tables_and_long_values_stay_readable(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n, width = 150, 300
    labels = rng.integers(0, 3, n)
    long_name = "a_rather_long_descriptive_measure_name_that_goes_on_{:03d}"
    frame = pd.DataFrame(
        {long_name.format(j): rng.normal(labels * 2, 1, n).round(2) for j in range(width)}
    )
    frame.insert(0, "customer_id", range(n))
    frame["notes"] = "a very long free text value " * 40
    path = tmp_path / "wide.csv"
    frame.to_csv(path, index=False)
    result = run(Config.build(input=path, out=tmp_path / "out", formats=("html",), k=3))
    html = result.files["report.html"].read_text()
    assert len(html) < 3_000_000
    profile_table = html.split('class="profile-table"')[1].split("</table>")[0]
    assert profile_table.count("<tr>") == 1 + 60  # header + the first 60 columns
    assert "… and 242 more columns; summary.json profiles every column." in html
    full = long_name.format(0)
    assert f'<span title="{full}">' in html  # shortened, full name kept as a tooltip
    assert "the 40 of 300 features that differ most" in html
    summary = json.loads(result.files["summary.json"].read_text())
    assert len(summary["profile"]["columns"]) == width + 2  # nothing lost in the data


@pytest.mark.parametrize(
    "expression",
    [
        "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ title.__class__ }}",
        "{% set x = segments | list %}{{ x.append(1) }}",
    ],
)
def test_a_template_reaching_for_python_internals_stops_with_a_sandbox_error(
    tmp_path: Path, expression: str
) -> None:
    brand = tmp_path / "brand"
    brand.mkdir()
    (brand / "report.html").write_text(
        '{% extends "default:report.html" %}{% block method %}' + expression + "{% endblock %}",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(MALL),
            "--out",
            str(out),
            "--k",
            "3",
            "--format",
            "html",
            "--template-dir",
            str(brand),
        ],  # fmt: skip
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and "report.html" in line
    assert "not allowed in a template" in line and "is unsafe" in line
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists() and not out.exists()
