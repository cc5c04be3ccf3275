"""The command line: thin click commands over the library (see carbon/cli.py)."""
