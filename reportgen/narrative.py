"""Stage 7, narrative: plain-text stories and ranked marketing recommendations.

Stories come from text templates (``templates/text/*.txt``) so users can reword them; actions
come from the playbook (``templates/playbook.toml`` or ``--playbook``), which maps a trait
(role + direction) to an objective, offer, channel, tone and KPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib
from jinja2 import Environment

from reportgen.errors import ConfigError
from reportgen.roles import role_direction
from reportgen.segments import SegmentProfile, SegmentProfiles, Trait
from reportgen.selection import KSelection
from reportgen.templating import default_template_dir, number, render, signed_percent

ACTION_FIELDS = ("objective", "offer", "channel", "tone", "kpi")
MIN_RECOMMENDATIONS = 2
MAX_RECOMMENDATIONS = 4  # more than four actions per segment is a list, not a plan


@dataclass(frozen=True)
class Rule:
    role: str
    direction: str  # "high"/"low"; "" for RFM rules
    priority: int
    objective: str
    offer: str
    channel: str
    tone: str
    kpi: str
    segment: str = ""  # RFM rules (role "rfm"): the grid name, e.g. "Champions"


@dataclass(frozen=True)
class Playbook:
    rules: tuple[Rule, ...]
    generic: dict[str, dict[str, Any]]  # "high"/"low" -> action fields with {feature}
    source: str


@dataclass(frozen=True)
class Recommendation:
    rank: int
    objective: str
    offer: str
    channel: str
    tone: str
    kpi: str
    trigger: str  # the trait that triggered it, in words
    matched: bool  # False for a generic action (no playbook rule matched)


@dataclass(frozen=True)
class SegmentNarrative:
    segment_id: int
    story: str
    recommendations: tuple[Recommendation, ...]
    kpis: tuple[str, ...]
    note: str  # e.g. that no playbook rule matched


@dataclass(frozen=True)
class Narratives:
    summary: str
    segments: tuple[SegmentNarrative, ...]
    playbook: str  # where the playbook came from

    def for_segment(self, segment_id: int) -> SegmentNarrative:
        return next(s for s in self.segments if s.segment_id == segment_id)


def load_playbook(path: Path | None = None) -> Playbook:
    """Read and check a playbook file (the shipped one by default)."""
    path = path or default_template_dir() / "playbook.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"playbook {path}: no such file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"playbook {path}: cannot be read ({exc})") from None
    problems: list[str] = []
    rules = []
    for i, raw in enumerate(data.get("rule", []), start=1):
        rfm = raw.get("role") == "rfm"
        needed = ("role", "segment" if rfm else "direction", "priority", *ACTION_FIELDS)
        missing = [f for f in needed if f not in raw]
        if missing:
            problems.append(f"rule {i} lacks {', '.join(missing)}")
        elif not rfm and raw["direction"] not in ("high", "low"):
            problems.append(f"rule {i} direction must be 'high' or 'low'")
        else:
            values = {k: raw.get(k, "") for k in Rule.__dataclass_fields__}
            rules.append(Rule(**values))
    generic = data.get("generic", {})
    for direction in ("high", "low"):
        fields_missing = [f for f in ACTION_FIELDS if f not in generic.get(direction, {})]
        if fields_missing:
            problems.append(f"[generic.{direction}] lacks {', '.join(fields_missing)}")
    if problems:
        raise ConfigError(f"playbook {path}: " + "; ".join(problems))
    return Playbook(tuple(rules), generic, str(path))


def write(
    profiles: SegmentProfiles,
    selection: KSelection,
    playbook: Playbook,
    text_env: Environment,
) -> Narratives:
    """Summary paragraph, and per segment a story and at least two ranked actions."""
    segments = tuple(_segment(s, profiles, playbook, text_env) for s in profiles.segments)
    summary = render(
        text_env,
        "text/summary.txt",
        {
            "segments": profiles.segments,
            "n_rows": profiles.n_rows,
            "k": len(profiles.segments),
            "selection": selection,
            "features": profiles.features,
        },
    )
    return Narratives(_tidy(summary), segments, playbook.source)


def _segment(
    segment: SegmentProfile, profiles: SegmentProfiles, playbook: Playbook, env: Environment
) -> SegmentNarrative:
    story = render(
        env,
        "text/story.txt",
        {
            "segment": segment,
            "n_rows": profiles.n_rows,
            "features": profiles.features,
            "overall": profiles.overall,
            "roles": profiles.roles,
            "profiled_overall": profiles.profiled_overall,
        },
    )
    recs, note = recommend(segment, playbook)
    kpis = tuple(dict.fromkeys(r.kpi for r in recs))
    return SegmentNarrative(segment.id, _tidy(story), recs, kpis, note)


def recommend(
    segment: SegmentProfile, playbook: Playbook
) -> tuple[tuple[Recommendation, ...], str]:
    """Playbook actions triggered by the segment's traits, most urgent first."""
    matches: list[tuple[int, float, Rule, Trait]] = []
    if segment.rfm and segment.rfm_scores:
        r, f, m = segment.rfm_scores
        rfm_trait = Trait(
            f"RFM segment {segment.rfm} (R{r} F{f} M{m})", "rfm", "high", float(r), 3.0, None, 9.0
        )
        matches += [
            (rule.priority, -9.0, rule, rfm_trait)
            for rule in playbook.rules
            if rule.role == "rfm" and rule.segment == segment.rfm
        ]
    for trait in segment.traits:
        for rule in playbook.rules:
            if rule.role == trait.role and rule.direction == role_direction(
                trait.feature, trait.role, trait.direction
            ):
                matches.append((rule.priority, -abs(trait.z), rule, trait))
    matches.sort(key=lambda m: (m[0], m[1], m[2].objective))
    chosen: list[tuple[dict[str, str], Trait, bool]] = []
    seen: set[str] = set()
    for _, _, rule, trait in matches:
        if rule.objective not in seen and len(chosen) < MAX_RECOMMENDATIONS:
            seen.add(rule.objective)
            chosen.append(({f: getattr(rule, f) for f in ACTION_FIELDS}, trait, True))
    note = (
        ""
        if matches
        else (
            "No playbook rule matches this segment's traits; the actions below are generic ones "
            "for its strongest traits."
        )
    )
    for trait in _strongest(segment):
        if len(chosen) >= MIN_RECOMMENDATIONS:
            break
        fields = {
            f: str(playbook.generic[trait.direction][f]).format(feature=trait.feature)
            for f in ACTION_FIELDS
        }
        if fields["objective"] not in seen:
            seen.add(fields["objective"])
            chosen.append((fields, trait, False))
    recs = tuple(
        Recommendation(rank=i, trigger=_trigger(trait), matched=matched, **fields)
        for i, (fields, trait, matched) in enumerate(chosen, start=1)
    )
    return recs, note


def _strongest(segment: SegmentProfile) -> list[Trait]:
    """Traits by strength, or the two largest differences when none is distinct."""
    if segment.traits:
        return list(segment.traits)
    ranked = sorted(segment.z, key=lambda f: (-abs(segment.z[f]), f))
    return [
        Trait(
            f,
            None,
            "high" if segment.z[f] >= 0 else "low",
            segment.centroid[f],
            segment.centroid[f],
            None,
            segment.z[f],
        )
        for f in ranked
    ]


def _trigger(trait: Trait) -> str:
    if trait.role == "rfm":
        return trait.feature
    pct = f", {signed_percent(trait.pct_diff)}" if trait.pct_diff is not None else ""
    return (
        f"{trait.direction} {trait.feature}: {number(trait.segment_value)} vs "
        f"{number(trait.overall_value)} overall{pct}"
    )


def _tidy(text: str) -> str:
    """Join the template's lines into paragraphs separated by one blank line."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)
