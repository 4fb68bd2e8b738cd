"""Email summary of a report folder: an email-safe HTML part, a text part, inline charts, the PDF.

Email clients are not browsers: Gmail drops ``<style>`` blocks and clips HTML past ~100 KB,
Outlook lays out only tables, and neither shows ``data:`` images.  So the ``email.html``
template is a 600px table layout whose CSS is inlined with css-inline (the ``<style>`` block is
removed and remote stylesheets are never fetched), charts are ``cid:`` parts of a
multipart/related message, and a text/plain alternative carries the same content.

The message is built from the folder's ``summary.json`` alone (plus ``report.pdf`` and the
title in ``report.html``), so a report can be mailed long after the run that made it.  The
SMTP password comes from the caller (environment or config), is never a field of ``repr`` and
never appears in an error message.
"""

from __future__ import annotations

import base64
import html as html_lib
import io
import re
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from reportgen import __version__
from reportgen.config import Branding, branding_problems, load, merge
from reportgen.errors import ConfigError, RenderError, ReportgenError
from reportgen.formatting import MAX_TEXT_LENGTH, MAX_TEXT_LIMIT, MIN_TEXT_LENGTH
from reportgen.report.changes import ChangeDigest, digest
from reportgen.report.display import Shortener
from reportgen.report.summary import Summary, SummarySegment, SummaryTrait
from reportgen.report.templating import environment, render

PASSWORD_ENV = "REPORTGEN_SMTP_PASSWORD"
TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
HTML_LIMIT = 100_000  # bytes; Gmail clips the HTML part past about 102 KB
PDF_WARN = 10_000_000  # bytes; many servers refuse messages of 10-25 MB
DEFAULT_TITLE = "Customer segmentation report"
CHART_WIDTH = 552  # CSS pixels: the 600px column less its padding
_LOGO_HEIGHT = 40
MAILER = "reportgen"  # X-Mailer of every message: how --eml knows a file is its own
PREVIEW_MARK = "<!-- reportgen email preview -->\n"  # first line of every --preview file
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[\w-]+(?:\.[\w-]+)*$")
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


class MailError(ReportgenError):
    """The message cannot be built, written or sent (bad address, SMTP failure, missing file)."""


# ------------------------------------------------------------------------------------------
# settings


@dataclass(frozen=True)
class MailSettings:
    """Who gets the summary and how it travels; validated on creation.

    ``smtp_password`` is left out of ``repr`` so it cannot leak through logs or tracebacks.
    """

    sender: str
    to: tuple[str, ...]
    subject: str | None = None  # default: "<title> – <period>" of the report
    smtp_host: str | None = None  # None: do not send (write --eml only)
    smtp_port: int | None = None  # None: 587, 465 with tls="ssl", 25 with tls="none"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    tls: str = "starttls"  # "starttls" | "ssl" | "none"
    attach_pdf: bool = True
    eml: Path | None = None  # write the message here
    template_dir: Path | None = None
    branding: Branding = field(default_factory=Branding)
    timeout: float = 30.0  # seconds per SMTP operation
    deadline: float = 300.0  # seconds for one whole connection: a server that drips bytes
    #                          slower than the timeout cannot hold the command for ever
    attempts: int = 3  # tries for transient failures (refused, reset, timeout, 4xx)
    retry_delay: float = 1.0  # seconds before the 2nd try; doubles after each failure

    def __post_init__(self) -> None:
        problems = _check_settings(self)
        if problems:
            raise ConfigError("; ".join(problems))

    @property
    def port(self) -> int:
        return self.smtp_port or DEFAULT_PORTS[self.tls]

    @property
    def server(self) -> str:
        """``host:port (TLS mode)`` for messages; never holds credentials."""
        mode = {"starttls": "STARTTLS", "ssl": "TLS", "none": "no TLS"}[self.tls]
        return f"{self.smtp_host}:{self.port} ({mode})"


def check_address(value: str, what: str = "address") -> str:
    """One plausible address (``a@b.example`` or ``Name <a@b.example>``), else a MailError.

    Catches typos and header injection early; the server has the last word on deliverability.
    """
    if not isinstance(value, str) or "\n" in value or "\r" in value:
        raise MailError(f"{what} {value!r} is not an email address (e.g. name@example.com)")
    pairs = getaddresses([value])
    if len(pairs) != 1:
        raise MailError(f"{what} {value!r}: give one address at a time (repeat --to for several)")
    name, address = pairs[0]
    if not _ADDRESS.match(address):
        raise MailError(f"{what} {value!r} is not an email address (e.g. name@example.com)")
    return formataddr((name, address)) if name else address


