"""Reading and validating input files (pure: no database, no terminal)."""
