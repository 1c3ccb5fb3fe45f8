"""The relational store: schema, engine, migrations and queries."""
