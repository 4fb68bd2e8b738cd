"""Configuration: defaults < reportgen.toml < flags; every problem reported at once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reportgen.config import Config, load_config, make_config, merge, read_config_file
from reportgen.errors import ConfigError


def test_defaults() -> None:
    config = Config.build(input=Path("x.csv"))
    assert (
        config.clustering.k_min,
        config.clustering.k_max,
        config.clustering.seed,
        config.clustering.min_share,
    ) == (2, 10, 0, 0.02)
    assert config.report.formats == ("html", "pdf") and config.report.paper == "A4"


def test_file_then_flags(tmp_path: Path) -> None:
    (tmp_path / "brand").mkdir()
    path = tmp_path / "reportgen.toml"
    path.write_text(
        '[run]\nseed = 7\nk_max = 6\nfeatures = ["a", "b"]\ntemplate_dir = "brand"\n'
        '[report]\ntitle = "Q4 segments"\n'
        '[branding]\ncompany = "Acme"\nprimary_color = "#112233"\nlogo = "logo.png"\n'
        '[roles]\nb = "spend"\n',
        encoding="utf-8",
    )
    values = read_config_file(path)
    config = make_config(
        values, {"input": Path("in.csv"), "seed": 3, "k_max": None, "features": ()}
    )
    assert config.clustering.seed == 3  # the flag wins
    assert config.clustering.k_max == 6  # the file fills what the flags leave out
    assert config.features == ("a", "b")
    assert config.report.template_dir == (tmp_path / "brand").resolve()  # relative to the file
    assert config.branding.logo == (tmp_path / "logo.png").resolve()
    assert config.branding.company == "Acme" and config.report.title == "Q4 segments"
    assert config.roles == {"b": "spend"}


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(ConfigError) as info:
        make_config(
            {"branding": {"primary_color": "red; } body { display:none"}},
            {"input": Path("x.csv"), "k_min": 6, "k_max": 3, "min_share": 0.7},
        )
    message = str(info.value)
    assert "k_max (3) must not be below k_min (6)" in message
    assert "min_share must be a fraction" in message
    assert "primary_color must be a hex colour" in message


def test_unknown_keys_and_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[run]\nsed = 1\n[colour]\nx = 1\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"\[run\] has unknown key 'sed'.*unknown section \[colour\]"
    ):
        read_config_file(path)
    path.write_text("[run\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_config_file(path)
    with pytest.raises(ConfigError, match="no such config file"):
        read_config_file(tmp_path / "missing.toml")


def test_unknown_role_is_refused() -> None:
    with pytest.raises(ConfigError, match="'wealthiness' is not a known role"):
        make_config({"roles": {"x": "wealthiness"}}, {"input": Path("x.csv")})


def test_columns_section_corrects_meanings(tmp_path: Path) -> None:
    import json

    from reportgen import run
    from reportgen.errors import InputError
    from tests.conftest import MALL

    toml = tmp_path / "reportgen.toml"
    toml.write_text(
        '[columns]\n"Age" = "measure"\n"Genre" = { meaning = "outcome", event = "Female" }\n',
        encoding="utf-8",
    )
    config = make_config(read_config_file(toml), {"input": MALL, "out": tmp_path / "o"})
    assert config.columns == {
        "Age": {"meaning": "measure"},
        "Genre": {"meaning": "outcome", "event": "Female"},
    }
    run(
        replace(
            config,
            report=replace(config.report, formats=()),
            clustering=replace(config.clustering, k=3),
        )
    )
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert [f["column"] for f in summary["features"]][0] == "Age"  # now clustered
    age = next(c for c in summary["profile"]["columns"] if c["name"] == "Age")
    assert age["meaning_reason"] == "set in reportgen.toml [columns]"
    (outcome,) = summary["outcomes"]
    assert outcome["level"] == "Female" and outcome["overall"] == 112 / 200
    assert "set in reportgen.toml" in outcome["how"]
    with pytest.raises(InputError, match="did you mean 'Genre'"):
        run(
            Config.build(
                input=MALL, out=tmp_path / "p", formats=(), columns={"Gnre": {"meaning": "flag"}}
            )
        )


def test_bad_columns_entries_are_reported_together() -> None:
    with pytest.raises(ConfigError) as caught:
        Config.build(
            input=Path("x.csv"),
            columns={
                "a": {"meaning": "amount"},
                "b": {"meaning": "flag", "event": "Yes"},
                "c": {"sentinel": "-1"},
                "d": {"code": -1},
            },
        )
    message = str(caught.value)
    assert "[columns] a = 'amount' is not a meaning" in message
    assert '[columns] b: event applies only to meaning = "outcome"' in message
    assert "[columns] c sentinel must be the code that means 'none'" in message
    assert "[columns] d has unknown key 'code'" in message


def test_k_max_given_says_whether_the_user_set_k_max() -> None:
    assert not make_config({"input": "x.csv"}, {}).clustering.k_max_given
    assert make_config({"input": "x.csv"}, {"k_max": 10}).clustering.k_max_given
    assert make_config({"input": "x.csv", "k_max": 8}, {}).clustering.k_max_given


def _cli_error(*args: str) -> str:
    from click.testing import CliRunner

    from reportgen.cli import main

    result = CliRunner().invoke(main, ["run", *args])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    return result.stderr


def test_every_problem_of_a_config_is_reported_in_one_run(tmp_path: Path) -> None:
    """Unknown key, wrong kind, out of range, bad colour, bad meaning, missing files: one run."""
    from tests.conftest import MALL

    path = tmp_path / "reportgen.toml"
    path.write_text(
        '[run]\nk_min = "two"\nseed = -5\ncolour = 3\nplaybook = "nope.toml"\n'
        '[branding]\nprimary_color = "blue"\nlogo = "nope.png"\n'
        '[columns]\nAge = "birthday"\n',
        encoding="utf-8",
    )
    error = _cli_error(str(MALL), "--config", str(path), "--out", str(tmp_path / "o"))
    expected = [
        "[run] has unknown key 'colour'",
        "k_min must be a whole number",
        "seed must be a whole number from 0 to 4294967295, not -5",
        "primary_color must be a hex colour like #1f4e79, not 'blue'",
        "[columns] Age = 'birthday' is not a meaning",
        f"playbook {tmp_path / 'nope.toml'} does not exist",
        f"logo {tmp_path / 'nope.png'} does not exist",
    ]
    assert [e in error for e in expected] == [True] * len(expected), error
    assert not (tmp_path / "o").exists()


def test_problems_inside_the_logo_playbook_and_templates_come_together(tmp_path: Path) -> None:
    from tests.conftest import MALL

    (tmp_path / "logo.png").write_bytes(b"not a png")
    (tmp_path / "pb.toml").write_text('[[rule]]\nrole = "x"\n', encoding="utf-8")
    path = tmp_path / "reportgen.toml"
    path.write_text(
        '[run]\nplaybook = "pb.toml"\n[branding]\nlogo = "logo.png"\n', encoding="utf-8"
    )
    error = _cli_error(str(MALL), "--config", str(path), "--out", str(tmp_path / "o"))
    assert "not a valid PNG image" in error and "rule 1 (line 1) lacks direction" in error
    assert not (tmp_path / "o").exists()


def test_the_run_and_the_email_read_one_config_file_one_way(tmp_path: Path) -> None:
    """``read_config_file`` reads every section once; ``make_config`` takes the run's values,
    ``mail.make_settings`` the email's, both through ``config.merge`` (file < flags)."""
    from reportgen.mail.compose import load_settings, make_settings

    (tmp_path / "brand").mkdir()
    path = tmp_path / "reportgen.toml"
    path.write_text(
        '[run]\nk = 3\ntemplate_dir = "brand"\n[branding]\ncompany = "Acme"\n'
        '[email]\nfrom = "a@example.com"\nto = "b@example.com"\ntls = "ssl"\n',
        encoding="utf-8",
    )
    values = read_config_file(path)
    assert values["email"] == {"from": "a@example.com", "to": "b@example.com", "tls": "ssl"}
    config = make_config(values, {"input": "x.csv", "k": None})
    assert (config.clustering.k, config.report.template_dir, config.branding.company) == (
        3,
        tmp_path / "brand",
        "Acme",
    )
    settings = make_settings(values, {"to": ("c@example.com",), "subject": None, "tls": None}, {})
    assert (settings.sender, settings.to, settings.tls) == (
        "a@example.com",
        ("c@example.com",),
        "ssl",
    )
    assert (settings.template_dir, settings.branding.company) == (tmp_path / "brand", "Acme")
    assert merge({"a": 1, "b": (1,)}, {"a": None, "b": (), "c": 2}) == {"a": 1, "b": (1,), "c": 2}

    path.write_text('[email]\ncolour = "red"\nport = 25\n[run]\nk = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as run_problems:
        load_config(path, {"input": "x.csv"})
    with pytest.raises(ConfigError) as email_problems:
        load_settings(path, {"sender": "a@example.com", "to": ("b@example.com",)}, {})
    for message in (str(run_problems.value), str(email_problems.value)):
        assert message.startswith(f"{path}: [email] has unknown key 'colour' (use from, to, ")
        assert "[email] has unknown key 'port'" in message
    assert "k must be a whole number" in str(run_problems.value)
    assert "k must" not in str(email_problems.value)  # [run] values are the run's to check
