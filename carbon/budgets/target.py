"""Budgets from a reduction target: the pathway, the split across teams, the file (pure).

A company's commitment is usually a reduction target, not a list of team budgets. This module
turns one into the other, with the arithmetic stated so a reader can redo it:

    absolute contraction (SBTi-style), a linear pathway from the base year B:
        reduction(Y)      = R × (Y − B)                 R: fraction of base-year emissions a year
        company budget(Y) = base-year emissions × (1 − reduction(Y)), never below 0

    a target year and reduction ("50%@2030") is the same line through (B, 0) and (2030, 50 %):
        R = 50 % ÷ (2030 − B)

    team budget = company budget × the team's share; shares are the teams' base-year emissions
    (or their forecast for the year before Y) over the company's. Budgets are written in
    t CO2e to 0.1 t: the company figure is rounded down (never above the pathway) and split by
    the largest-remainder rule, so the team budgets add up to it exactly.

    profile (monthly weights) = the team's emissions month by month in the profile year (the
    year before Y when it is complete, else the base year); a team with no emission in any
    month of it gets "flat".

Nothing here reads the database or the clock: carbon.budgets.service.propose passes the figures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from carbon.errors import InputError

MONTHS = 12
STEP_T = 0.1  # budgets are proposed to 0.1 t CO2e
_RATE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*(?:/\s*(?:year|yr|y))?\s*$", re.IGNORECASE)
_GOAL_RE = re.compile(r"^\s*-?\s*(\d+(?:\.\d+)?)\s*%\s*@\s*(\d{4})\s*$")
TARGET_FORMS = (
    "'4.2%/year' (a linear cut of 4.2 % of base-year emissions a year) or '50%@2030' "
    "(50 % below the base year in 2030, on a straight line)"
)


@dataclass(frozen=True)
class Target:
    """A reduction target: `rate` is the fraction of base-year emissions cut each year.

    `goal_year`/`goal_reduction` are set when the target was given as a reduction by a year.
    """

    text: str
    rate: float
    goal_year: int | None = None
    goal_reduction: float | None = None

    def describe(self) -> str:
        per_year = f"{self.rate * 100:.4g} % of base-year emissions a year"
        if self.goal_year is None:
            return f"linear absolute contraction of {per_year}"
        return (
            f"{self.goal_reduction * 100:.4g} % below the base year by {self.goal_year}, "
            f"on a straight line: {per_year}"
        )


@dataclass(frozen=True)
class TeamProposal:
    """One team's proposed budget (t CO2e, to 0.1 t), its share and monthly profile."""

    team: str
    basis_kg: float
    share: float
    budget_t: float
    profile: tuple[float, ...] | None  # None: flat


@dataclass(frozen=True)
class Proposal:
    """A proposed budget year from a target, with every figure of its arithmetic."""

    year: int
    base_year: int
    target: Target
    teams_by: str  # "base" or "forecast"
    basis_label: str  # what the shares were computed on, in words
    base_kg: float
    reduction: float  # fraction of base-year emissions cut in `year`
    pathway_kg: float  # base × (1 − reduction), before rounding
    company_t: float  # rounded down to 0.1 t
    teams: tuple[TeamProposal, ...]
    profile_year: int
    left_out: tuple[str, ...] = ()  # declared teams with no basis (no emissions): no budget
    # (team, basis kg, share of the basis) of the teams retired by the year's January: no budget;
    # their share of the company budget went to the others, in proportion.
    retired: tuple[tuple[str, float, float], ...] = ()


def parse_target(text: str, base_year: int) -> Target:
    """A target from its text (see TARGET_FORMS); InputError naming what was expected."""
    m = _RATE_RE.match(text)
    if m:
        rate = float(m.group(1)) / 100
        if not 0 < rate <= 1:
            raise _bad(text, "a yearly cut above 0 % and at most 100 %")
        return Target(text.strip(), rate)
    m = _GOAL_RE.match(text)
    if m:
        reduction, goal_year = float(m.group(1)) / 100, int(m.group(2))
        if not 0 < reduction <= 1:
            raise _bad(text, "a reduction above 0 % and at most 100 %")
        if goal_year <= base_year:
            raise _bad(text, f"a target year after the base year {base_year}")
        return Target(text.strip(), reduction / (goal_year - base_year), goal_year, reduction)
    raise _bad(text, TARGET_FORMS)


def _bad(text: str, expected: str) -> InputError:
    # an option, not a file: the headline says it all (a problem line would repeat it)
    return InputError(f"--target {text!r}: expected {expected}")


def pathway(base_kg: float, target: Target, base_year: int, year: int) -> tuple[float, float]:
    """(reduction fraction, company kg CO2e) in `year` on the target's straight line."""
    reduction = min(1.0, target.rate * (year - base_year))
    return reduction, max(0.0, base_kg * (1.0 - reduction))


