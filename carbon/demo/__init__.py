"""The demo organisation: an online education company (data files beside this module).

- `loader.py`: load the demo organisation into a store (the library side of `carbon demo`).
- `generate.py`: regenerate the demo's data files (deterministic; run by hand).
"""
