"""The region hierarchy: where a region falls back to when a key has no row for it.

Data, not code: `factors/regions.csv` (region, parent, name, source) says that
a cloud region lies in a country (aws:eu-central-1 -> DE), that an EU member
falls back to the EU-27 figure (ES -> EU), and that anything else falls back
to the world (an empty parent: the any-region rows). A region the file does
not list has no ancestor: it goes straight to the any-region rows.
See docs/regions.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from carbon.core.resources import shipped_dir
from carbon.errors import InputError, Problem
from carbon.model import RegionFallback

# ISO 3166-1 alpha-2 (or EU, its exceptionally reserved code), or a cloud region "provider:region".
REGION_RE = re.compile(r"^([A-Z]{2}|[a-z0-9]+:[a-z0-9-]+)$")
COLUMNS = ("region", "parent", "name", "source")
FILE = "regions.csv"
MAX_DEPTH = 8  # cloud region -> country -> EU -> world is 3; a deeper chain is a mistake


@dataclass(frozen=True)
class RegionTree:
    """Parent and display name of each listed region ("" parent: the world)."""

    parents: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def ancestors(self, region: str) -> tuple[str, ...]:
        """The regions to try after `region`, nearest first (not `region`, not the world).

        aws:eu-south-2 -> ("ES", "EU"); ES -> ("EU",); JP -> (); an unlisted region -> ().
        """
        chain: list[str] = []
        parent = self.parents.get(region, "")
        while parent and parent not in chain and len(chain) < MAX_DEPTH:  # loops: refused on load
            chain.append(parent)
            parent = self.parents.get(parent, "")
        return tuple(chain)

    def label(self, region: str) -> str:
        """ "ES (Spain)"; the world for ""; the bare code for an unlisted region."""
        if not region:
            return "the any-region row (world)"
        name = self.names.get(region)
        return f"{region} ({name})" if name else region

    def describe(self, fallback: RegionFallback) -> str:
        """One line of an import summary naming a fallback.

        "electricity.grid: region ES (Spain) has no factor of its own; used EU (European
        Union, EU-27) for 2 rows"
        """
        n = fallback.rows
        return (
            f"{fallback.activity}: region {self.label(fallback.region)} has no factor of its own; "
            f"used {self.label(fallback.region_used)} for {n:,} row{'s' if n != 1 else ''}"
        )


def parse_regions(name: str, rows: list[dict[str, str]], lines) -> RegionTree:
    """Validate hierarchy rows; raise InputError listing every problem.

    Each region once, in the factor tables' region format; each parent listed
    itself (or empty); no cycle; at most MAX_DEPTH levels.
    """
    problems: list[Problem] = []
    parents: dict[str, str] = {}
    names: dict[str, str] = {}
    where: dict[str, int] = {}
    for row, line in zip(rows, lines):
        line = int(line)
        region, parent = row["region"].strip(), row["parent"].strip()
        if not REGION_RE.match(region):
            problems.append(
                Problem(
                    name,
                    line,
                    "region",
                    region,
                    "expected an ISO code such as ES, EU, or a cloud region such as aws:eu-south-2",
                )
            )
            continue
        if parent and (":" in parent or not REGION_RE.match(parent)):
            problems.append(
                Problem(
                    name,
                    line,
                    "parent",
                    parent,
                    "expected empty (the world), a country code such as ES, or EU",
                )
            )
            continue
        if region in where:
            problems.append(
                Problem(name, line, "region", region, f"duplicate of line {where[region]}")
            )
            continue
        if not row["source"].strip():
            problems.append(
                Problem(name, line, "source", "", "expected where the membership comes from")
            )
            continue
        where[region] = line
        parents[region] = parent
        names[region] = row["name"].strip()
    for region, parent in parents.items():
        if parent and parent not in parents:
            problems.append(
                Problem(
                    name,
                    where[region],
                    "parent",
                    parent,
                    "this parent is not listed as a region of the file",
                )
            )
            continue
        seen, node = [region], parent
        while node:
            if node in seen or len(seen) > MAX_DEPTH:
                problems.append(
                    Problem(
                        name,
                        where[region],
                        "parent",
                        parent,
                        "the chain of parents loops: " + " -> ".join(seen + [node]),
                    )
                )
                break
            seen.append(node)
            node = parents.get(node, "")
    if problems:
        raise InputError(f"{name}: region hierarchy refused", problems)
    return RegionTree(parents, names)


def read_regions(path: Path) -> RegionTree:
    """Read a hierarchy CSV (region, parent, name, source)."""
    from carbon.ingest.csvfile import read_small  # pandas: only when the file is read

    info, frame, lines = read_small(path, COLUMNS, (), path.name)
    return parse_regions(info.name, frame.to_dict("records"), lines)


@lru_cache(maxsize=1)
def load_regions() -> RegionTree:
    """The shipped hierarchy, factors/regions.csv (read once per process)."""
    return read_regions(shipped_dir("factors") / FILE)
