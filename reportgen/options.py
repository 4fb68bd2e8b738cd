"""The option groups of a run, each handed whole to the stage that uses it.

``Config`` (``config.py``) holds one of each; the stages import only their own group, so a
new setting is added in one place and reaches its stage without being unpacked on the way.
Validation lives in ``config.py``, which checks every group and reports every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportgen.formatting import MAX_TEXT_LENGTH

FORMATS = ("html", "pdf")
DEFAULT_K_MAX = 10


@dataclass(frozen=True)
class Clustering:
    """How k is chosen and K-Means is fitted (``selection.select_k``, ``clustering.fit``);
    the k selection records the group it ran with."""

    k: int | None = None  # a fixed number of segments; None chooses k
    k_min: int = 2
    k_max: int = DEFAULT_K_MAX
    # True when k_max came from the config file or a flag: the sweep then stops there even if
    # the best k is at the top (a k_max other than the default counts as given too)
    k_max_given: bool = False
    seed: int = 0
    min_share: float = 0.02  # a k whose smallest segment is below this share is refused
    sample_size: int = 20_000  # rows the k sweep runs on
    silhouette_sample: int = 3_000  # rows silhouette is computed on
    n_init: int = 10  # K-Means starts per k
    stability_resamples: int = 3  # refits on resamples that measure each k's stability

    @property
    def stops_at_k_max(self) -> bool:
        """Whether the sweep may not go past k_max when the best k is at the top."""
        return self.k_max_given or self.k_max != DEFAULT_K_MAX


@dataclass(frozen=True)
class TransactionOptions:
    """How a purchase log is read (``transactions.derive``); ``enabled`` None detects one,
    True reads the input as a log, False as a customer table.  Columns are by role."""

    enabled: bool | None = None
    customer: str | None = None
    date: str | None = None
    amount: str | None = None
    quantity: str | None = None
    price: str | None = None
    product: str | None = None
    invoice: str | None = None
    as_of: str | None = None  # ISO date; default: the day after the last date in the data

    def named(self) -> dict[str, str]:
        """The columns the user named, by role."""
        roles = ("customer", "date", "amount", "quantity", "price", "product", "invoice")
        return {r: getattr(self, r) for r in roles if getattr(self, r) is not None}


@dataclass(frozen=True)
class Report:
    """What is written and how it reads (the pipeline's report step and the renderers)."""

    formats: tuple[str, ...] = FORMATS  # () writes only segments.csv, summary.json, model.json
    title: str = "Customer segmentation report"
    period: str | None = None  # e.g. "2024-03"; default: the month of the run
    paper: str = "A4"
    # characters of one column name or cell value the reader is shown (longer ones are cut
    # with "…"); summary.json, segments.csv and model.json keep the full text
    max_text_length: int = MAX_TEXT_LENGTH
    template_dir: Path | None = None  # the user's templates, searched before the shipped ones
    playbook: Path | None = None  # the user's marketing actions (TOML)


@dataclass(frozen=True)
class Branding:
    """How the report looks: these values go into CSS and charts, so they are validated."""

    company: str = ""
    logo: Path | None = None
    primary_color: str = "#1f4e79"
    accent_color: str = "#d9822b"
    font_family: str = "DejaVu Sans, Helvetica, Arial, sans-serif"
    footer: str = ""