def load_settings(
    config_file: Path | None, flags: Mapping[str, Any], environ: Mapping[str, str]
) -> MailSettings:
    """``make_settings`` over ``config_file`` (read by ``config.load``, as a run reads it), with
    every problem of the file and of the settings in one ConfigError."""
    return load(config_file, flags, lambda values, given: make_settings(values, given, environ))


def make_settings(
    file_values: Mapping[str, Any], flags: Mapping[str, Any], environ: Mapping[str, str]
) -> MailSettings:
    """Defaults < config file < flags (``config.merge``); the password from
    ``environ[PASSWORD_ENV]``, else the file.  ``file_values`` are ``config.read_config_file``'s:
    the email takes ``[email]``, ``[branding]`` and ``[run] template_dir``.

    ``environ`` is passed in (not read here) so the library has no hidden inputs.
    """
    merged = merge(_from_file(file_values), flags)
    if environ.get(PASSWORD_ENV):
        merged["smtp_password"] = environ[PASSWORD_ENV]
    unknown = set(merged) - {f.name for f in fields(MailSettings)}
    if unknown:
        raise ConfigError(f"unknown mail settings: {', '.join(sorted(unknown))}")
    to = merged.get("to", ())
    merged["to"] = tuple(map(_address, to if isinstance(to, (list, tuple)) else [to]))
    merged["sender"] = _address(merged.get("sender", ""))
    if isinstance(merged.get("branding"), Mapping):  # the file's [branding]
        try:
            merged["branding"] = Branding(**merged["branding"])
        except TypeError as exc:  # an unknown key (config.load names those in a file)
            raise ConfigError(f"branding: {exc}") from None
    return MailSettings(**merged)


def _from_file(values: Mapping[str, Any]) -> dict[str, Any]:
    """The MailSettings values among a config file's."""
    found = {"sender" if k == "from" else k: v for k, v in values.get("email", {}).items()}
    for key in ("template_dir", "branding"):
        if key in values:
            found[key] = values[key]
    return found


def _address(value: Any) -> Any:
    """A plausible address as ``check_address`` writes it; anything else as given, for
    ``MailSettings`` to name with the other problems."""
    try:
        return check_address(value) if value else value
    except MailError:
        return value


def _check_settings(s: MailSettings) -> list[str]:
    problems = _check_people(s) + _check_types(s)
    if s.tls not in TLS_MODES:
        problems.append(f"tls must be one of {', '.join(TLS_MODES)}, not {s.tls!r}")
    port = s.smtp_port
    if port is not None and not (_is_number(port, int) and 0 < port < 65536):
        problems.append(f"smtp_port must be a port number, not {port!r}")
    if isinstance(s.subject, str) and _breaks_a_header(s.subject):
        problems.append(
            "the subject must be one line of text, without line breaks or control characters"
        )
    if s.smtp_host and s.smtp_user and not s.smtp_password:
        problems.append(
            f"--smtp-user {s.smtp_user} needs a password: set {PASSWORD_ENV} or "
            "[email] smtp_password in the config"
        )
    if not all(_is_number(n, float) for n in (s.attempts, s.retry_delay, s.timeout, s.deadline)):
        problems.append("attempts, retry_delay, timeout and deadline must be numbers (seconds)")
    elif s.attempts < 1 or s.retry_delay < 0 or s.timeout <= 0 or s.deadline <= 0:
        problems.append("attempts must be at least 1, retry_delay, timeout and deadline positive")
    if isinstance(s.branding, Branding):
        problems.extend(branding_problems(s.branding))
    else:
        problems.append("branding must be a config.Branding")
    return problems


def _check_people(s: MailSettings) -> list[str]:
    """Sender and recipients: given, and plausible addresses."""
    problems: list[str] = []
    if not s.sender:
        problems.append("no sender: pass --from ADDR or set [email] from in the config")
    if not s.to:
        problems.append("no recipient: pass --to ADDR or set [email] to in the config")
    given = [("--from", s.sender)] if s.sender else []
    for what, value in [*given, *(("--to", t) for t in s.to)]:
        try:
            check_address(value, what)
        except MailError as exc:
            problems.append(str(exc))
    return problems


