"""``reportgen email``: an email-safe message (parsed back with the ``email`` package) and real
SMTP delivery to a server started on 127.0.0.1 inside the test (aiosmtpd)."""

from __future__ import annotations

import email
import json
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.cli_email import email_command
from reportgen.config import EMAIL_KEYS, read_config_file
from reportgen.errors import ConfigError
from reportgen.mail.compose import (
    PASSWORD_ENV,
    MailError,
    MailSettings,
    load_settings,
    make_settings,
    report_labels,
    send_report,
)
from reportgen.report.summary import Summary, SummaryReport
from tests.conftest import MALL, DefaultRun

SENDER = "analytics@example.com"
TO = ("cmo@example.com", "sales@example.com")
PASSWORD = "pw-9f3K!s3cret"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


# --------------------------------------------------------------------------------------------
# fixtures and helpers


@pytest.fixture(scope="module")
def report(mall_report: DefaultRun) -> Path:
    """The session's mall report (HTML and PDF), read only."""
    return mall_report.out


@pytest.fixture(scope="module")
def summary(report: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    return data


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(email_command, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def write_eml(report: Path, eml: Path, *extra: str) -> EmailMessage:
    code, out, err = invoke(str(report), *_people(), "--eml", str(eml), *extra)
    assert code == 0, err + out
    return parse(eml.read_bytes())


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _people() -> list[str]:
    return ["--from", SENDER, *[arg for to in TO for arg in ("--to", to)]]


def one_line_error(code: int, err: str) -> str:
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    return lines[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Collect:
    """An aiosmtpd handler that keeps every envelope; ``defer`` answers the first N with 451."""

    def __init__(self, defer: int = 0) -> None:
        self.envelopes: list[Any] = []
        self.defer = defer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.defer:
            self.defer -= 1
            return "451 4.3.0 Try again later"
        self.envelopes.append(envelope)
        return "250 OK"


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"bot",
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def relay() -> Iterator[tuple[Controller, Collect]]:
    """A plain SMTP relay on 127.0.0.1 (no TLS, no login)."""
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def login_relay() -> Iterator[tuple[Controller, Collect]]:
    """A relay that requires login as bot / PASSWORD (allowed without TLS: a local test)."""
    handler = Collect()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=_authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield controller, handler
    controller.stop()


# --------------------------------------------------------------------------------------------
# the message


def test_eml_is_an_email_safe_multipart_message(report: Path, tmp_path: Path) -> None:
    eml = tmp_path / "summary.eml"
    message = write_eml(report, eml)
    raw = eml.read_bytes()
    assert raw.startswith(b"X-Unsent: 1\r\n"), "Outlook opens it as a draft only with X-Unsent"
    assert b"\n" not in raw.replace(b"\r\n", b""), "an .eml uses CRLF line ends"
    assert message["From"] == SENDER and message["To"] == ", ".join(TO)
    assert message["Subject"] == "Customer segmentation report – " + _period(report)

    assert message.get_content_type() == "multipart/mixed"
    top = [p.get_content_type() for p in message.iter_parts()]
    assert top == ["multipart/alternative", "application/pdf"]
    alternative = next(message.iter_parts())
    assert isinstance(alternative, EmailMessage)
    inner = [p.get_content_type() for p in alternative.iter_parts()]
    assert inner == ["text/plain", "multipart/related"]
    related = list(alternative.iter_parts())[1]
    assert isinstance(related, EmailMessage)
    parts = list(related.iter_parts())
    assert parts[0].get_content_type() == "text/html"

    html = html_of(message)
    images = {str(p["Content-ID"]).strip().strip("<>"): p for p in parts[1:]}
    cids = set(re.findall(r'src="cid:([^"]+)"', html))
    assert cids and cids == set(images), "every cid: has its image and every image is used"
    for image in images.values():
        assert image.get_content_type() == "image/png"
        assert len(image.get_content()) <= 40_000, "inline charts stay small"
        assert image.get_content_disposition() == "inline"

    pdf = list(message.iter_parts())[1]
    assert pdf.get_filename() == "report.pdf" and pdf.get_content_disposition() == "attachment"
    assert pdf.get_content() == (report / "report.pdf").read_bytes()


def test_html_has_inline_styles_and_no_style_block_or_data_uri(
    report: Path, tmp_path: Path
) -> None:
    html = html_of(write_eml(report, tmp_path / "m.eml"))
    assert len(html.encode("utf-8")) < 100_000, "Gmail clips HTML over about 100 KB"
    assert "<style" not in html.lower() and "<link" not in html.lower()
    assert "data:" not in html
    assert 'width="600"' in html
    visible = re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL)  # not Outlook's [if mso] table
    for tag in re.findall(r"<(?:table|td|th)\b[^>]*>", visible):
        assert "style=" in tag, f"{tag} relies on a class"
    assert "border-collapse: collapse" in html
    assert "The full report is attached" in html and "report.pdf" in html


def test_text_part_has_the_summary_every_segment_and_top_action(
    report: Path, summary: dict[str, Any], tmp_path: Path
) -> None:
    message = write_eml(report, tmp_path / "m.eml")
    text, html = text_of(message), html_of(message)
    assert " ".join(summary["summary"].split()) in " ".join(text.split())
    for seg in summary["segments"]:
        action = seg["recommendations"][0]["objective"]
        assert seg["name"] in text and action in text, seg["name"]
        assert seg["name"] in html and action in html, seg["name"]
        assert f"{seg['size']} customers" in text
    assert "report.pdf" in text


def test_no_attach_pdf_leaves_it_out_and_says_so(report: Path, tmp_path: Path) -> None:
    message = write_eml(report, tmp_path / "m.eml", "--no-attach-pdf")
    assert message.get_content_type() == "multipart/alternative"
    assert not [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert "not attached" in html_of(message) and "not attached" in text_of(message)


def test_missing_pdf_and_missing_summary_are_clear_errors(report: Path, tmp_path: Path) -> None:
    folder = tmp_path / "html-only"
    folder.mkdir()
    shutil.copy(report / "summary.json", folder)
    code, _, err = invoke(str(folder), *_people(), "--eml", str(tmp_path / "x.eml"))
    line = one_line_error(code, err)
    assert str(folder) in line and "--format pdf" in line and "--no-attach-pdf" in line
    assert not (tmp_path / "x.eml").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = invoke(str(empty), *_people(), "--eml", str(tmp_path / "x.eml"))
    line = one_line_error(code, err)
    assert str(empty) in line and "summary.json" in line


def test_config_branding_email_table_and_template_override(report: Path, tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (120, 30), "#7a1f5c").save(tmp_path / "logo.png")
    brand = tmp_path / "brand"
    brand.mkdir()
    (brand / "email.html").write_text(
        '{% extends "default:email.html" %}\n'
        '{% block footer %}<tr><td class="footer">Ask Ana in Insights.</td></tr>{% endblock %}\n',
        encoding="utf-8",
    )
    config = tmp_path / "reportgen.toml"
    config.write_text(
        '[email]\nfrom = "Analytics <analytics@example.com>"\nto = ["cmo@example.com"]\n'
        'subject = "November segments"\nattach_pdf = false\n\n'
        '[branding]\ncompany = "Acme Retail"\nprimary_color = "#7a1f5c"\nlogo = "logo.png"\n\n'
        '[run]\ntemplate_dir = "brand"\n',
        encoding="utf-8",
    )
    eml = tmp_path / "m.eml"
    code, out, err = invoke(str(report), "--config", str(config), "--eml", str(eml))
    assert code == 0, err + out
    message = parse(eml.read_bytes())
    html = html_of(message)
    assert message["Subject"] == "November segments"
    assert message["From"] == "Analytics <analytics@example.com>"
    assert message["To"] == "cmo@example.com"
    assert "Acme Retail" in html and "Acme Retail" in text_of(message)
    assert "background-color: #7a1f5c" in html and "color: #7a1f5c" in html
    assert "Ask Ana in Insights." in html
    assert not [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    images = [p for p in message.walk() if p.get_content_maintype() == "image"]
    assert len(images) == 2  # the logo and the chart, both referenced
    for image in images:
        assert f'src="cid:{str(image["Content-ID"]).strip("<>")}"' in html

    code, out, err = invoke(
        str(report), "--config", str(config), "--eml", str(eml), "--subject", "Hi"
    )
    assert code == 0 and parse(eml.read_bytes())["Subject"] == "Hi", err


def test_config_problems_are_reported_together(tmp_path: Path) -> None:
    config = tmp_path / "reportgen.toml"
    config.write_text(
        f'[email]\ntls = "maybe"\nsmtp_port = "x"\ncolour = 1\nsmtp_password = "{PASSWORD}"\n'
        '[branding]\nprimary_color = "red"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config, {}, {})
    message = str(caught.value)
    for part in ("tls must be one of", "smtp_port must be a port", "unknown key 'colour'", "hex"):
        assert part in message
    assert message.startswith(f"{config}: ") and "no sender" in message
    assert PASSWORD not in message


def test_title_and_period_come_from_summary_then_report_html(
    report: Path, summary: dict[str, Any], tmp_path: Path
) -> None:
    typed = Summary.from_json(summary)
    with_report = replace(
        typed, report=SummaryReport(title="Mall segments", period="Q4", max_text_length=80)
    )
    assert report_labels(tmp_path, with_report) == ("Mall segments", "Q4")
    bare = Summary.from_json({key: value for key, value in summary.items() if key != "report"})
    assert bare.report is None and "report" not in bare.to_dict()
    assert report_labels(report, bare) == ("Customer segmentation report", _period(report))
    assert report_labels(tmp_path, bare) == ("Customer segmentation report", "")


def test_preview_embeds_the_images_for_a_browser(report: Path, tmp_path: Path) -> None:
    preview = tmp_path / "preview.html"
    code, out, err = invoke(str(report), *_people(), "--preview", str(preview))
    assert code == 0, err + out
    page = preview.read_text(encoding="utf-8")
    assert "cid:" not in page and 'src="data:image/png;base64,' in page
    assert str(preview) in out


def test_eml_and_preview_never_replace_a_file_they_did_not_write(
    report: Path, tmp_path: Path
) -> None:
    pdf = (report / "report.pdf").read_bytes()
    for extra in ((), ("--force",)):  # the report's own files: never, not even with --force
        code, _, err = invoke(str(report), *_people(), "--eml", str(report / "report.pdf"), *extra)
        assert "is one of the report's own files" in one_line_error(code, err)
    assert (report / "report.pdf").read_bytes() == pdf
    notes = tmp_path / "notes.eml"
    notes.write_text("someone's own notes")
    page = tmp_path / "page.html"
    page.write_text("<p>someone's page</p>")
    for flag, path in (("--eml", notes), ("--preview", page)):
        code, _, err = invoke(str(report), *_people(), flag, str(path))
        line = one_line_error(code, err)
        assert f"{flag} {path} already exists and reportgen did not write it" in line
        assert "--force" in line
    assert notes.read_text() == "someone's own notes"
    assert page.read_text() == "<p>someone's page</p>"
    code, _, err = invoke(str(report), *_people(), "--eml", str(notes), "--preview", str(notes))
    assert "are the same file" in one_line_error(code, err)
    # its own draft and preview are replaced without --force; another file with it
    for _ in range(2):
        code, out, err = invoke(
            str(report), *_people(), "--eml", str(tmp_path / "d.eml"), "--preview", str(page),
            *(("--force",) if _ == 0 else ()),
        )  # fmt: skip
        assert code == 0, err + out
    assert page.read_text(encoding="utf-8").startswith("<!-- reportgen email preview -->")
    assert parse((tmp_path / "d.eml").read_bytes())["X-Mailer"].startswith("reportgen ")


def test_html_over_100_kb_warns_in_one_line(report: Path, tmp_path: Path) -> None:
    brand = tmp_path / "brand"
    brand.mkdir()
    (brand / "email.html").write_text(
        '{% extends "default:email.html" %}\n'
        '{% block summary %}{{ super() }}<tr><td>{{ "many words " * 10000 }}</td></tr>'
        "{% endblock %}\n",
        encoding="utf-8",
    )
    code, _, err = invoke(
        str(report), *_people(), "--eml", str(tmp_path / "m.eml"), "--template-dir", str(brand)
    )
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "100 KB" in warnings[0], err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "not-an-address", "--from", SENDER], "not an email address"),
        (["--to", "a@example.com, b@example.com", "--from", SENDER], "one address"),
        (["--to", "a@example.com", "--from", "me"], "not an email address"),
        (["--to", "a@example.com"], "no sender: pass --from ADDR"),
        (["--from", SENDER], "no recipient: pass --to ADDR"),
        (["--to", "a@example.com", "--from", SENDER, "--smtp-user", "bot"], "nothing to do"),
        (["--to", "x", "--from", "me", "--eml", "m.eml"], "--from 'me' is not an email"),
    ],
)
def test_a_bad_setting_exits_1_in_one_line_as_run_does(
    report: Path, args: list[str], message: str
) -> None:
    """Settings are the library's to check (``mail.load_settings``): one line, exit 1."""
    code, out, err = invoke(str(report), *args)
    assert message in one_line_error(code, err) and "Traceback" not in err + out


def test_a_bad_setting_in_the_config_file_exits_1_naming_the_file(
    report: Path, tmp_path: Path
) -> None:
    config = tmp_path / "reportgen.toml"
    config.write_text('[email]\nfrom = "me"\nattach_pdf = "yes"\ndeadline = "soon"\n')
    code, out, err = invoke(
        str(report), "--config", str(config), "--to", "a@example.com", "--eml", "m.eml"
    )
    line = one_line_error(code, err)
    assert line.startswith(f"Error: {config}: ") and "Traceback" not in err + out
    for part in ("--from 'me' is not an email", "attach_pdf must be true or false", "deadline"):
        assert part in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "a@example.com", "--from", SENDER, "--ssl", "--no-tls"], "only one of"),
        (["--to", "a@example.com", "--from", SENDER, "--smtp-port", "0"], "--smtp-port"),
        (["--to", "a@example.com", "--from", SENDER, "--colour", "red"], "No such option"),
    ],
)
def test_bad_usage_exits_2(report: Path, args: list[str], message: str) -> None:
    code, _, err = invoke(str(report), *args)
    assert code == 2 and message in err, err


