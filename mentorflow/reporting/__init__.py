"""What HR reads about programs, cohorts and people: roll-ups, the network
pairs build, engagement over time and the directory search. Read from the
store with a few aggregate queries, never one query per pair or cohort."""
