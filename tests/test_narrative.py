"""Stories and recommendations: built from the numbers, at least two actions, honest notes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reportgen.clustering import fit
from reportgen.errors import ConfigError
from reportgen.features import build
from reportgen.formatting import percent
from reportgen.narrative import load_playbook, recommend, write
from reportgen.profile import profile
from reportgen.segments import SegmentProfile, Trait, describe
from reportgen.selection import select_k
from reportgen.templating import environment
from tests.conftest import MALL


@pytest.fixture(scope="module")
def mall_run():  # type: ignore[no-untyped-def]
    frame = pd.read_csv(MALL)
    fm = build(frame, profile(frame), features=["Annual Income (k$)", "Spending Score (1-100)"])
    selection = select_k(fm.X, k=5, seed=0)
    seg = fit(fm.X, 5, seed=0)
    profiles = describe(fm, seg, frame)
    return (
        frame,
        seg,
        profiles,
        write(profiles, selection, load_playbook(), environment(html=False)),
    )


def test_story_states_size_and_differences_from_the_numbers(mall_run) -> None:  # type: ignore[no-untyped-def]
    frame, seg, profiles, narratives = mall_run
    s = next(p for p in profiles.segments if p.name == "Affluent light spenders")
    story = narratives.for_segment(s.id).story
    members = frame[seg.labels == s.id]
    assert story.startswith(
        f"Affluent light spenders is {len(members)} customers, "
        f"{percent(len(members) / 200)} of the 200 analysed."
    )
    income = members["Annual Income (k$)"].mean()
    overall = frame["Annual Income (k$)"].mean()
    assert f"Annual Income (k$) averages {income:.1f} against {overall:.1f} overall" in story
    assert f"({(income - overall) / overall * 100:+.0f}%)" in story


def test_every_segment_gets_two_ranked_recommendations_with_triggers(mall_run) -> None:  # type: ignore[no-untyped-def]
    _, _, profiles, narratives = mall_run
    for s in profiles.segments:
        recs = narratives.for_segment(s.id).recommendations
        assert len(recs) >= 2
        assert [r.rank for r in recs] == list(range(1, len(recs) + 1))
        for r in recs:
            assert r.objective and r.offer and r.channel and r.tone and r.kpi
            assert any(f in r.trigger for f in profiles.features)
    big = next(s for s in profiles.segments if s.name == "Affluent big spenders")
    top = narratives.for_segment(big.id).recommendations[0]
    assert top.objective == "Retain and reward the most valuable customers"  # priority 1
    assert top.trigger.startswith("high Spending Score (1-100)")


def test_summary_paragraph_mentions_largest_segment(mall_run) -> None:  # type: ignore[no-untyped-def]
    _, _, profiles, narratives = mall_run
    largest = profiles.segments[0]
    assert "200 customers were grouped into 5 segments" in narratives.summary
    assert f"The largest, {largest.name}, holds {percent(largest.share)}" in narratives.summary


def _segment(traits: tuple[Trait, ...]) -> SegmentProfile:
    return SegmentProfile(
        1,
        "X",
        10,
        0.1,
        {"Widgets": 5.0, "Gadgets": 1.0},
        {"Widgets": 5.0, "Gadgets": 1.0},
        {"Widgets": 1.2, "Gadgets": -0.8},
        traits,
        (),
        {},
        1.0,
        "typical",
    )


def test_unmatched_traits_get_an_honest_note_and_generic_actions() -> None:
    traits = (
        Trait("Widgets", None, "high", 5.0, 2.0, 150.0, 1.2),
        Trait("Gadgets", None, "low", 1.0, 3.0, -66.7, -0.8),
    )
    recs, note = recommend(_segment(traits), load_playbook())
    assert "No playbook rule matches" in note
    assert len(recs) == 2 and not any(r.matched for r in recs)
    assert recs[0].objective == "Build on the segment's high Widgets"
    assert recs[1].objective == "Lift the segment's low Gadgets"


def test_playbook_errors_are_collected(tmp_path: Path) -> None:
    bad = tmp_path / "playbook.toml"
    bad.write_text(
        '[[rule]]\nrole = "income"\ndirection = "up"\npriority = 1\nobjective = "a"\n'
        'offer = "b"\nchannel = "c"\ntone = "d"\nkpi = "e"\n[[rule]]\nrole = "x"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_playbook(bad)
    message = str(info.value)
    assert "rule 1 direction must be 'high' or 'low'" in message
    assert "rule 2 lacks direction, priority" in message
    assert "[generic.high] lacks" in message


def test_story_templates_can_be_reworded(tmp_path: Path, mall_run) -> None:  # type: ignore[no-untyped-def]
    _, _, profiles, _ = mall_run
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "story.txt").write_text(
        "Group {{ segment.id }}: {{ segment.size }} people."
    )
    narratives = write(
        profiles, select_k_fixed(), load_playbook(), environment(tmp_path, html=False)
    )
    assert narratives.for_segment(1).story == f"Group 1: {profiles.segments[0].size} people."


def select_k_fixed():  # type: ignore[no-untyped-def]
    import numpy as np

    rng = np.random.default_rng(0)
    return select_k(rng.normal(size=(50, 2)), k=2)
