"""The demo organisation: an online education company (data files beside this module)."""
