"""The DuckDB warehouse: build.py writes it from Parquet, queries.py reads it for notebooks."""

from warehouse.queries import Warehouse

__all__ = ["Warehouse"]
