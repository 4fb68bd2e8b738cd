"""Segmenting: features, choosing k, K-Means, describing segments, months."""
