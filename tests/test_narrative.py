"""Stories and recommendations: built from the numbers, at least two actions, honest notes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reportgen.errors import ConfigError
from reportgen.formatting import percent
from reportgen.options import Clustering
from reportgen.profiling.profile import profile
from reportgen.report.narrative import load_playbook, recommend, write
from reportgen.report.templating import environment
from reportgen.segmenting.clustering import fit
from reportgen.segmenting.features import build
from reportgen.segmenting.segments import SegmentProfile, Trait, describe
from reportgen.segmenting.selection import select_k
from tests.conftest import MALL


@pytest.fixture(scope="module")
def mall_run():  # type: ignore[no-untyped-def]
    frame = pd.read_csv(MALL)
    fm = build(frame, profile(frame), features=["Annual Income (k$)", "Spending Score (1-100)"])
    selection = select_k(fm.X, Clustering(k=5, seed=0))
    seg = fit(fm.X, 5, Clustering(seed=0))
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
    assert f"annual income averages {income:.1f} against {overall:.1f} overall" in story
    assert f"({(income - overall) / overall * 100:+.0f}%)" in story


def test_every_segment_gets_two_ranked_recommendations_with_triggers(mall_run) -> None:  # type: ignore[no-untyped-def]
    _, _, profiles, narratives = mall_run
    for s in profiles.segments:
        recs = narratives.for_segment(s.id).recommendations
        # two or more from the playbook; one from the segment's position when none fits
        assert len(recs) >= 2 or (len(recs) == 1 and not recs[0].matched)
        assert [r.rank for r in recs] == list(range(1, len(recs) + 1))
        for r in recs:
            assert r.objective and r.offer and r.channel and r.tone and r.kpi
            assert r.trigger
            assert not r.matched or any(w in r.trigger for w in ("income", "spending", "age"))
    big = next(s for s in profiles.segments if s.name == "Affluent big spenders")
    top = narratives.for_segment(big.id).recommendations[0]
    assert top.objective == "Retain and reward the most valuable customers"  # priority 1
    assert top.trigger.startswith("high spending score")
    # the top actions differ between segments
    tops = [narratives.for_segment(s.id).recommendations[0].objective for s in profiles.segments]
    assert len(set(tops)) == len(tops)


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


def test_traits_without_a_marketing_role_get_no_invented_action() -> None:
    traits = (
        Trait("Widgets", None, "high", 5.0, 2.0, 150.0, 1.2),
        Trait("Gadgets", None, "low", 1.0, 3.0, -66.7, -0.8),
    )
    recs, note = recommend(_segment(traits), load_playbook())
    assert recs == ()  # never "lift the segment's low Gadgets"
    assert note.startswith("The table holds no marketing lever for this segment")


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
    assert "rule 1 (line 1) direction must be 'high' or 'low'" in message
    assert "rule 2 (line 10) lacks direction, priority" in message
    assert "rule 2 (line 10) role 'x' is not a role" in message
    assert "[position.high_value] lacks objective" in message


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
    return select_k(rng.normal(size=(50, 2)), Clustering(k=2, seed=0))