def split(total_steps: int, basis: Mapping[str, float]) -> dict[str, int]:
    """Split `total_steps` whole units across teams in proportion to `basis` (largest remainder).

    The parts add up to `total_steps` exactly; ties go to the larger basis, then the name.
    """
    whole = sum(basis.values())
    if whole <= 0:
        return {team: 0 for team in basis}
    exact = {team: total_steps * kg / whole for team, kg in basis.items()}
    parts = {team: math.floor(x) for team, x in exact.items()}
    left = total_steps - sum(parts.values())
    order = sorted(basis, key=lambda t: (-(exact[t] - parts[t]), -basis[t], t))
    for team in order[:left]:
        parts[team] += 1
    return parts


def profile(monthly_kg: Sequence[float]) -> tuple[float, ...] | None:
    """12 monthly weights (t CO2e to 0.001 t) from a year's emissions; None (flat) when all zero."""
    if len(monthly_kg) != MONTHS or not any(kg > 0 for kg in monthly_kg):
        return None
    return tuple(round(kg / 1000, 3) for kg in monthly_kg)


def propose(
    *,
    year: int,
    base_year: int,
    target: Target,
    teams_by: str,
    basis_label: str,
    base_kg: float,
    basis: Mapping[str, float],
    monthly: Mapping[str, Sequence[float]],
    profile_year: int,
    declared: Sequence[str] = (),
    retired: Sequence[str] = (),
) -> Proposal:
    """The proposal: company budget on the pathway, split by `basis` (kg per team).

    `monthly` gives each team's 12 monthly kg of the profile year; `declared` the teams that
    exist, so those left without a budget (no basis) are named; `retired` the teams retired by
    the year's January: they get no budget, and those with a basis are named with their share.
    """
    reduction, pathway_kg = pathway(base_kg, target, base_year, year)
    steps = math.floor(pathway_kg / 1000 / STEP_T + 1e-9)
    gone = set(retired)
    every = sum(kg for kg in basis.values() if kg > 0)
    dropped = tuple(
        (t, kg, kg / every) for t, kg in sorted(basis.items()) if t in gone and kg > 0 and every
    )
    positive = {t: kg for t, kg in basis.items() if kg > 0 and t not in gone}
    parts = split(steps, positive)
    whole = sum(positive.values())
    teams = tuple(
        TeamProposal(
            team,
            positive[team],
            positive[team] / whole if whole else 0.0,
            round(parts[team] * STEP_T, 1),
            profile(monthly.get(team, ())),
        )
        for team in sorted(positive, key=lambda t: (-positive[t], t))
    )
    return Proposal(
        year,
        base_year,
        target,
        teams_by,
        basis_label,
        base_kg,
        reduction,
        pathway_kg,
        round(steps * STEP_T, 1),
        teams,
        profile_year,
        tuple(sorted(t for t in declared if t not in positive and t not in gone)),
        dropped,
    )


def _toml_key(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render_toml(p: Proposal) -> str:
    """The proposal as a budget file `carbon budget load` takes, its arithmetic in comments."""
    lines = [
        f"# Carbon budgets {p.year}, proposed by `carbon budget propose` from a reduction target.",
        f"# Target: {p.target.text} — {p.target.describe()}.",
        f"# Base year {p.base_year}: {p.base_kg / 1000:,.3f} t CO2e (the ledger's total, all scopes).",
        f"# Reduction in {p.year} = {p.target.rate * 100:.4g} % × ({p.year} − {p.base_year})"
        f" = {p.reduction * 100:.4g} % of the base year (capped at 100 %).",
        f"# Company budget = {p.base_kg / 1000:,.3f} t × (1 − {p.reduction:.6g})"
        f" = {p.pathway_kg / 1000:,.3f} t, rounded down to 0.1 t: {p.company_t:.1f} t.",
        f"# Team budgets = company budget × the team's share of {p.basis_label};",
        "# to 0.1 t by the largest remainder, so they add up to the company budget exactly.",
        f"# Profiles: each team's emissions month by month in {p.profile_year} (t CO2e);"
        " 'flat' where it had none.",
    ]
    if p.left_out:
        lines.append(
            "# No budget proposed (no emissions in the basis): "
            + ", ".join(p.left_out)
            + ". Add one by hand if they should have one."
        )
    if p.retired:
        shares = ", ".join(
            f"{t} ({kg / 1000:,.3f} t, {share * 100:.2f} % of {p.basis_label})"
            for t, kg, share in p.retired
        )
        lines.append(
            f"# Retired by {p.year} (no budget): {shares}. The company budget still counts "
            "their base-year emissions and their share went to the other teams in proportion; "
            "if those emissions left the company (an activity stopped, a divestment), lower "
            "the company budget by that share."
        )
    lines += [
        "",
        f"year = {p.year}",
        'unit = "t CO2e"',
        "",
        "[company]",
        f"budget = {p.company_t:.1f}",
    ]
    for t in p.teams:
        lines += [
            "",
            f"# share {t.share * 100:.2f} % of {t.basis_kg / 1000:,.3f} t",
            f"[teams.{_toml_key(t.team)}]",
            f"budget = {t.budget_t:.1f}",
        ]
        if t.profile is None:
            lines.append('profile = "flat"')
        else:
            lines.append("profile = [" + ", ".join(f"{w:g}" for w in t.profile) + "]")
    return "\n".join(lines) + "\n"
