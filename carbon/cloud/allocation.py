"""Allocation rules (RULES.toml): which team each bill line belongs to.

    unallocated = "Unallocated"          # lines no rule matches (omit: they are refused)
    [[rule]]
    tag = {Team = "video*"}              # glob patterns; tag names match in any case
    team = "Video"
    [[rule]]
    account = "1234*"
    service = "AmazonS3"
    split = {Platform = 0.6, Video = 0.4}   # weights, normalised

Rules are tried in order; the first whose every condition matches wins.
"""

from __future__ import annotations

import fnmatch
import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from carbon.core.suggest import did_you_mean
from carbon.errors import InputError, Problem

MATCH_KEYS = ("account", "project", "subscription", "service", "region")
RULE_KEYS = (*MATCH_KEYS, "tag", "team", "split")
UNALLOCATED = -1  # rule index of a line no rule matched


@dataclass(frozen=True)
class Rule:
    index: int  # 0-based position in the file
    conditions: tuple[tuple[str, str], ...]  # (key, glob)
    tags: tuple[tuple[str, str], ...]  # (tag name in lower case, glob)
    parts: tuple[tuple[str, float], ...]  # (team, share); shares sum to 1

    def describe(self) -> str:
        conds = [f"{k}={v}" for k, v in self.conditions] + [f"tag {k}={v}" for k, v in self.tags]
        teams = ", ".join(f"{t} {w:.0%}" if len(self.parts) > 1 else t for t, w in self.parts)
        return f"rule {self.index + 1} ({' '.join(conds) or 'every line'}) -> {teams}"

    def matches(self, values: dict[str, str]) -> bool:
        return all(fnmatch.fnmatchcase(values.get(k, ""), g) for k, g in self.conditions) and all(
            fnmatch.fnmatchcase(values.get("tag:" + k, ""), g) for k, g in self.tags
        )


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    unallocated: str | None
    sha256: str

    def tag_names(self) -> set[str]:
        return {"tag:" + k for r in self.rules for k, _ in r.tags}

    def match(self, values: dict[str, str]) -> int:
        """Index of the first rule matching a line's values, or UNALLOCATED."""
        for r in self.rules:
            if r.matches(values):
                return r.index
        return UNALLOCATED

    def teams(self) -> set[str]:
        out = {t for r in self.rules for t, _ in r.parts}
        if self.unallocated:
            out.add(self.unallocated)
        return out


def _line_of(text: str, needle: str, occurrence: int = 0) -> int | None:
    at = -1
    for _ in range(occurrence + 1):
        at = text.find(needle, at + 1)
        if at < 0:
            return None
    return text.count("\n", 0, at) + 1


def load(path: Path, declared_teams: set[str], display: str | None = None) -> Rules:
    """Read and check a rules file; refuse it whole, naming each problem's line and key."""
    name = display or str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    try:
        text = raw.decode("utf-8-sig")
        doc = tomllib.loads(text)
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"{name}: not valid TOML: {exc}",
            [Problem(name, getattr(exc, "lineno", None), None, None, str(exc))],
        ) from None
    problems: list[Problem] = []

    def bad(line: int | None, key: str, msg: str) -> None:
        problems.append(Problem(name, line, key, None, msg, key=True))

    for key in doc:
        if key not in ("unallocated", "rule"):
            bad(_line_of(text, key), key, "unknown key; expected 'unallocated' and [[rule]] tables")
    unallocated = doc.get("unallocated")
    if unallocated is not None and (not isinstance(unallocated, str) or not unallocated.strip()):
        bad(_line_of(text, "unallocated"), "unallocated", "expected a team name")
        unallocated = None
    raw_rules = doc.get("rule", [])
    if not isinstance(raw_rules, list):
        bad(_line_of(text, "rule"), "rule", "expected [[rule]] tables")
        raw_rules = []
    rules = []
    for i, r in enumerate(raw_rules):
        line = _line_of(text, "[[rule]]", i)
        for k in r:
            if k not in RULE_KEYS:
                hint = did_you_mean(k, RULE_KEYS)
                bad(
                    line,
                    k,
                    f"unknown key in rule {i + 1}"
                    + (f" (did you mean {hint!r}?)" if hint else "")
                    + f"; expected one of {', '.join(RULE_KEYS)}",
                )
        conds = []
        for k in MATCH_KEYS:
            if k in r:
                if not isinstance(r[k], str):
                    bad(line, k, f"rule {i + 1}: expected a text pattern")
                else:
                    conds.append((k, r[k]))
        tags = []
        if "tag" in r:
            if not isinstance(r["tag"], dict) or not all(
                isinstance(v, str) for v in r["tag"].values()
            ):
                bad(line, "tag", f'rule {i + 1}: expected a table such as tag = {{Team = "video"}}')
            else:
                tags = [(k.lower(), v) for k, v in r["tag"].items()]
        if ("team" in r) == ("split" in r):
            bad(
                line,
                "team",
                f'rule {i + 1}: expected either team = "NAME" or split = {{A = 0.6, B = 0.4}}',
            )
            continue
        if "team" in r:
            if not isinstance(r["team"], str):
                bad(line, "team", f"rule {i + 1}: expected a team name")
                continue
            parts = [(r["team"], 1.0)]
        else:
            split = r["split"]
            if (
                not isinstance(split, dict)
                or not split
                or not all(
                    isinstance(w, (int, float)) and not isinstance(w, bool) and w > 0
                    for w in split.values()
                )
            ):
                bad(
                    line,
                    "split",
                    f"rule {i + 1}: expected positive weights, such as {{Platform = 0.6, Video = 0.4}}",
                )
                continue
            total = float(sum(split.values()))
            parts = [(t, w / total) for t, w in split.items()]
        rules.append(Rule(i, tuple(conds), tuple(tags), tuple(parts)))
    result = Rules(tuple(rules), unallocated, hashlib.sha256(raw).hexdigest())
    for team in sorted(result.teams()):
        if team not in declared_teams:
            hint = did_you_mean(team, declared_teams)
            bad(
                _line_of(text, team),
                team,
                f"team {team!r} is not declared"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + "; declare it with 'carbon teams add'",
            )
    if problems:
        raise InputError(f"{name}: allocation rules refused", problems)
    return result
