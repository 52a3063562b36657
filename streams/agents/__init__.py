"""Faust agents: thin loops that take records, call the core and hand the results to delivery."""
