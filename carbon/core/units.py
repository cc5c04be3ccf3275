"""The program's one unit registry, and vectorised conversion factors.

pint's defaults define `bit = []`, which makes GB and TB dimensionless: a
per-GB factor would then silently accept a bare count. This registry loads
pint's definitions with `bit = [information]`, then carbon's own units
(`units.txt`: CO2e masses, passenger-km, vCPU, currencies).

Conversion is computed once per distinct (unit, unit) pair, never per row.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pint

from carbon.core import limits
from carbon.errors import UnitError

_PINT_DIR = Path(pint.__file__).parent
_OWN_DEFINITIONS = Path(__file__).with_name("units.txt")

CO2E_MASSES = ("mg", "g", "kg", "t", "kt", "Mt", "lb", "tonne")
# "kg CO2e" (or "kgCO2e", "kg CO2-e") -> "kg_CO2e": one unit, not kg * CO2e.
_CO2E_RE = re.compile(r"(?<![\w.])(" + "|".join(CO2E_MASSES) + r")\s*CO2-?e\b", re.IGNORECASE)
_BARE_CO2E_RE = re.compile(r"(?<![\w_])CO2-?e\b", re.IGNORECASE)
_CASE = {m.lower(): m for m in CO2E_MASSES}


def _build_registry() -> pint.UnitRegistry:
    text = (_PINT_DIR / "default_en.txt").read_text(encoding="utf-8")
    constants = (_PINT_DIR / "constants_en.txt").read_text(encoding="utf-8")
    if "\nbit = []" not in text or "@import constants_en.txt" not in text:
        raise RuntimeError("pint's default definitions changed: review carbon/core/units.py")
    text = text.replace("\nbit = []", "\nbit = [information]")
    text = text.replace("@import constants_en.txt", constants)
    reg = pint.UnitRegistry(None, autoconvert_offset_to_baseunit=False)
    reg.load_definitions(text.splitlines())
    reg.load_definitions(str(_OWN_DEFINITIONS))
    return reg


ureg = _build_registry()
Q_ = ureg.Quantity


def normalise(unit: str) -> str:
    """Rewrite a unit string for the registry: "kg CO2e / km" -> "kg_CO2e / km".

    A bare "CO2e" not preceded by a mass is an error: its meaning is ambiguous.
    """
    text = unit.strip()

    def repl(m: re.Match[str]) -> str:
        mass = _CASE[m.group(1).lower()]
        return ("t" if mass == "tonne" else mass) + "_CO2e"

    out = _CO2E_RE.sub(repl, text)
    if _BARE_CO2E_RE.search(out):
        raise UnitError(f"unit {unit!r}: 'CO2e' must follow a mass unit, e.g. 'kg CO2e'")
    return out


MAX_UNIT_CHARS = limits.UNIT  # pint's string preprocessing is slow on huge input: refuse it first


@lru_cache(maxsize=4096)
def parse(unit: str) -> pint.Unit:
    """Parse a unit string ("" means a bare number) into a registry unit."""
    if len(unit) > MAX_UNIT_CHARS:
        raise UnitError(
            f"unit of {len(unit):,} characters: expected a unit such as 'kWh' or 'kg CO2e / km'"
        )
    text = normalise(unit)
    if text == "":
        return ureg.dimensionless
    try:
        parsed = ureg.parse_units(text)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError) as exc:
        close = same_letters(unit)
        hint = (
            f" (did you mean {' or '.join(repr(c) for c in close)}? unit names are case-sensitive)"
            if close
            else ""
        )
        raise UnitError(f"unknown unit {unit!r}{hint}") from exc
    except Exception as exc:  # pint's parser raises assorted errors on garbage
        raise UnitError(f"cannot read unit {unit!r}") from exc
    return parsed


# Prefixed spellings are not in the registry's tables (pint builds them on demand): the usual
# ones are listed so that "mwh" or "KWH" can be matched to "MWh" / "kWh".
_PREFIXES = ("k", "M", "G", "T", "m", "Ki", "Mi", "Gi", "Ti")
_PREFIXED = ("Wh", "W", "B", "b", "g", "m", "J", "L", "t")
_WORD_RE = re.compile(r"[A-Za-zµ_][\w]*")


@lru_cache(maxsize=1)
def _spellings() -> dict[str, tuple[str, ...]]:
    """Every spelling the registry knows (names, symbols, aliases, usual prefixed symbols),
    keyed by its lower case."""
    words: set[str] = set()
    for name, definition in ureg._units.items():  # pint keeps no public list of spellings
        words.add(name)
        if getattr(definition, "symbol", None):
            words.add(definition.symbol)
        words.update(a for a in getattr(definition, "aliases", ()) or () if a)
    words.update(p + s for p in _PREFIXES for s in _PREFIXED)
    by_lower: dict[str, set[str]] = {}
    for w in words:
        if w and _WORD_RE.fullmatch(w):
            by_lower.setdefault(w.lower(), set()).add(w)
    return {k: tuple(sorted(v)) for k, v in by_lower.items()}


def same_letters(unit: str) -> list[str]:
    """Spellings of `unit` in another case that the registry knows: "MI" -> ["mi"]; "KWH" ->
    ["kWh"]; [] when there is none. Each word of a compound unit is fixed on its own
    ("MI / H" -> ["mi / h"]); an ambiguous word gives each reading (at most 4)."""
    if len(unit) > MAX_UNIT_CHARS:
        return []
    options, pos, changed = [""], 0, False
    for m in _WORD_RE.finditer(unit):
        w = m.group(0)
        alts: tuple[str, ...] = (w,)
        if w.lower() != "co2e" and not _known(w):  # "CO2e" only means something after a mass
            alts = tuple(a for a in _spellings().get(w.lower(), ()) if a != w and _known(a))
            if not alts:
                return []
            changed = True
        options = [o + unit[pos : m.start()] + a for o in options for a in alts][:4]
        pos = m.end()
    return [o + unit[pos:] for o in options] if changed else []


@lru_cache(maxsize=4096)
def _known(word: str) -> bool:
    try:
        ureg.parse_units(normalise(word))
    except Exception:  # noqa: BLE001 - any refusal means "not a unit"
        return False
    return True


def describe(unit: pint.Unit) -> str:
    """A short human spelling of a unit ("kg CO2e / km")."""
    text = f"{unit:~P}" if unit != ureg.dimensionless else "(no unit)"
    return text.replace("_CO2e", " CO2e")


# Units whose common name is the US one in pint (and in carbon), where a UK or metric reader
# may mean another: said in a warning, never guessed.
_US_NAMES = {
    "gallon": "the US gallon (3.785 litres); the UK (imperial) gallon, 4.546 litres, is 'UK_gallon'",
    "ton": "the US short ton (907.2 kg); a metric tonne is 't' or 'tonne', a UK long ton 'long_ton'",
}


def us_meaning(unit: str) -> str | None:
    """How `unit` is read when it names a unit whose US and UK or metric meanings differ
    ("gallon": the US gallon), else None. Raises UnitError for an unknown unit, as parse."""
    words = set(re.findall(r"[A-Za-z_]+", str(parse(unit))))
    found = [text for name, text in _US_NAMES.items() if name in words]
    return "; ".join(found) or None


@lru_cache(maxsize=4096)
def multiplier(from_unit: str, to_unit: str) -> float:
    """The number that converts a magnitude in `from_unit` into `to_unit`.

    Raises UnitError when the dimensions differ.
    """
    src, dst = parse(from_unit), parse(to_unit)
    try:
        return float(Q_(1.0, src).to(dst).magnitude)
    except pint.errors.DimensionalityError as exc:
        raise UnitError(f"cannot convert {describe(src)} to {describe(dst)}") from exc


@lru_cache(maxsize=4096)
def converted(value: float, from_unit: str, to_unit: str) -> float:
    """`value` in `from_unit`, as a magnitude in `to_unit`: pint's own answer, asked once per
    (value, units) (a coefficient converted for each of hundreds of derived factors).

    Raises pint's DimensionalityError when the dimensions differ.
    """
    return float(Q_(value, parse(from_unit)).to(to_unit).magnitude)


def is_co2e_mass(unit: str) -> bool:
    """True when `unit` is a CO2e mass (t CO2e, kg CO2e, ...)."""
    try:
        return parse(unit).dimensionality == ureg.kg_CO2e.dimensionality
    except UnitError:
        return False


def activity_unit(factor_unit: str) -> pint.Unit:
    """The activity unit a factor applies to: "kg CO2e / km" -> km.

    The factor must be a CO2e mass per something; raises UnitError otherwise.
    """
    parsed = parse(factor_unit)
    dims = parsed.dimensionality
    if dims.get("[co2e]", 0) != 1:
        raise UnitError(f"factor unit {factor_unit!r} is not a CO2e mass per activity unit")
    # Divide out the CO2e mass: what remains (inverted) is the activity unit.
    rest = (Q_(1.0, parsed) / Q_(1.0, ureg.kg_CO2e)).to_reduced_units()
    return (1 / rest).units


def co2e_kg_per(activity_unit_str: str, factor_unit: str) -> float:
    """kg CO2e for 1 activity unit × a factor of value 1 in `factor_unit`.

    Emissions in kg = quantity × factor value × this number. Raises UnitError
    (naming the unit the factor expects) when the activity unit does not fit.
    """
    return _co2e_kg_per(activity_unit_str, factor_unit)


@lru_cache(maxsize=4096)
def _co2e_kg_per(activity_unit_str: str, factor_unit: str) -> float:
    src = parse(activity_unit_str)
    fac = parse(factor_unit)
    try:
        return float((Q_(1.0, src) * Q_(1.0, fac)).to(ureg.kg_CO2e).magnitude)
    except pint.errors.DimensionalityError as exc:
        expected = describe(activity_unit(factor_unit))
        # The cell as written: pint's short form could be another word ("furlongs" -> "fur").
        got = activity_unit_str.strip() or "a bare number (no unit)"
        hint = ""
        if src.dimensionality == ureg.km.dimensionality and "[passenger]" in dict(
            activity_unit(factor_unit).dimensionality
        ):
            hint = "; public transport factors are per passenger-km: write the unit as passenger_km"
        raise UnitError(
            f"{got} cannot be converted to {expected} (the factor is {factor_unit}){hint}"
        ) from exc
