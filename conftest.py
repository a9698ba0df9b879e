"""Fixtures shared across test modules that are too costly to build per module."""

pytest_plugins = ["tests.built_warehouse"]
