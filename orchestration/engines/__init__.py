"""Engines other than DuckDB that the dbt project runs on (docs/scale-out.md)."""
