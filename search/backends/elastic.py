"""The Elasticsearch backend: pre-segmented fields, a whitespace analyzer, keyword filters.

Documents carry the same tokens as the database index (search/documents.py); the cluster only
splits them at spaces, so both backends match exactly the same documents. Searches go to an
alias; ``gongshi reindex`` builds a new index and moves the alias (search/reindex.py). While the
cluster does not answer, searches go to the database for ``retry_after`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from search import config, regions
from search.backends.base import Facets, Hit, SearchFilters, SearchHits, SearchRequest
from search.documents import Document
from search.ranking import relevance, score

if TYPE_CHECKING:
    import elasticsearch


def unavailable() -> tuple[type[Exception], ...]:
    """What "the cluster did not answer properly" looks like: connection refused or timed out
    (TransportError) or an error answer such as a missing index (ApiError)."""
    # The client library is imported only where a cluster is configured: it costs a process
    # that searches the database alone ~16 MB (bench/rss_bench.py).
    import elastic_transport
    import elasticsearch

    return (elastic_transport.TransportError, elasticsearch.ApiError)


# Buckets of the region aggregation: more than there are county-level codes (about 3,200).
REGION_BUCKETS = 5000
_KEYWORD = {"type": "keyword"}
INDEX_BODY: dict[str, Any] = {
    "settings": {
        "number_of_shards": 1,
        "analysis": {"analyzer": {"tokens": {"type": "custom", "tokenizer": "whitespace"}}},
    },
    "mappings": {
        "dynamic": "strict",
        "properties": {
            # Only whether a document has a token matters (ANDed bigrams, ranking by name
            # coverage): no positions, no frequencies, no norms, as FTS5's detail=column.
            "name": {"type": "text", "analyzer": "tokens", "index_options": "docs", "norms": False},
            "body": {"type": "text", "analyzer": "tokens", "index_options": "docs", "norms": False},
            "name_key": _KEYWORD,
            "result_id": {"type": "long"},
            "version_id": {"type": "long"},
            "entity_id": _KEYWORD,
            "department_id": _KEYWORD,
            "task_id": _KEYWORD,
            "region_code": _KEYWORD,
            "entity_type": _KEYWORD,
            "category_codes": _KEYWORD,
            "year": {"type": "integer"},
            "published_on": {"type": "date"},
        },
    },
}


def source(doc: Document) -> dict[str, Any]:
    """The Elasticsearch document of a result."""
    return {
        "name": doc.name_tokens,
        "body": doc.body_tokens,
        "name_key": doc.name_key,
        "result_id": doc.result_id,
        "version_id": doc.version_id,
        "entity_id": str(doc.entity_id),
        "department_id": str(doc.department_id),
        "task_id": str(doc.task_id),
        "region_code": doc.region_code,
        "entity_type": doc.entity_type,
        "category_codes": list(doc.category_codes),
        "year": doc.year,
        "published_on": doc.published_on.isoformat(),
    }


def bulk_actions(
    index: str, docs: Iterable[Document], deleted: Iterable[int] = ()
) -> Iterator[dict[str, Any]]:
    """Bulk-helper actions: index each document by result id; delete results no longer public."""
    for doc in docs:
        yield {"_op_type": "index", "_index": index, "_id": str(doc.result_id), "_source": source(doc)}
    for result_id in deleted:
        yield {"_op_type": "delete", "_index": index, "_id": str(result_id)}


def filter_clauses(filters: SearchFilters) -> list[dict[str, Any]]:
    """Keyword filters of a search."""
    clauses: list[dict[str, Any]] = []
    for name in ("department_id", "task_id", "entity_id", "entity_type"):
        value = getattr(filters, name)
        if value is not None:
            clauses.append({"term": {name: str(value)}})
    if filters.year is not None:
        clauses.append({"term": {"year": filters.year}})
    if filters.category_code is not None:
        clauses.append({"term": {"category_codes": filters.category_code}})
    if filters.region_prefix:
        clauses.append({"prefix": {"region_code": filters.region_prefix}})
    return clauses


def query_bodies(request: SearchRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two searches of a request: the newest matches (with counts), and exact names."""
    filters = filter_clauses(request.filters)
    query: dict[str, Any] = {"bool": {"filter": filters}}
    if request.lookup:
        # Every token in some field, as the database's ANDed match.
        text = " ".join(request.lookup)
        query["bool"]["must"] = [
            {"combined_fields": {"query": text, "fields": ["name", "body"], "operator": "and"}}
        ]
    ranked: dict[str, Any] = {
        "size": request.rank_limit,
        "_source": ["published_on", "name_key"],
        "query": query,
        "sort": [{"version_id": "desc"}],
        "track_total_hits": request.count_limit if request.count or request.facets else False,
    }
    if request.facets:
        ranked["aggs"] = {
            "categories": {"terms": {"field": "category_codes", "size": 50}},
            "departments": {"terms": {"field": "department_id", "size": 500}},
            "years": {"terms": {"field": "year", "size": 100}},
            # Whole codes (there are about 3,200 counties), summed to the facet's level below:
            # no script and no extra field in the mapping, so existing indexes answer it.
            "regions": {"terms": {"field": "region_code", "size": REGION_BUCKETS}},
        }
    exact = {
        "size": request.rank_limit,
        "_source": ["published_on", "name_key"],
        "query": {"bool": {"filter": [{"term": {"name_key": request.name_key}}, *filters]}},
    }
    return ranked, exact


