"""Statistics: seed 003's tables and publication timeliness, with server-drawn SVG bar charts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from web import documents
from web.ids import global_id, local_id
from web.pages import query_int
from web.reader import PublicReader
from web.site import page, query_url


@dataclass
class Bar:
    """One bar of a chart: its label, value and geometry in the SVG's own units."""

    label: str
    value: float
    y: int
    width: float


def bars(rows: list[tuple[str, float]], *, scale_to: float = 300.0) -> list[Bar]:
    """Horizontal bars scaled so the largest value is ``scale_to`` wide (22 units per bar)."""
    top = max((value for _, value in rows), default=0) or 1
    return [Bar(label, value, 22 * n, value / top * scale_to) for n, (label, value) in enumerate(rows)]


class StatisticsPage:
    """/statistics: filters in the query string, each table with its chart and its download."""

    def __init__(self, reader: PublicReader) -> None:
        self.reader = reader

    async def statistics(self, request: Request) -> Response:
        params = request.query_params
        year = query_int(params.get("year"))
        department = params.get("department") or ""
        region = params.get("region") or ""
        variables: dict[str, Any] = {
            "year": year,
            "departmentId": global_id("Department", department) if department.isdigit() else None,
            "regionCode": region or None,
        }
        data = await self.reader.query(request, documents.STATISTICS, variables)
        stats = data["statistics"]
        departments = [
            {"pk": local_id(edge["node"]["id"]), "name": edge["node"]["name"]}
            for edge in data["departments"]["edges"]
        ]
        scope = {
            "year": year,
            "departmentId": department if department.isdigit() else None,
            "regionCode": region,
        }
        return page(
            request,
            "statistics.html",
            title="统计",
            canonical=query_url("/statistics", year=year, department=department, region=region),
            stats=stats,
            departments=departments,
            year=year,
            department=department,
            region=region,
            download=lambda table, fmt: query_url(f"/statistics/{table}.{fmt}", **scope),
            rate_bars=bars(
                [(r["departmentName"], r["problemRatePercent"]) for r in stats["summary"]], scale_to=300
            ),
            result_bars=bars([(r["departmentName"], r["results"]) for r in stats["summary"]]),
            late_bars=bars([(t["departmentName"], t["late"]) for t in stats["timeliness"]]),
            ontime_bars=bars([(t["departmentName"], t["onTime"]) for t in stats["timeliness"]]),
        )
