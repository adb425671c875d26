"""Silkwire: Kazakhstan–China news ingestion (feeds → fetch → clean → extract → PostgreSQL)."""

__version__ = "0.1.0"
