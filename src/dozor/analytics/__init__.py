"""Statistics behind the dashboard and bulletins, on a columnar copy of the seizures (DuckDB).

``engine.StatsEngine`` keeps the copy fresh from the change feed; ``stats`` and ``anomalies``
compute each statistic under the viewer's access policy; ``changes`` reads the feed.
"""