def test_help_documents_every_option() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    for option in (
        "--to",
        "--from",
        "--subject",
        "--eml",
        "--smtp-host",
        "--smtp-port",
        "--smtp-user",
        "--starttls",
        "--ssl",
        "--no-tls",
        "--no-attach-pdf",
        "--preview",
        "--config",
        "--template-dir",
        "--quiet",
        "--debug",
        PASSWORD_ENV,
    ):
        assert option in out, option
    assert "--password" not in out and "--smtp-password" not in out


# --------------------------------------------------------------------------------------------
# sending


def test_send_to_a_local_relay(report: Path, relay: tuple[Controller, Collect]) -> None:
    controller, handler = relay
    code, out, err = invoke(
        str(report), *_people(), "--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port),
        "--no-tls",
    )  # fmt: skip
    assert code == 0, err + out
    assert "Sent via 127.0.0.1" in out
    [envelope] = handler.envelopes
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == list(TO)
    message = parse(envelope.original_content)
    assert message["Subject"].startswith("Customer segmentation report")
    assert message["X-Unsent"] is None, "a sent message is not a draft"
    assert "Executive summary" in html_of(message) and text_of(message)


def test_login_with_the_password_from_the_environment(
    report: Path, login_relay: tuple[Controller, Collect], tmp_path: Path
) -> None:
    controller, handler = login_relay
    eml = tmp_path / "sent.eml"
    code, out, err = invoke(
        str(report), *_people(), "--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port),
        "--no-tls", "--smtp-user", "bot", "--eml", str(eml), "--debug",
        env={PASSWORD_ENV: PASSWORD},
    )  # fmt: skip
    assert code == 0, err + out
    assert len(handler.envelopes) == 1
    assert PASSWORD not in out + err
    assert PASSWORD.encode() not in eml.read_bytes()
    assert not eml.read_bytes().startswith(b"X-Unsent"), "a copy of a sent message"
    assert "without TLS" in err  # the password crossed the wire in the clear


