"""Verify stage: signature, seal, consent clauses on one page (domain.md §3).

Each concern has its own module; this package only gathers their entry points.
"""
