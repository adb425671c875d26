"""Storage: connection pool, named queries and migrations. No Celery here."""

from workers.db.pool import close_pool, connect, get_pool
from workers.db.queries import QUERIES

__all__ = ["QUERIES", "close_pool", "connect", "get_pool"]