def _check_types(s: MailSettings) -> list[str]:
    """Values of the wrong kind (from a config file: ``attach_pdf = "yes"``), said by key;
    the password's value is never echoed."""
    texts = ("subject", "smtp_host", "smtp_user", "smtp_password")
    problems = [
        f"{name} must be text"
        for name in texts
        if not isinstance(getattr(s, name), (str, type(None)))
    ]
    if not isinstance(s.attach_pdf, bool):
        problems.append("attach_pdf must be true or false")
    for name in ("eml", "template_dir"):
        if not isinstance(getattr(s, name), (Path, type(None))):
            problems.append(f'{name} must be a path written as text, e.g. "brand"')
    return problems


def _is_number(value: Any, kind: type) -> bool:
    """``value`` is an int (``kind=int``) or an int or float (``kind=float``), not a bool."""
    allowed = (int, float) if kind is float else (int,)
    return isinstance(value, allowed) and not isinstance(value, bool)


# ------------------------------------------------------------------------------------------
# composing


@dataclass(frozen=True)
class InlineImage:
    """An image part of the message, shown by the HTML through ``src="cid:..."``."""

    key: str
    title: str
    alt: str
    data: bytes
    subtype: str  # "png" or "jpeg"
    width: int  # CSS pixels in the email
    height: int
    cid: str  # Content-ID without the angle brackets

    @property
    def src(self) -> str:
        return f"cid:{self.cid}"

    @property
    def filename(self) -> str:
        return f"{self.key}.{'jpg' if self.subtype == 'jpeg' else self.subtype}"


@dataclass(frozen=True)
class EmailSegment:
    """One row of the segment table."""

    id: int
    name: str
    size: int
    share: float
    color: str  # the segment's colour in the report's charts
    traits: str  # the strongest trait, e.g. "high Age (+45%)"; "" when close to average
    top_action: str  # objective of the first recommendation ("" if none)


@dataclass(frozen=True)
class EmailContext:
    """Everything email.html and text/email.txt receive (the email template API)."""

    subject: str
    title: str
    period: str  # "" when unknown
    preheader: str  # the line inbox lists show after the subject
    company: str
    logo: InlineImage | None  # PNG/JPEG logo as a cid: image
    footer: str
    primary_color: str
    accent_color: str
    font_family: str
    summary: str  # executive summary paragraph(s)
    changes: ChangeDigest | None  # changes since the baseline of a monthly run, else None
    segments: tuple[EmailSegment, ...]
    charts: tuple[InlineImage, ...]  # cid: images (src, alt, width, height, title)
    source: dict[str, Any]  # name, rows, columns of the input table
    pdf_attached: bool
    pdf_name: str
    pdf_size: str  # e.g. "726 KB"
    reportgen_version: str


@dataclass(frozen=True)
class Composed:
    """A finished message and the parts it was made of (for checks and previews)."""

    message: EmailMessage
    subject: str
    html: str  # the HTML part exactly as sent (styles inlined, cid: images)
    text: str
    images: tuple[InlineImage, ...]  # the image parts, each referenced by the HTML
    pdf_attached: bool
    warnings: tuple[str, ...]

    @property
    def html_size(self) -> int:
        return len(self.html.encode("utf-8"))


def compose(folder: Path, settings: MailSettings) -> Composed:
    """Build the message for the report in ``folder`` (needs summary.json; report.pdf if
    ``settings.attach_pdf``)."""
    summary = _load_summary(folder)
    pdf = _pdf(folder, settings.attach_pdf)
    title, period = report_labels(folder, summary)
    subject = settings.subject or (f"{title} – {period}" if period else title)
    warnings: list[str] = []
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "reportgen.invalid"
    shown = _shortener(summary)  # long names and values cut as the report cut them
    context = shown(_context(summary, settings, subject, title, period, pdf, warnings))
    html_part, text = _render(context, settings.template_dir, shown.limit)
    images = tuple(
        image
        for image in (*context.charts, *([context.logo] if context.logo else []))
        if image.src in html_part
    )
    warnings.extend(_html_warnings(html_part, images))
    message = _message(settings, subject, domain, text, html_part, images, pdf)
    if pdf and len(pdf) > PDF_WARN:
        warnings.append(
            f"report.pdf is {_kb(len(pdf))}; many mail servers refuse messages over 10-25 MB "
            "(pass --no-attach-pdf)"
        )
    return Composed(message, subject, html_part, text, images, pdf is not None, tuple(warnings))


