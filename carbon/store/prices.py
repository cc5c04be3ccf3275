"""Tables and queries of carbon prices and donation sign-offs (filled in by the donation feature)."""
