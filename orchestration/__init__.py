"""TSQ: the Dagster code location and the `tsq` command line."""