def report_labels(folder: Path, summary: Summary) -> tuple[str, str]:
    """Title and period: summary.json's ``report``, else report.html's <title>, else defaults."""
    if summary.report is not None and summary.report.title:
        return summary.report.title, summary.report.period
    try:
        with (folder / "report.html").open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(16_384)
    except OSError:
        return DEFAULT_TITLE, ""
    match = _TITLE.search(head)
    if not match:
        return DEFAULT_TITLE, ""
    text = " ".join(html_lib.unescape(match.group(1)).split())
    title, sep, period = text.rpartition(" · ")
    return (title, period) if sep and title else (text or DEFAULT_TITLE, "")


def preview_html(composed: Composed) -> str:
    """The HTML with cid: images replaced by data: URIs, to look at in a browser.

    Only for previews and screenshots: Gmail and Outlook do not show data: images.
    """
    page = composed.html
    for image in composed.images:
        uri = f"data:image/{image.subtype};base64," + base64.b64encode(image.data).decode()
        page = page.replace(image.src, uri)
    return PREVIEW_MARK + page


def _load_summary(folder: Path) -> Summary:
    if not folder.is_dir():
        raise MailError(f"{folder} is not a folder; pass the output folder of reportgen run")
    path = folder / "summary.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MailError(
            f"{folder} has no summary.json; pass a folder written by reportgen run"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MailError(f"{path} cannot be read ({exc})") from None
    return Summary.from_json(text, source=str(path))


def _pdf(folder: Path, attach: bool) -> bytes | None:
    if not attach:
        return None
    try:
        return (folder / "report.pdf").read_bytes()
    except FileNotFoundError:
        raise MailError(
            f"{folder} has no report.pdf to attach; run with --format pdf or pass --no-attach-pdf"
        ) from None
    except OSError as exc:
        raise MailError(f"{folder / 'report.pdf'} cannot be read ({exc.strerror})") from None


def _context(
    summary: Summary,
    settings: MailSettings,
    subject: str,
    title: str,
    period: str,
    pdf: bytes | None,
    warnings: list[str],
) -> EmailContext:
    from reportgen.report.charts import palette

    brand = settings.branding
    colors = palette(brand.primary_color, brand.accent_color, len(summary.segments))
    segments = tuple(_segment(s, colors.segment(s.id)) for s in summary.segments)
    source = summary.input
    return EmailContext(
        subject=subject,
        title=title,
        period=period,
        preheader=_first_sentence(summary.summary),
        company=brand.company,
        logo=_logo(brand.logo, brand.company, warnings),
        footer=brand.footer,
        primary_color=brand.primary_color,
        accent_color=brand.accent_color,
        font_family=brand.font_family,
        summary=summary.summary,
        changes=digest(summary.comparison) if summary.comparison is not None else None,
        segments=segments,
        charts=(_sizes_chart(segments, brand.font_family),) if segments else (),
        source={
            "name": Path(source.path or "the input table").name,
            "rows": source.rows or sum(s.size for s in segments),
            "columns": source.columns,
        },
        pdf_attached=pdf is not None,
        pdf_name="report.pdf",
        pdf_size=_kb(len(pdf)) if pdf is not None else "",
        reportgen_version=summary.reportgen_version or __version__,
    )


def _shortener(summary: Summary) -> Shortener:
    """Long column names and values cut as the run's report cut them (summary.json keeps
    them whole; ``report.max_text_length`` says where the report cut them)."""
    limit = summary.report.max_text_length if summary.report is not None else MAX_TEXT_LENGTH
    if not MIN_TEXT_LENGTH <= limit <= MAX_TEXT_LIMIT:
        limit = MAX_TEXT_LENGTH
    texts: list[object] = []
    for column in summary.profile.columns:
        texts += [column.name, *(value for value, _ in column.top_values)]
    return Shortener.of(texts, limit)


def _segment(s: SummarySegment, color: str) -> EmailSegment:
    return EmailSegment(
        id=s.id,
        name=s.name,
        size=s.size,
        share=s.share,
        color=color,
        traits=", ".join(_trait(t) for t in s.traits[:1]),
        top_action=s.recommendations[0].objective if s.recommendations else "",
    )


