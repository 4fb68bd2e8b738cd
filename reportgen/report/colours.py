"""Segment colours that stay apart: the brand's primary colour first, then the most distinct
of a colour-blind-safe list, chosen by perceived distance (CIEDE2000).

The report's CSS and its charts take a segment's colour from the same list, so a swatch in a
table and a bar in a chart always match.  The list for k segments is the start of the list
for k + 1: a segment keeps its colour whatever k is.
"""

from __future__ import annotations

import math
from functools import lru_cache

# Okabe-Ito (distinguishable with the common colour-vision deficiencies), then colours that
# stay apart from them for the 9th segment on.
CANDIDATES = (
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#0072B2",  # blue
    "#F0E442",  # yellow
    "#000000",  # black
    "#999999",  # grey
    "#8C564B",  # brown
    "#98DF8A",  # light green
    "#393B79",  # indigo
    "#7A0019",  # maroon
    "#9467BD",  # purple
    "#17BECF",  # cyan
    "#F7B6D2",  # light pink
    "#BCBD22",  # olive
    "#C49C94",  # tan
    "#FF7F0E",  # bright orange
    "#1B5E20",  # dark green
)
# distances the choice steps down through: the first colours differ most
THRESHOLDS = (25.0, 20.0, 15.0, 10.0, 0.0)


def segment_colours(primary: str, k: int) -> tuple[str, ...]:
    """``k`` segment colours led by ``primary`` (repeating only past the list's end)."""
    ordered = (primary, *_ordered(primary.lower())[1:])
    return tuple(ordered[i % len(ordered)] for i in range(max(k, 1)))


@lru_cache(maxsize=16)
def _ordered(primary: str) -> tuple[str, ...]:
    """Every candidate in the order it is used after ``primary``: at each threshold, in list
    order, those at least that far from every colour already taken."""
    chosen = [primary]
    left = [c for c in CANDIDATES if c.lower() != primary]
    for threshold in THRESHOLDS:
        for colour in list(left):
            if all(distance(colour, c) >= threshold for c in chosen):
                chosen.append(colour)
                left.remove(colour)
    return tuple(chosen)


def distance(a: str, b: str) -> float:
    """CIEDE2000 colour difference of two ``#rrggbb`` colours (about 2.3: just noticeable;
    above 20: clearly different colours)."""
    l1, a1, b1 = _lab(a)
    l2, a2, b2 = _lab(b)
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    c_mean7 = ((c1 + c2) / 2) ** 7
    g = 0.5 * (1 - math.sqrt(c_mean7 / (c_mean7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360
    h2p = math.degrees(math.atan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if not c1p * c2p:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + (360 if h1p + h2p < 360 else -360)) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * c_mean
    s_h = 1 + 0.015 * c_mean * t
    c_mean7 = c_mean**7
    r_t = (
        -2
        * math.sqrt(c_mean7 / (c_mean7 + 25**7))
        * math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2))))
    )
    terms = (dl / s_l, dc / s_c, d_h / s_h)
    return math.sqrt(terms[0] ** 2 + terms[1] ** 2 + terms[2] ** 2 + r_t * terms[1] * terms[2])


def _lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of a ``#rrggbb`` colour."""
    value = colour.lstrip("#")
    rgb = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883
    fx, fy, fz = (v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116 for v in (x, y, z))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)
