"""reportgen: customer segmentation reports (HTML, PDF, CSV, JSON) from a customer table.

The library API mirrors the CLI: ``reportgen.run(Config(input=...))`` runs every stage and
returns a ``RunResult``; each stage is also a plain function in its own module.  Heavy
libraries are imported only when a stage needs them, so ``import reportgen`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Config", "Branding", "Clustering", "Report", "TransactionOptions", "run", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "run":
        from reportgen.pipeline import run

        return run
    if name == "Config":
        from reportgen.config import Config

        return Config
    if name in ("Branding", "Clustering", "Report", "TransactionOptions"):
        from reportgen import options

        return getattr(options, name)
    raise AttributeError(f"module 'reportgen' has no attribute {name!r}")