def _trait(trait: SummaryTrait) -> str:
    text = f"{trait.direction} {trait.feature}".strip()
    return f"{text} ({trait.pct_diff:+.0f}%)" if trait.pct_diff is not None else text


def _first_sentence(text: str) -> str:
    first = text.split(". ")[0].strip()
    return first if not first or first.endswith(".") else first + "."


def _kb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{max(1, round(size / 1000))} KB"


def _render(
    context: EmailContext, template_dir: Path | None, limit: int = MAX_TEXT_LENGTH
) -> tuple[str, str]:
    """The HTML part with every style inlined and no <style> block, and the text part."""
    import css_inline

    values = {f.name: getattr(context, f.name) for f in fields(EmailContext)}
    page = render(environment(template_dir, max_text_length=limit), "email.html", values)
    text = render(
        environment(template_dir, html=False, max_text_length=limit), "text/email.txt", values
    )
    try:
        inlined = css_inline.inline(
            page,
            keep_style_tags=False,
            keep_link_tags=False,
            keep_at_rules=False,
            load_remote_stylesheets=False,
        )
    except (css_inline.InlineError, ValueError) as exc:
        raise RenderError(f"template email.html: CSS cannot be inlined ({exc})") from None
    return inlined, text.strip() + "\n"


def _html_warnings(page: str, images: Sequence[InlineImage]) -> list[str]:
    warnings = []
    size = len(page.encode("utf-8"))
    if size >= HTML_LIMIT:
        warnings.append(
            f"the HTML part is {_kb(size)}; Gmail clips messages over about 100 KB "
            "(shorten the email template)"
        )
    if re.search(r"""src=["']?data:""", page):
        warnings.append("the email template uses data: images, which Gmail and Outlook hide")
    known = {image.cid for image in images}
    missing = sorted(set(re.findall(r"cid:([^\"'\s>)]+)", page)) - known)
    if missing:
        warnings.append(f"the email template refers to unknown images: {', '.join(missing)}")
    return warnings


def _sizes_chart(segments: Sequence[EmailSegment], font_family: str) -> InlineImage:
    """The report's segment-size chart laid out for the 552px column, drawn at 2x for sharp
    screens and kept small (~20 KB) with 64 colours."""
    from reportgen.report import charts

    bars = [charts.SizeBar(s.id, s.name, s.size, s.share, s.color) for s in segments]
    layout = charts.EMAIL_SIZES  # 4.6 inches: its 8-9 pt text shows at about 13px
    with charts.styled(font_family):
        fig = charts.segment_sizes(bars, layout)
        data = charts.png(fig, dpi=2 * CHART_WIDTH / layout.width, colours=64)
    width, height = fig.get_size_inches()
    return InlineImage(
        key="segment-sizes",
        title="Segment sizes",
        alt=charts.sizes_alt(bars),
        data=data,
        subtype="png",
        width=CHART_WIDTH,
        height=round(CHART_WIDTH * height / width),
        cid=_cid("sizes"),
    )


def _cid(key: str) -> str:
    """A unique Content-ID short enough that its header is never folded (old Outlook)."""
    return make_msgid(key, "reportgen")[1:-1]


def _logo(path: Path | None, company: str, warnings: list[str]) -> InlineImage | None:
    """The branding logo as a cid: image; SVG is left out because mail clients do not show it."""
    if path is None:
        return None
    from reportgen.report.render import logo_uri

    logo_uri(path)  # the report's checks: readable, and really a PNG, JPEG or SVG
    if path.suffix.lower() == ".svg":
        warnings.append(f"logo {path.name} is SVG, which email clients do not show; use a PNG")
        return None
    from PIL import Image

    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        w, h = image.size
    width = max(1, round(w * _LOGO_HEIGHT / max(h, 1)))
    subtype = "png" if path.suffix.lower() == ".png" else "jpeg"
    return InlineImage(
        key="logo",
        title="Logo",
        alt=f"{company} logo" if company else "Logo",
        data=data,
        subtype=subtype,
        width=min(width, 240),
        height=_LOGO_HEIGHT if width <= 240 else round(h * 240 / max(w, 1)),
        cid=_cid("logo"),
    )


