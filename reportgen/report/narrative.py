"""Stage 7, narrative: plain-text stories and ranked marketing recommendations.

Stories come from text templates (``templates/text/*.txt``) so users can reword them; actions
come from the playbook (``templates/playbook.toml`` or ``--playbook``), which maps a trait
(role + direction) to an objective, offer, channel, tone and KPI.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment

from reportgen.errors import ConfigError
from reportgen.formatting import MAX_TEXT_LENGTH, clip
from reportgen.profiling.labels import shown
from reportgen.profiling.roles import WORDS, outcome_role, role_direction
from reportgen.reading.rfm import RFM_NAMES
from reportgen.report.templating import default_template_dir, number, render, signed_percent
from reportgen.segmenting.segments import SegmentProfile, SegmentProfiles, Trait
from reportgen.segmenting.selection import LABELS as SELECTION_LABELS
from reportgen.segmenting.selection import KSelection

ACTION_FIELDS = ("objective", "offer", "channel", "tone", "kpi")
GUARDS = ("most", "min_percentile", "max_percentile", "min_value", "max_value", "min_points")
RULE_KEYS = ("role", "direction", "priority", "segment", "unless", *ACTION_FIELDS, *GUARDS)
POSITIONS = ("high_value", "low_value", "high_engagement", "low_engagement", "average")
RULE_ROLES = (*WORDS, "churn_outcome", "response_outcome", "rfm")
MIN_RECOMMENDATIONS = 2
MAX_RECOMMENDATIONS = 4  # more than four actions per segment is a list, not a plan
MATERIAL_Z = 0.5  # a trait acts from half a standard deviation away from the average
MATERIAL_POINTS = 5.0  # an outcome acts from 5 points away from the overall rate
VALUE_ROLES = ("spend", "income", "balance", "credit")
ENGAGEMENT_ROLES = ("frequency", "usage", "web_use", "store_use", "breadth", "recency")
POSITION_MARGIN = 0.1  # a segment whose median is within 10 percentiles of 50 is average


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
    guards: tuple[tuple[str, float], ...] = ()  # (guard, limit), see GUARDS
    unless: tuple[tuple[str, str], ...] = ()  # (role, direction) traits that rule it out


@dataclass(frozen=True)
class Playbook:
    rules: tuple[Rule, ...]
    positions: dict[str, dict[str, str]]  # POSITIONS -> action fields
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
    matched: bool  # False for an action from the segment's position (no playbook rule fit)
    strength: float = 0.0  # how strong the triggering trait is (standardized difference)


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
    """Read and check a playbook file (the shipped one by default): every problem at once,
    each naming the rule and its line."""
    path = path or default_template_dir() / "playbook.toml"
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"playbook {path}: no such file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"playbook {path}: cannot be read ({exc})") from None
    lines = [i for i, line in enumerate(text.splitlines(), 1) if line.strip() == "[[rule]]"]
    problems: list[str] = []
    rules = []
    unknown = [k for k in data if k not in ("rule", "position")]
    if unknown:
        problems.append(f"unknown section [{unknown[0]}] (use [[rule]] and [position.*])")
    for i, raw in enumerate(data.get("rule", []), start=1):
        where = f"rule {i} (line {lines[i - 1]})" if i <= len(lines) else f"rule {i}"
        found = _rule_problems(raw)
        if found:
            problems += [f"{where} {p}" for p in found]
            continue
        guards = tuple((g, float(raw[g])) for g in GUARDS if g in raw)
        unless = tuple(tuple(u.split(":", 1)) for u in raw.get("unless", ()))
        values = {k: raw.get(k, "") for k in ("role", "direction", "segment", *ACTION_FIELDS)}
        rules.append(
            Rule(priority=int(raw["priority"]), guards=guards, unless=unless, **values)  # type: ignore[arg-type]
        )
    positions = data.get("position", {})
    for name in positions:
        if name not in POSITIONS:
            problems.append(f"[position.{name}] is not a position (use {', '.join(POSITIONS)})")
    for name in POSITIONS:
        missing = [f for f in ACTION_FIELDS if f not in positions.get(name, {})]
        if missing:
            problems.append(f"[position.{name}] lacks {', '.join(missing)}")
    if problems:
        raise ConfigError(f"playbook {path}: " + "; ".join(problems))
    return Playbook(tuple(rules), positions, str(path))


def _rule_problems(raw: dict[str, Any]) -> list[str]:
    """What is wrong with one [[rule]] table, in words."""
    problems = []
    unknown = [k for k in raw if k not in RULE_KEYS]
    if unknown:
        problems.append(f"has unknown key '{unknown[0]}' (use {', '.join(RULE_KEYS)})")
    rfm = raw.get("role") == "rfm"
    needed = ("role", "segment" if rfm else "direction", "priority", *ACTION_FIELDS)
    missing = [f for f in needed if f not in raw]
    if missing:
        problems.append(f"lacks {', '.join(missing)}")
    if "role" in raw and raw["role"] not in RULE_ROLES:
        problems.append(f"role '{raw['role']}' is not a role (use {', '.join(RULE_ROLES)})")
    if rfm and "segment" in raw and raw["segment"] not in RFM_NAMES:
        problems.append(f"segment '{raw['segment']}' is not an RFM grid name")
    if not rfm and "direction" in raw and raw["direction"] not in ("high", "low"):
        problems.append("direction must be 'high' or 'low'")
    if "priority" in raw and (not isinstance(raw["priority"], int) or raw["priority"] < 1):
        problems.append("priority must be a whole number from 1")
    for guard in GUARDS:
        value = raw.get(guard)
        if guard in raw and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(f"{guard} must be a number")
    for name in ACTION_FIELDS:
        if name in raw and not isinstance(raw[name], str):
            problems.append(f"{name} must be text")
    unless = raw.get("unless", [])
    if not isinstance(unless, list) or not all(_trait_ref(u) for u in unless):
        problems.append('unless must list traits as "role:direction", e.g. unless = ["income:low"]')
    return problems


def _trait_ref(value: object) -> bool:
    if not isinstance(value, str) or ":" not in value:
        return False
    role, direction = value.split(":", 1)
    return role in RULE_ROLES and direction in ("high", "low")


def write(
    profiles: SegmentProfiles,
    selection: KSelection,
    playbook: Playbook,
    text_env: Environment,
    baseline: str = "",
) -> Narratives:
    """Summary paragraph, and per segment a story and at least two ranked actions;
    ``baseline`` names the period whose segments were kept (assign mode).  Names and values
    are cut at the ``max_text_length`` that ``text_env`` was built with."""
    verdict = _verdict(selection)
    limit = text_env.globals.get("max_text_length", MAX_TEXT_LENGTH)
    limit = limit if isinstance(limit, int) else MAX_TEXT_LENGTH
    segments = tuple(
        distinct_top_actions(
            [_segment(s, profiles, playbook, text_env, verdict, limit) for s in profiles.segments]
        )
    )
    summary = render(
        text_env,
        "text/summary.txt",
        {
            "segments": profiles.segments,
            "n_rows": profiles.n_rows,
            "k": len(profiles.segments),
            "selection": selection,
            "features": [shown(f, limit) for f in profiles.features],
            "labels": SELECTION_LABELS,
            "baseline": baseline,
            "structure": _verdict(selection),
        },
    )
    return Narratives(_tidy(summary), segments, playbook.source)


def _verdict(selection: KSelection) -> str:
    structure = getattr(selection, "structure", None)
    return structure.verdict if structure is not None else ""


def _segment(
    segment: SegmentProfile,
    profiles: SegmentProfiles,
    playbook: Playbook,
    env: Environment,
    verdict: str = "",
    limit: int = MAX_TEXT_LENGTH,
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
            "structure": verdict,
        },
    )
    recs: tuple[Recommendation, ...] = ()
    if segment.size == 0:  # a saved segment no customer is assigned to this period
        note = "No customer is in this segment this period, so no action is proposed."
    else:
        recs, note = recommend(segment, playbook, profiles.roles, profiles.amounts, limit)
    if verdict == "none" and recs:
        caution = (
            "The customers do not fall into distinct groups, so these actions target a range "
            "of customers, not a kind: test them on a sample before rolling out."
        )
        note = f"{note} {caution}".strip()
    kpis = tuple(dict.fromkeys(r.kpi for r in recs))
    return SegmentNarrative(segment.id, _tidy(story), recs, kpis, note)


def _rfm_matches(
    segment: SegmentProfile, playbook: Playbook
) -> list[tuple[int, float, Rule, Trait]]:
    """Rules for the segment's RFM cell (a transaction log's segments), before any trait."""
    if not (segment.rfm and segment.rfm_scores):
        return []
    r, f, m = segment.rfm_scores
    share = f", {segment.rfm_share:.0%} of its customers" if segment.rfm_share else ""
    rfm_trait = Trait(
        f"RFM cell {segment.rfm}{share} (median R{r} F{f} M{m})", "rfm", "high", float(r), 3.0,
        None, 9.0,
    )  # fmt: skip
    return [
        (rule.priority, -9.0, rule, rfm_trait)
        for rule in playbook.rules
        if rule.role == "rfm" and rule.segment == segment.rfm
    ]


def _trait_matches(
    segment: SegmentProfile, playbook: Playbook
) -> list[tuple[int, float, Rule, Trait]]:
    """Rules whose role and direction match a material trait and whose guards hold."""
    acting = _acting_traits(segment)
    present = {(str(t.role), role_direction(t.feature, t.role, t.direction)) for t in acting}
    matches = []
    for trait in acting:
        direction = role_direction(trait.feature, trait.role, trait.direction)
        for rule in playbook.rules:
            if (
                rule.role == trait.role
                and rule.direction == direction
                and _holds(rule, trait, segment, present)
            ):
                matches.append((rule.priority, -abs(trait.z), rule, trait))
    return matches


def recommend(
    segment: SegmentProfile,
    playbook: Playbook,
    roles: dict[str, str | None] | None = None,
    amounts: tuple[str, ...] = (),
    limit: int = MAX_TEXT_LENGTH,
) -> tuple[tuple[Recommendation, ...], str]:
    """Playbook actions whose trait is material and whose guards hold on the segment's own
    numbers, most urgent first; where none fits, actions from the segment's position on value
    and engagement; where the table has neither, a plain note saying so.  Each action says
    the trait it answers, its name cut at ``limit`` characters."""
    matches = _rfm_matches(segment, playbook) + _trait_matches(segment, playbook)
    matches.sort(key=lambda m: (m[0], m[1], m[2].objective))
    chosen: list[tuple[dict[str, str], Trait, bool]] = []
    seen: set[str] = set()
    for _, _, rule, trait in matches:
        if rule.objective not in seen and len(chosen) < MAX_RECOMMENDATIONS:
            seen.add(rule.objective)
            chosen.append(({f: getattr(rule, f) for f in ACTION_FIELDS}, trait, True))
    note = ""
    if len(chosen) < MIN_RECOMMENDATIONS:
        fallback, note = _position_actions(segment, playbook, roles or {}, bool(chosen), amounts)
        for fields, trait in fallback:
            if fields["objective"] not in seen and len(chosen) < MIN_RECOMMENDATIONS:
                seen.add(fields["objective"])
                chosen.append((fields, trait, False))
    recs = tuple(
        Recommendation(
            rank=i,
            trigger=_trigger(trait, limit),
            matched=matched,
            strength=abs(trait.z),
            **fields,
        )
        for i, (fields, trait, matched) in enumerate(chosen, start=1)
    )
    return recs, note


def _acting_traits(segment: SegmentProfile) -> list[Trait]:
    """Material traits with a role: clustered features, ages and household, outcomes."""
    traits = [t for t in (*segment.traits, *segment.context) if t.role and abs(t.z) >= MATERIAL_Z]
    for o in segment.outcomes:
        points = o.points
        if points != points or abs(points) < MATERIAL_POINTS:
            continue
        role = outcome_role(o.label, o.level)
        direction = "high" if points > 0 else "low"
        traits.append(Trait(o.label, role, direction, o.rate, o.overall, None, points / 10))
    return traits


def _holds(
    rule: Rule, trait: Trait, segment: SegmentProfile, present: set[tuple[str, str]]
) -> bool:
    """Every guard of ``rule`` holds on the segment's own numbers for ``trait``, and none of
    the traits that rule it out (``unless``) is ``present``."""
    if any(ref in present for ref in rule.unless):
        return False
    return all(guard_holds(g, limit, rule.direction, trait, segment) for g, limit in rule.guards)


def guard_holds(
    guard: str, limit: float, direction: str, trait: Trait, segment: SegmentProfile
) -> bool:
    """One guard (see GUARDS) against the segment's figures for the trait's feature."""
    name = trait.feature
    if guard == "most":
        side = segment.above_median if direction == "high" else segment.below_median
        return side.get(name, float("nan")) >= limit
    if guard in ("min_percentile", "max_percentile"):
        rank = segment.median_rank.get(name, float("nan")) * 100
        return rank >= limit if guard == "min_percentile" else rank <= limit
    if guard in ("min_value", "max_value"):
        value = trait.segment_value
        return value >= limit if guard == "min_value" else value <= limit
    if guard == "min_points":
        return abs(trait.segment_value - trait.overall_value) * 100 >= limit
    return False


def _position_actions(
    segment: SegmentProfile,
    playbook: Playbook,
    roles: dict[str, str | None],
    matched: bool,
    amounts_: tuple[str, ...] = (),
) -> tuple[list[tuple[dict[str, str], Trait]], str]:
    """Actions for where the segment sits on value and engagement among all customers."""
    amounts = {name: "spend" for name in amounts_}
    value = _axis(segment, {**roles, **amounts}, VALUE_ROLES)
    engagement = _axis(segment, roles, ENGAGEMENT_ROLES)
    if value is None and engagement is None:
        return [], (
            "The table holds no marketing lever for this segment: no spend, purchase "
            "frequency, recency or usage column. Purchase history (a transaction log) or usage "
            "data would give one."
            if not matched
            else ""
        )
    found = []
    for axis, rank in (("value", value), ("engagement", engagement)):
        if rank is None or abs(rank - 0.5) < POSITION_MARGIN:
            continue
        level = "high" if rank > 0.5 else "low"
        trait = Trait(f"{axis}: the segment's median is at the {rank:.0%} point of all "
                      "customers", "position", level, rank, 0.5, None, rank - 0.5)  # fmt: skip
        found.append((abs(rank - 0.5), playbook.positions[f"{level}_{axis}"], trait))
    found.sort(key=lambda f: -f[0])
    actions = [(dict(fields), trait) for _, fields, trait in found]
    if not actions:
        trait = Trait("value and engagement close to the average customer", "position",
                      "high", 0.5, 0.5, None, 0.0)  # fmt: skip
        actions = [(dict(playbook.positions["average"]), trait)]
    note = (
        ""
        if matched
        else (
            "No playbook rule fits this segment's traits; the actions follow from where it sits "
            "on value and engagement among all customers."
        )
    )
    return actions, note


def _axis(
    segment: SegmentProfile, roles: dict[str, str | None], axis: tuple[str, ...]
) -> float | None:
    """The segment's average median percentile over the features of an axis (recency turned
    round: recent is engaged); None when the table has no such feature."""
    ranks = []
    for feature, role in roles.items():
        rank = segment.median_rank.get(feature)
        if role in axis and rank is not None and rank == rank:
            ranks.append(1 - rank if role == "recency" else rank)
    return sum(ranks) / len(ranks) if ranks else None


def distinct_top_actions(narratives: list[SegmentNarrative]) -> list[SegmentNarrative]:
    """No two segments lead with the same action: each segment leads with one of its own
    actions, as high in its ranking as can be while all leads differ (an assignment problem);
    a segment whose actions are all taken leads with its first and is said to be alike with
    the segment that shares it."""
    from scipy.optimize import linear_sum_assignment

    rows = [i for i, n in enumerate(narratives) if n.recommendations]
    objectives = sorted({r.objective for i in rows for r in narratives[i].recommendations})
    if len(rows) < 2:
        return list(narratives)
    missing = 100.0 * MAX_RECOMMENDATIONS
    cost = np.full((len(rows), len(objectives)), missing)
    for a, i in enumerate(rows):
        for rank, rec in enumerate(narratives[i].recommendations):
            cost[a, objectives.index(rec.objective)] = rank
    assigned = dict(zip(*linear_sum_assignment(cost), strict=True))
    result = list(narratives)
    leads: dict[str, int] = {}
    for a, i in enumerate(rows):
        recs = result[i].recommendations
        pick = assigned.get(a)
        lead = next((r for r in recs if pick is not None and r.objective == objectives[pick]), None)
        if lead is None or cost[a, pick] >= missing:
            lead = recs[0]
        if lead is not recs[0]:
            moved = (lead, *(r for r in recs if r is not lead))
            recs = tuple(replace(r, rank=k) for k, r in enumerate(moved, 1))
            result[i] = replace(result[i], recommendations=recs)
        if lead.objective in leads:
            other = leads[lead.objective]
            ids = sorted((result[other].segment_id, result[i].segment_id))
            extra = (
                f"Segments {ids[0]} and {ids[1]} are alike on what the playbook can act on; "
                f"they share the action '{lead.objective}'."
            )
            for j in (other, i):
                result[j] = replace(result[j], note=f"{result[j].note} {extra}".strip())
        leads.setdefault(lead.objective, i)
    return result


def _trigger(trait: Trait, limit: int = MAX_TEXT_LENGTH) -> str:
    if trait.role in ("rfm", "position"):
        return trait.feature
    if trait.role in ("churn_outcome", "response_outcome"):
        return (
            f"{trait.direction} {clip(trait.feature, limit)}: {trait.segment_value:.0%} vs "
            f"{trait.overall_value:.0%} overall"
        )
    pct = f", {signed_percent(trait.pct_diff)}" if trait.pct_diff is not None else ""
    return (
        f"{trait.direction} {shown(trait.feature, limit)}: {number(trait.segment_value)} vs "
        f"{number(trait.overall_value)} overall{pct}"
    )


def _tidy(text: str) -> str:
    """Join the template's lines into paragraphs separated by one blank line."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)
