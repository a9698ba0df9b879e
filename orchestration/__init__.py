"""TSQ: the Dagster code location and the `tsq` command line."""

import sys


def _import_gx_pyspark_shim_safely() -> None:
    """pyspark's Spark Connect modules take a `__main__` with neither `__spec__` nor
    `__file__` for a doctest run and call sys.exit(0) on import. That is what `__main__`
    looks like in a multiprocessing "spawn" child, which is how Dagster's code server
    starts a served run's worker; GX imports those modules whenever pyspark is installed
    (great_expectations.compatibility.pyspark), so the run worker exited with code 0
    before its first step. pyspark skips the check in an interactive session
    (`sys.ps1`): say so for the length of that one import, then take it back."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None or hasattr(main, "__file__"):
        return
    if hasattr(sys, "ps1"):
        return
    sys.ps1 = ""
    try:
        import great_expectations.compatibility.pyspark  # noqa: F401
    except ImportError:
        pass
    finally:
        del sys.ps1


_import_gx_pyspark_shim_safely()