def test_wrong_password_is_one_line_without_the_password(
    report: Path, login_relay: tuple[Controller, Collect]
) -> None:
    controller, handler = login_relay
    wrong = PASSWORD + "-wrong"
    code, out, err = invoke(
        str(report), *_people(), "--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port),
        "--no-tls", "--smtp-user", "bot",
        env={PASSWORD_ENV: wrong},
    )  # fmt: skip
    line = one_line_error(code, err)
    assert "authentication failed" in line and "bot" in line and PASSWORD_ENV in line
    assert wrong not in out + err and PASSWORD not in out + err
    assert handler.envelopes == []


def test_login_without_a_password_is_refused_before_connecting(report: Path) -> None:
    code, _, err = invoke(
        str(report), *_people(), "--smtp-host", "127.0.0.1", "--smtp-user", "bot", env={}
    )
    line = one_line_error(code, err)
    assert PASSWORD_ENV in line and "smtp_password" in line


def test_refused_connection_is_retried_then_one_line(
    report: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens here
    waits: list[float] = []
    settings = MailSettings(
        sender=SENDER, to=TO, smtp_host="127.0.0.1", smtp_port=port, tls="none",
        attach_pdf=False, retry_delay=0.01,
    )  # fmt: skip
    with pytest.raises(MailError) as caught:
        send_report(report, settings, sleep=waits.append)
    assert waits == [0.01, 0.02], "3 attempts with a doubling pause"
    assert "connection refused" in str(caught.value) and "3 attempts" in str(caught.value)

    monkeypatch.setattr("reportgen.mail.compose.time.sleep", lambda _: None)
    eml = tmp_path / "m.eml"
    code, _, err = invoke(
        str(report), *_people(), "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--no-tls",
        "--eml", str(eml),
    )  # fmt: skip
    line = one_line_error(code, err)
    assert f"127.0.0.1:{port}" in line and "connection refused" in line and str(eml) in line
    assert eml.read_bytes().startswith(b"X-Unsent: 1\r\n"), "kept as a draft to send by hand"


def test_deferred_message_is_retried(report: Path) -> None:
    handler = Collect(defer=1)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = MailSettings(
            sender=SENDER, to=TO, smtp_host="127.0.0.1", smtp_port=controller.port, tls="none",
        )  # fmt: skip
        waits: list[float] = []
        result = send_report(report, settings, sleep=waits.append)
    finally:
        controller.stop()
    assert result.attempts == 2 and waits == [1.0] and len(handler.envelopes) == 1


def test_starttls_is_the_default_and_a_server_without_it_is_a_clear_error(
    report: Path, relay: tuple[Controller, Collect]
) -> None:
    controller, handler = relay
    code, _, err = invoke(
        str(report), *_people(), "--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port)
    )
    line = one_line_error(code, err)
    assert "STARTTLS" in line and "--ssl" in line and "--no-tls" in line
    code, _, err = invoke(
        str(report), *_people(), "--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port),
        "--ssl",
    )  # fmt: skip
    line = one_line_error(code, err)
    assert "TLS failed" in line and "465" in line
    assert handler.envelopes == []


def test_password_stays_out_of_repr_and_settings_merge(tmp_path: Path) -> None:
    config = tmp_path / "reportgen.toml"
    config.write_text(
        f'[email]\nfrom = "{SENDER}"\nto = "cmo@example.com"\nsmtp_host = "mail.example.com"\n'
        f'smtp_user = "bot"\nsmtp_password = "from-file"\ntls = "ssl"\n',
        encoding="utf-8",
    )
    values = read_config_file(config)
    settings = make_settings(values, {"smtp_port": 2465}, {PASSWORD_ENV: PASSWORD})
    assert settings.smtp_password == PASSWORD, "the environment wins over the file"
    assert PASSWORD not in repr(settings)
    assert (settings.port, settings.tls, settings.to) == (2465, "ssl", ("cmo@example.com",))
    assert make_settings(values, {}, {}).port == 465
    assert make_settings(values, {}, {}).smtp_password == "from-file"


def _period(report: Path) -> str:
    match = re.search(r"<title>.* · (.*?)</title>", (report / "report.html").read_text("utf-8"))
    assert match
    return match.group(1)


def test_run_with_email_to_builds_and_sends_in_one_go(
    tmp_path: Path, relay: tuple[Controller, Collect]
) -> None:
    controller, handler = relay
    config = tmp_path / "reportgen.toml"
    config.write_text(
        f'[email]\nfrom = "{SENDER}"\nsmtp_host = "127.0.0.1"\nsmtp_port = {controller.port}\n'
        'tls = "none"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, [
        "run", str(MALL), "--out", str(tmp_path / "out"), "--config", str(config),
        "--email-to", "cmo@example.com", "--k", "4",
    ])  # fmt: skip
    assert result.exit_code == 0, result.stderr + result.stdout
    assert "Sent via 127.0.0.1" in result.stdout
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["cmo@example.com"]
    message = parse(envelope.original_content)
    names = [
        s["name"] for s in json.loads((tmp_path / "out" / "summary.json").read_text())["segments"]
    ]
    assert all(name in text_of(message) for name in names)
    bad = CliRunner().invoke(main, [
        "run", str(MALL), "--out", str(tmp_path / "out2"), "--email-to", "cmo@example.com",
    ])  # fmt: skip
    assert bad.exit_code == 1 and "no sender" in bad.stderr
    assert not (tmp_path / "out2").exists()  # checked before the run, nothing written


