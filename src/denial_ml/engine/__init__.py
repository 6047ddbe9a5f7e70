"""The distributed engine (issue #20): Dask clusters and the heavy paths run over partitions.

Optional: everything here imports dask lazily, so the single-process default works without the `dask` extra.
"""
