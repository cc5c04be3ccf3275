"""Video streaming: analytics exports turned into streaming activity through a mapping file.

- `mapping.py`: exports -> activity rows through a mapping file (TOML) (pure).
- `service.py`: a video export imported as streaming entries, end to end.
"""
