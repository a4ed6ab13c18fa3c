"""The hotline's public side and insight (热线公开与分析): masked public Q&A, template answers, knowledge base,
Open311 GeoReport v2 and the hotline dashboard, all built on :mod:`yiwang.hotline`."""
