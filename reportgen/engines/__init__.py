"""Engines: the local and Spark runs of the analysis, and what both return."""