def _rolled_up(buckets: list[dict[str, Any]], region_prefix: str | None) -> dict[str, int]:
    """Counts by whole region code summed by the facet's level (search/regions.py)."""
    length = regions.facet_length(region_prefix)
    counts: dict[str, int] = {}
    for bucket in buckets:
        key = regions.facet_key(str(bucket["key"]), length)
        counts[key] = counts.get(key, 0) + int(bucket["doc_count"])
    return counts


def parse_answers(request: SearchRequest, ranked: dict[str, Any], exact: dict[str, Any]) -> SearchHits:
    """Hits, total and facets from the two answers of :func:`query_bodies`."""
    hits: dict[int, Hit] = {}
    for item in ranked["hits"]["hits"]:
        found = item["_source"]
        value = score(request.tokens, request.name_key, found["name_key"])
        published = date.fromisoformat(found["published_on"])
        is_exact = found["name_key"] == request.name_key
        hits[int(item["_id"])] = Hit(int(item["_id"]), is_exact, value, published)
    for item in exact["hits"]["hits"]:
        found = item["_source"]
        value = relevance(request.name_key, found["name_key"])
        hits[int(item["_id"])] = Hit(int(item["_id"]), True, value, date.fromisoformat(found["published_on"]))
    answer = SearchHits(hits=list(hits.values()), backend="elasticsearch")
    if request.count or request.facets:
        total = ranked["hits"]["total"]
        answer.total = int(total["value"])
        answer.total_exact = total["relation"] == "eq"
        aggs = ranked.get("aggregations", {})
        answer.facets = Facets(
            categories={b["key"]: b["doc_count"] for b in aggs.get("categories", {}).get("buckets", [])},
            departments={
                int(b["key"]): b["doc_count"] for b in aggs.get("departments", {}).get("buckets", [])
            },
            years={int(b["key"]): b["doc_count"] for b in aggs.get("years", {}).get("buckets", [])},
            regions=_rolled_up(aggs.get("regions", {}).get("buckets", []), request.filters.region_prefix),
        )
    return answer


class ElasticBackend:
    """Searches the alias; remembers a failure so that the next searches skip the cluster."""

    name = "elasticsearch"

    def __init__(self, settings: config.SearchConfig) -> None:
        assert settings.elasticsearch_url is not None
        self.settings = settings
        self.alias = settings.alias
        self.down_until = 0.0
        self.last_error: str | None = None
        self._client: elasticsearch.AsyncElasticsearch | None = None

    @property
    def client(self) -> elasticsearch.AsyncElasticsearch:
        """The process's client (made on first use, inside the running event loop)."""
        if self._client is None:
            import elasticsearch

            self._client = elasticsearch.AsyncElasticsearch(
                self.settings.elasticsearch_url,
                request_timeout=self.settings.timeout,
                max_retries=0,  # the database answers instead; retrying only delays the citizen
                retry_on_timeout=False,
            )
        return self._client

    def is_down(self) -> bool:
        """Whether a recent failure says not to ask the cluster now."""
        return time.monotonic() < self.down_until

    def mark_down(self, exc: BaseException) -> None:
        """Remember a failure for ``retry_after`` seconds."""
        self.down_until = time.monotonic() + self.settings.retry_after
        self.last_error = type(exc).__name__

    def mark_up(self) -> None:
        """Forget a failure: the cluster answered."""
        self.down_until = 0.0
        self.last_error = None

    async def search(self, session: AsyncSession, request: SearchRequest) -> SearchHits:
        """Run the two searches of ``request`` in one round trip."""
        ranked, exact = query_bodies(request)
        answer = await self.client.msearch(
            searches=[{"index": self.alias}, ranked, {"index": self.alias}, exact]
        )
        responses = answer.body["responses"]
        for response in responses:
            if "error" in response:
                import elasticsearch

                raise elasticsearch.ApiError(
                    message=str(response["error"].get("type", "error")), meta=answer.meta, body=response
                )
        return parse_answers(request, responses[0], responses[1])

    async def ping(self) -> bool:
        """Whether the cluster answers now (for /readyz)."""
        try:
            ok = bool(await self.client.ping())
        except unavailable() as exc:
            self.mark_down(exc)
            return False
        if ok:
            self.mark_up()
        else:
            self.down_until = time.monotonic() + self.settings.retry_after
            self.last_error = "ping failed"
        return ok

    async def close(self) -> None:
        """Close the client's connections."""
        if self._client is not None:
            await self._client.close()
            self._client = None


_backend: ElasticBackend | None = None


def backend() -> ElasticBackend | None:
    """The configured Elasticsearch backend, or None when only the database is used."""
    global _backend
    settings = config.current()
    if settings.elasticsearch_url is None:
        return None
    if _backend is None or _backend.settings != settings:
        _backend = ElasticBackend(settings)
    return _backend


def active_backend() -> ElasticBackend | None:
    """The Elasticsearch backend if configured and not known to be down."""
    found = backend()
    return found if found is not None and not found.is_down() else None