@pytest.fixture
def echoing_server() -> Iterator[int]:
    """A hostile SMTP server that repeats the client's AUTH line back in its refusal."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn, conn.makefile("rwb") as stream:
                stream.write(b"220 echo ESMTP\r\n")
                stream.flush()
                for raw in stream:
                    line = raw.decode("ascii", "replace").strip()
                    verb = line.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        stream.write(b"250-echo\r\n250 AUTH PLAIN\r\n")
                    elif verb == "AUTH":
                        stream.write(f"535 5.7.8 rejected: {line}\r\n".encode())
                    elif verb == "QUIT":
                        stream.write(b"221 bye\r\n")
                        stream.flush()
                        break
                    else:
                        stream.write(b"250 ok\r\n")
                    stream.flush()

    threading.Thread(target=serve, daemon=True).start()
    yield port
    server.close()


@pytest.mark.parametrize("password", [PASSWORD, "pässwörd-ünïcode-9"])
def test_a_server_echoing_the_auth_blob_never_gets_the_password_printed(
    report: Path, echoing_server: int, tmp_path: Path, password: str
) -> None:
    import base64

    code, out, err = invoke(
        str(report), *_people(), "--smtp-host", "127.0.0.1", "--smtp-port", str(echoing_server),
        "--no-tls", "--smtp-user", "bot", "--eml", str(tmp_path / "m.eml"),
        env={PASSWORD_ENV: password},
    )  # fmt: skip
    line = one_line_error(code, err)
    assert "authentication failed for user bot" in line and "***" in line
    blob = base64.b64encode(f"\0bot\0{password}".encode()).decode()
    for secret in (password, blob, blob.rstrip("="), base64.b64encode(password.encode()).decode()):
        assert secret not in out + err
        assert secret.encode() not in (tmp_path / "m.eml").read_bytes()


def test_a_non_ascii_password_logs_in_as_utf8(report: Path, tmp_path: Path) -> None:
    password = "pässwörd-ünïcode-9"
    handler = Collect()

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False)

    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
        auth_required=True, auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        code, out, err = invoke(
            str(report), *_people(), "--smtp-host", "127.0.0.1", "--smtp-port",
            str(controller.port), "--no-tls", "--smtp-user", "bot",
            env={PASSWORD_ENV: password},
        )  # fmt: skip
    finally:
        controller.stop()
    assert code == 0, err + out
    assert len(handler.envelopes) == 1 and password not in out + err


def test_a_server_that_drips_bytes_is_cut_at_the_deadline(report: Path, tmp_path: Path) -> None:
    """One byte every 0.3 s never trips the per-operation timeout; the deadline cuts it."""
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def drip() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            try:
                for _ in range(200):
                    conn.sendall(b"2")
                    time.sleep(0.3)
            except OSError:
                return

    threading.Thread(target=drip, daemon=True).start()
    settings = MailSettings(
        sender=SENDER, to=TO, smtp_host="127.0.0.1", smtp_port=port, tls="none",
        timeout=1.0, deadline=2.0, attempts=1, eml=tmp_path / "m.eml",
    )  # fmt: skip
    started = time.monotonic()
    with pytest.raises(MailError, match="did not finish within 2 s"):
        send_report(report, settings)
    assert time.monotonic() - started < 10
    server.close()
    assert "deadline" in EMAIL_KEYS  # the [email] deadline key is documented with the others
