"""Pairs as HR watches them: the list of a cohort's pairs, one pair's
timeline, the at-risk flags and their follow-ups (read from the store)."""