def _message(
    settings: MailSettings,
    subject: str,
    domain: str,
    text: str,
    page: str,
    images: Sequence[InlineImage],
    pdf: bytes | None,
) -> EmailMessage:
    """mixed( alternative( text, related( html, images... ) ), report.pdf )."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid("reportgen", domain)
    message["X-Mailer"] = f"{MAILER} {__version__}"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(page, subtype="html", cte="quoted-printable")
    html_part = message.get_body(("html",))
    assert html_part is not None  # added just above
    for image in images:
        html_part.add_related(
            image.data,
            "image",
            image.subtype,
            cid=f"<{image.cid}>",
            disposition="inline",  # with a filename it would default to attachment
            filename=image.filename,
        )
    if pdf is not None:
        message.add_attachment(pdf, "application", "pdf", filename="report.pdf")
    return message


# ------------------------------------------------------------------------------------------
# writing and sending


@dataclass(frozen=True)
class MailResult:
    """What ``send_report`` did, for the command to report."""

    message: EmailMessage
    subject: str
    sender: str
    recipients: tuple[str, ...]  # bare addresses (the envelope)
    html_size: int  # bytes of the HTML part
    images: int  # inline images
    pdf_attached: bool
    eml: Path | None  # where the .eml was written
    preview: Path | None  # where the browser preview was written
    sent_via: str | None  # "host:port (STARTTLS)" when sent
    attempts: int  # SMTP connections it took (0 when not sent)
    refused: tuple[str, ...]  # recipients the server refused (the others got it)
    warnings: tuple[str, ...]


def send_report(
    folder: Path,
    settings: MailSettings,
    *,
    preview: Path | None = None,
    force: bool = False,
    sleep: Callable[[float], None] | None = None,
) -> MailResult:
    """Compose the summary of ``folder``, write it (``settings.eml``, ``preview``) and send it
    (when ``settings.smtp_host`` is set).  ``sleep`` waits between retries (tests pass a fake).

    ``--eml`` and ``--preview`` replace only files they wrote before, unless ``force``; the
    report's own files are never replaced."""
    if not (settings.smtp_host or settings.eml or preview):
        raise MailError(
            "nothing to do: give --smtp-host to send the summary or --eml FILE to write it"
        )
    check_writable(folder, settings.eml, preview, force)
    composed = compose(folder, settings)
    if preview is not None:
        _write(preview, preview_html(composed).encode("utf-8"))
    if settings.eml is not None:  # a draft until the server has taken the message
        write_eml(composed.message, settings.eml, draft=True)
    attempts, refused = 0, dict[str, Any]()
    if settings.smtp_host:
        attempts, refused = _send_or_keep_draft(composed.message, settings, sleep)
    return MailResult(
        message=composed.message,
        subject=composed.subject,
        sender=settings.sender,
        recipients=envelope_recipients(settings),
        html_size=composed.html_size,
        images=len(composed.images),
        pdf_attached=composed.pdf_attached,
        eml=settings.eml,
        preview=preview,
        sent_via=settings.server if settings.smtp_host else None,
        attempts=attempts,
        refused=tuple(sorted(refused)),
        warnings=composed.warnings + _transport_warnings(settings),
    )


def _send_or_keep_draft(
    message: EmailMessage, settings: MailSettings, sleep: Callable[[float], None] | None
) -> tuple[int, dict[str, Any]]:
    """Send; the .eml becomes a plain copy once sent, and stays a draft (and says so) if not."""
    try:
        delivered = send(message, settings, sleep=sleep)
    except MailError as exc:
        if settings.eml is None:
            raise
        raise MailError(f"{exc}; the unsent message is in {settings.eml}") from None
    if settings.eml is not None:
        write_eml(message, settings.eml, draft=False)
    return delivered


def write_eml(message: EmailMessage, path: Path, *, draft: bool) -> None:
    """Write ``message`` as a .eml file (CRLF line ends).

    ``draft`` adds ``X-Unsent: 1`` so Outlook opens it as a message ready to send.
    """
    data = message.as_bytes(policy=policy.SMTP)
    _write(path, (b"X-Unsent: 1\r\n" if draft else b"") + data)


def _breaks_a_header(text: str) -> bool:
    """Line breaks of any kind (CR, LF, vertical tab, U+2028...) and control characters."""
    import unicodedata

    return any(
        ch in "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"
        or (unicodedata.category(ch) == "Cc" and ch != "\t")
        for ch in text
    )


