"""Choosing k on tables of known structure (tests/known_structure.py).

reportgen's k against each criterion alone on the same sweep, the structure verdict on tables
with and without segments, and how well the segments match the truth.  About 70 s on two
cores, so it is marked slow; ``python bench/choosing_k.py`` prints the same figures.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.known_structure import METHODS, Outcome, counts, run_all

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return run_all()


def test_the_suite_covers_the_shapes_that_went_wrong(outcomes: list[Outcome]) -> None:
    kinds = {o.table.kind for o in outcomes}
    assert kinds == {"separated", "uneven", "shape", "noise", "none", "rfm", "outliers"}
    assert {o.table.true_k for o in outcomes if o.table.kind == "separated"} == set(range(2, 13))
    assert sum(not o.table.structured for o in outcomes) == 3


def test_reportgen_finds_the_true_k_more_often_than_any_single_criterion(
    outcomes: list[Outcome],
) -> None:
    found = counts(outcomes)
    structured = sum(o.table.structured for o in outcomes)
    best_single = max(found[m] for m in METHODS if m != "reportgen")
    assert found["reportgen"] >= best_single + structured / 10, found


def test_no_structure_is_recognised_and_never_claimed_for_real_segments(
    outcomes: list[Outcome],
) -> None:
    for o in outcomes:
        structure = o.selection.structure
        assert structure is not None
        if o.table.structured:
            assert structure.verdict != "none", (o.table.name, structure)
        else:
            assert structure.verdict == "none", (o.table.name, structure)
            assert "No distinct segments" in o.selection.rationale


def test_segments_match_the_truth(outcomes: list[Outcome]) -> None:
    aris = [o.ari for o in outcomes if o.ari is not None]
    assert np.mean(aris) >= 0.9, aris


def test_well_separated_groups_up_to_twelve_are_found(outcomes: list[Outcome]) -> None:
    separated = [o for o in outcomes if o.table.kind == "separated"]
    assert all(o.selection.k == o.table.true_k for o in separated)
    for o in separated:
        assert o.selection.structure is not None and o.selection.structure.verdict == "clear"
    beyond = [o for o in separated if o.table.true_k > 10]
    assert all(o.selection.extended for o in beyond)
    assert all("the sweep was extended to k=15" in o.selection.rationale for o in beyond)


def test_small_segments_are_kept_and_a_handful_of_extremes_are_outliers(
    outcomes: list[Outcome],
) -> None:
    for o in outcomes:
        if o.table.kind == "uneven":
            assert o.selection.k == o.table.true_k and o.selection.outliers == 0
        if o.table.kind == "outliers":
            assert o.selection.k == o.table.true_k
            assert o.selection.outliers == int((o.table.truth < 0).sum())
            assert "reported as outliers" in o.selection.rationale
