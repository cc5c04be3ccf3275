"""Tables and queries of team budgets (filled in by the budgets feature)."""