def check_writable(folder: Path, eml: Path | None, preview: Path | None, force: bool) -> None:
    """Refuse to write ``--eml``/``--preview`` over a file reportgen did not write there (unless
    ``force``), over the report's own files, or both to one file."""
    from reportgen.report.outdir import written_files

    if eml is not None and preview is not None and _same_file(eml, preview):
        raise MailError(f"--eml and --preview are the same file ({eml}); give two names")
    own = {(folder / name).resolve() for name in written_files(folder)}
    for flag, path, ours in (("--eml", eml, _is_our_eml), ("--preview", preview, _is_our_preview)):
        if path is None or not (path.exists() or path.is_symlink()):
            continue
        if path.is_dir() or path.resolve() in own:
            what = "a folder" if path.is_dir() else "one of the report's own files"
            raise MailError(f"{flag} {path} is {what}; choose another file name")
        if not force and not (path.is_file() and not path.is_symlink() and ours(path)):
            raise MailError(
                f"{flag} {path} already exists and reportgen did not write it; choose another "
                "file name or pass --force to replace it"
            )


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _head(path: Path, size: int = 65536) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def _is_our_eml(path: Path) -> bool:
    headers = _head(path).split(b"\r\n\r\n", 1)[0]
    return f"\r\nX-Mailer: {MAILER} ".encode() in b"\r\n" + headers


def _is_our_preview(path: Path) -> bool:
    return _head(path, len(PREVIEW_MARK)) == PREVIEW_MARK.encode()


def envelope_recipients(settings: MailSettings) -> tuple[str, ...]:
    return tuple(parseaddr(address)[1] for address in settings.to)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise MailError(f"cannot write {path} ({exc.strerror or exc})") from None


def _transport_warnings(settings: MailSettings) -> tuple[str, ...]:
    if settings.smtp_host and settings.smtp_user and settings.tls == "none":
        return ("the SMTP password was sent without TLS; use --no-tls only for a local relay",)
    return ()


class _Transient(Exception):
    """A failure worth retrying: connection refused or reset, timeout, SMTP 4xx."""


def send(
    message: EmailMessage,
    settings: MailSettings,
    *,
    sleep: Callable[[float], None] | None = None,
) -> tuple[int, dict[str, Any]]:
    """Send over SMTP, retrying transient failures; returns (attempts, refused recipients).

    Every error is one line naming the server, never the password.
    """
    if not settings.smtp_host:
        raise MailError("no SMTP host: pass --smtp-host or set [email] smtp_host")
    pause = sleep or time.sleep
    reason = ""
    for attempt in range(1, settings.attempts + 1):
        try:
            return attempt, _deliver(message, settings)
        except _Transient as exc:
            reason = str(exc)
            if attempt < settings.attempts:
                pause(settings.retry_delay * 2 ** (attempt - 1))
    tries = f"{settings.attempts} attempts" if settings.attempts > 1 else "1 attempt"
    raise MailError(f"cannot send mail via {settings.server}: {reason} ({tries})")


def _deliver(message: EmailMessage, s: MailSettings) -> dict[str, Any]:
    """One connection: connect, STARTTLS, log in, send.  Errors are sorted into transient
    (raised as ``_Transient``) and permanent (``MailError``) with the step that failed."""
    step = "connect"
    expired = threading.Event()
    try:
        with _connect(s, expired) as smtp:
            if s.tls == "starttls":
                step = "starttls"
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                step = "login"
                _login(smtp, s)
            step = "send"
            return dict(smtp.send_message(message, s.sender, list(envelope_recipients(s))))
    except (_Transient, MailError):
        raise
    except Exception as exc:  # sorted below; an unknown kind is re-raised as a bug
        if expired.is_set():
            raise MailError(
                f"cannot send mail via {s.server}: the server did not finish within "
                f"{s.deadline:g} s ({step}); try later, or raise [email] deadline"
            ) from None
        raise _classify(exc, step, s) from None


@contextmanager
def _deadline(smtp: smtplib.SMTP, seconds: float, expired: threading.Event) -> Iterator[None]:
    """Close the connection when ``seconds`` have passed, however the server trickles."""

    def cut() -> None:
        expired.set()
        sock = getattr(smtp, "sock", None)
        if sock is not None:  # not yet connected: the connect call times out on its own
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _login(smtp: smtplib.SMTP, s: MailSettings) -> None:
    """Log in; a password beyond ASCII goes as UTF-8 with AUTH PLAIN (RFC 4616), which
    smtplib's own login cannot send."""
    user, password = s.smtp_user or "", s.smtp_password or ""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
        raise MailError(
            f"cannot send mail via {s.server}: the SMTP user or password has non-ASCII "
            "characters, which need AUTH PLAIN, and the server does not offer it"
        )
    blob = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", "PLAIN " + blob)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


