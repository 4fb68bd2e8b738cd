"""Configuration: defaults < reportgen.toml < flags; every problem reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.config import Config, make_config, read_config_file
from reportgen.errors import ConfigError


def test_defaults() -> None:
    config = Config(input=Path("x.csv"))
    assert (config.k_min, config.k_max, config.seed, config.min_share) == (2, 10, 0, 0.02)
    assert config.formats == ("html", "pdf") and config.paper == "A4"


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
    assert config.seed == 3  # the flag wins
    assert config.k_max == 6  # the file fills what the flags leave out
    assert config.features == ("a", "b")
    assert config.template_dir == (tmp_path / "brand").resolve()  # relative to the file
    assert config.branding.logo == (tmp_path / "logo.png").resolve()
    assert config.branding.company == "Acme" and config.title == "Q4 segments"
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
