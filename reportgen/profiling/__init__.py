"""Profiling: what each column means, its statistics and alerts."""