@contextmanager
def _connect(s: MailSettings, expired: threading.Event) -> Iterator[smtplib.SMTP]:
    """A connection made and used within ``s.deadline`` seconds (the greeting included)."""
    if s.tls == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            timeout=s.timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(timeout=s.timeout)
    try:
        smtp._host = s.smtp_host or ""  # type: ignore[attr-defined]  # STARTTLS checks it
        with _deadline(smtp, s.deadline, expired):
            smtp.connect(s.smtp_host or "", s.port)
            yield smtp
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _classify(exc: Exception, step: str, s: MailSettings) -> Exception:
    """``exc`` as ``_Transient`` (worth a retry) or ``MailError``, in one scrubbed line."""
    reason, transient = _explain(exc, step, s)
    if reason is None:
        return exc
    reason = _scrub(reason, s.smtp_password, s.smtp_user)
    if transient:
        return _Transient(reason)
    return MailError(f"cannot send mail via {s.server}: {reason}")


def _explain(exc: Exception, step: str, s: MailSettings) -> tuple[str | None, bool]:
    """What went wrong, for a person, and whether trying again may help."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (
            f"authentication failed for user {s.smtp_user} ({_reply(exc)}); check the password "
            f"in {PASSWORD_ENV} or [email] smtp_password",
            False,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _unsupported(step), False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = ", ".join(f"{a} ({_reply_of(c, m)})" for a, (c, m) in exc.recipients.items())
        if codes and all(400 <= c < 500 for c in codes):
            return f"recipients deferred: {detail}", True
        return f"every recipient was refused: {detail}", False
    if isinstance(exc, smtplib.SMTPResponseException):
        if 400 <= exc.smtp_code < 500:
            return f"the server is busy ({_reply(exc)}) during {_DURING[step]}", True
        return f"the server refused {_WHAT[step]} ({_reply(exc)})", False
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the server closed the connection during {_DURING[step]}", True
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not trusted ({exc.verify_message})", False
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc}); {_tls_hint(s)}", False
    if isinstance(exc, socket.gaierror):
        return f"unknown host {s.smtp_host} ({exc.strerror}); check --smtp-host", False
    if isinstance(exc, TimeoutError):
        return f"timed out during {_DURING[step]}", True
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused; check --smtp-host, --smtp-port and that the server runs", True
    if isinstance(exc, OSError):
        return f"network error during {_DURING[step]} ({exc.strerror or type(exc).__name__})", True
    if isinstance(exc, smtplib.SMTPException):
        return f"{type(exc).__name__} during {_DURING[step]}", False
    return None, False


_DURING = {"connect": "connecting", "starttls": "STARTTLS", "login": "login", "send": "sending"}
_WHAT = {
    "connect": "the connection",
    "starttls": "STARTTLS",
    "login": "the login",
    "send": "the message",
}


def _unsupported(step: str) -> str:
    if step == "starttls":
        return (
            "the server does not offer STARTTLS; use --ssl for implicit TLS (usually port 465) "
            "or --no-tls for a local relay"
        )
    if step == "login":
        return "the server does not offer login (AUTH) here; drop --smtp-user or use TLS"
    return f"the server does not support a feature needed at {step}"


def _tls_hint(s: MailSettings) -> str:
    if s.tls == "ssl":
        return "--ssl needs a port that speaks TLS from the start (usually 465)"
    return "check --smtp-port, or try --ssl"


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return _reply_of(exc.smtp_code, exc.smtp_error)


def _reply_of(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}".strip()[:200]


def _scrub(text: str, secret: str | None, user: str | None = None) -> str:
    """The text with the password blotted out in every form a server may echo back: as
    written, and base64-encoded alone (AUTH LOGIN) or with the user (AUTH PLAIN), in UTF-8
    and Latin-1, with or without padding."""
    if not secret:
        return text
    forms = {secret}
    for encoding in ("utf-8", "latin-1"):
        for raw in (secret, f"\0{user or ''}\0{secret}", f"{user or ''}\0{user or ''}\0{secret}"):
            try:
                blob = base64.b64encode(raw.encode(encoding)).decode("ascii")
            except UnicodeEncodeError:
                continue
            forms |= {blob, blob.rstrip("=")}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text
