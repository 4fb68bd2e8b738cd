"""The ``reportgen email`` command: a thin click layer over ``reportgen.mail.compose.send_report``.

Registered on the main group with ``main.add_command(email_command, "email")``.  Same rules as
``cli.py``: the library checks the settings (``mail.load_settings``), and a ``ReportgenError``
is one line on stderr and exit code 1; click's own usage errors (an unknown flag, two TLS
modes) are exit code 2; ``--debug`` shows the traceback, and heavy modules are imported inside
the command.  The SMTP password is deliberately not an option: command lines end up in shell
history and ``ps``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from reportgen.cli_common import one_line_errors

_EPILOG = """\b
Examples:
  reportgen email reports/2026-11 --to cmo@example.com --to sales@example.com \\
      --from analytics@example.com --eml reports/2026-11/summary.eml
  REPORTGEN_SMTP_PASSWORD=... reportgen email reports/2026-11 --to cmo@example.com \\
      --from analytics@example.com --smtp-host mail.example.com --smtp-user bot

The SMTP password is read from the environment variable REPORTGEN_SMTP_PASSWORD or from
smtp_password in the [email] table of --config, never from the command line."""


@click.command(
    "email",
    epilog=_EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="ADDR",
    help="Recipient; repeat for several. Required here or as [email] to in the config.",
)
@click.option(
    "--from",
    "sender",
    metavar="ADDR",
    help="Sender address, e.g. 'Analytics <analytics@example.com>'. Required here or as "
    "[email] from.",
)
@click.option(
    "--subject",
    metavar="TEXT",
    help="Subject line (default: [email] subject, else '<title> – <period>' of the report).",
)
@click.option(
    "--eml",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write the message to FILE (.eml). Without --smtp-host it is marked unsent, so "
    "Outlook and Thunderbird open it as a draft ready to send.",
)
@click.option(
    "--smtp-host",
    metavar="HOST",
    help="Send through this SMTP server (default: [email] smtp_host).",
)
@click.option(
    "--smtp-port",
    type=click.IntRange(1, 65535),
    metavar="PORT",
    help="SMTP port (default 587; 465 with --ssl; 25 with --no-tls).",
)
@click.option(
    "--smtp-user",
    metavar="USER",
    help="Log in as USER; the password comes from REPORTGEN_SMTP_PASSWORD or [email] "
    "smtp_password.",
)
@click.option(
    "--starttls",
    "starttls",
    is_flag=True,
    help="Upgrade the connection with STARTTLS (the default; overrides [email] tls).",
)
@click.option("--ssl", "use_ssl", is_flag=True, help="Use implicit TLS (SMTP over SSL, port 465).")
@click.option(
    "--no-tls", "no_tls", is_flag=True, help="Send without encryption; only for a local relay."
)
@click.option(
    "--attach-pdf/--no-attach-pdf",
    "attach_pdf",
    default=None,
    help="Attach the folder's report.pdf (default: attach; an error if it is missing).",
)
@click.option(
    "--preview",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Also write the email's HTML with its images embedded, to look at in a browser "
    "(not for sending: mail clients hide embedded images).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="reportgen.toml: [email] from, to, subject, smtp_host, smtp_port, smtp_user, "
    "smtp_password, tls, attach_pdf; [branding]; [run] template_dir. Flags override it.",
)
@click.option(
    "--template-dir",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="Templates that override the defaults (email.html, text/email.txt).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an --eml or --preview file that reportgen did not write (its own earlier "
    "drafts and previews are replaced without it).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but warnings and errors.")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
def email_command(
    folder: Path,
    config_file: Path | None,
    starttls: bool,
    use_ssl: bool,
    no_tls: bool,
    preview: Path | None,
    force: bool,
    quiet: bool,
    debug: bool,
    **flags: Any,
) -> None:
    """Email a summary of the report in FOLDER (an output folder of reportgen run).

    The message has an email-safe HTML part (600px tables, inline styles, the segment-size
    chart as an inline image), a plain-text alternative and report.pdf as an attachment. It is
    sent with --smtp-host, written with --eml, or both.
    """
    tls = _tls(starttls, use_ssl, no_tls)
    with one_line_errors(debug):
        from reportgen.mail import compose as mail

        settings = mail.load_settings(config_file, {**flags, "tls": tls}, os.environ)
        result = mail.send_report(folder, settings, preview=preview, force=force)
    echo_result(result, quiet=quiet)


def _tls(starttls: bool, use_ssl: bool, no_tls: bool) -> str | None:
    chosen = [
        name for name, on in (("starttls", starttls), ("ssl", use_ssl), ("none", no_tls)) if on
    ]
    if len(chosen) > 1:
        raise click.UsageError("use only one of --starttls, --ssl and --no-tls")
    return chosen[0] if chosen else None


def echo_result(result: Any, *, quiet: bool = False) -> None:
    """What ``send_report`` did, for people: warnings on stderr, the rest on stdout.

    Public so ``reportgen run --email-to`` can print the same lines.
    """
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if result.refused:
        click.echo(f"Warning: the server refused {', '.join(result.refused)}", err=True)
    if quiet:
        return
    click.echo(
        f'Email "{result.subject}" from {result.sender} to {", ".join(result.recipients)}: '
        f"HTML {max(1, round(result.html_size / 1000))} KB, {result.images} inline "
        f"image{'s' if result.images != 1 else ''}, "
        + ("report.pdf attached" if result.pdf_attached else "no attachment")
    )
    if result.preview:
        click.echo(f"Wrote {result.preview} (preview for a browser)")
    if result.eml:
        kind = "a copy of the sent message" if result.sent_via else "opens as a draft"
        click.echo(f"Wrote {result.eml} ({kind})")
    if result.sent_via:
        tries = f" after {result.attempts} attempts" if result.attempts > 1 else ""
        click.echo(f"Sent via {result.sent_via}{tries}")
