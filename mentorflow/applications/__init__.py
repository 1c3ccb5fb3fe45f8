"""Applications: their models, how one starts, the CSV import, and held
applications admitted when a cohort opens."""
