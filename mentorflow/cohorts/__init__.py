"""Cohorts: their lifecycle states, launch, matching, plan and HR's review."""
