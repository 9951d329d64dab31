"""Issue 6's reads, merged into ``Query`` as one mixin: mutual recognition (互认) and statistics."""

from __future__ import annotations

import strawberry

from api.recognition import RecognitionQuery
from api.statistics import StatisticsQuery


@strawberry.type
class DataQuery(RecognitionQuery, StatisticsQuery):
    """Recognition queries (departments only) and statistics (public figures and full figures)."""
