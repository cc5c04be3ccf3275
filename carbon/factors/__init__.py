"""Emission factors: the shipped, sourced tables plus the user's own, and the models behind
derived factors.

- `tables.py`: read, validate and merge factor tables; resolve a factor (key, region, year).
- `derived.py`: factors computed by code from published parameters and grid factors.
- `series.py`: factor series whose method changes between vintages.
- `scope3.py`: scope-3 category numbers and the lifecycle split of a factor (pure).
- `regions.py`: the region hierarchy a key falls back through.
- `swd.py`: the Sustainable Web Design model v4, as CO2.js implements it.
- `airports.py`: the airport table (IATA code, place) and city codes.
- `service.py`: the factor table a command uses, kept in the database under the fingerprint of
  what it is built from (shipped files, imported factors, code), rebuilt when that changes.
- `store.py`: the table keeping the built factor table (a cache: never data, never waited for).
- `conversions.py`: pint's answers a what-if needs, kept beside the table so a later run does
  not import pint.
"""
