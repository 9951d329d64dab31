"""Downloads, the API page (SDL, limits, examples), the packaged GraphiQL, how to object."""

from __future__ import annotations

from typing import Protocol

from graphql import build_client_schema, get_introspection_query, print_schema
from starlette.requests import Request
from starlette.responses import Response

from inspections.spreadsheets.licence import data_licence
from inspections.spreadsheets.snapshot import FIELDS
from web.reader import PublicReader
from web.site import not_found, page


class SiteSettings(Protocol):
    """What the pages tell citizens about the service (the API's Settings has all of it)."""

    # Read-only: the API's Settings is a frozen dataclass.
    @property
    def anonymous_rate_limit(self) -> str: ...
    @property
    def token_rate_limit(self) -> str: ...
    @property
    def graphiql(self) -> bool: ...
    @property
    def evidence_max_bytes(self) -> int: ...
    @property
    def evidence_max_files(self) -> int: ...
    @property
    def data_licence(self) -> str: ...
    @property
    def data_publisher(self) -> str: ...


EXAMPLES = (
    (
        "按名称搜索，带命中片段和分面",
        '{\n  search(query: "鑫达", first: 5) {\n    totalCount\n'
        "    edges { node { entity { name creditCode } categories { label } publishedOn }\n"
        "            highlights { field marked } }\n"
        "    facets { departments { department { name } count } }\n  }\n}",
    ),
    (
        "一个市场主体的全部已公示结果及更正记录",
        '{\n  entity(creditCode: "91530000MA6K0L2X5T") {\n    name\n    results(first: 20) {\n'
        "      edges { node { publishedOn version department { name } item { name }\n"
        "        categories { label } history { version publishedOn changeReason } } }\n    }\n  }\n}",
    ),
    (
        "某年度的统计和公示及时性",
        "{\n  statistics(year: 2021) {\n    total { results problemRatePercent published publishedLate }\n"
        "    timeliness { departmentName onTime late }\n  }\n}",
    ),
)


class InfoPages:
    """Pages whose text is mostly fixed: they read the schema's own SDL and the settings."""

    def __init__(self, reader: PublicReader, settings: SiteSettings) -> None:
        self.reader = reader
        self.settings = settings
        self._sdl: str | None = None

    async def downloads(self, request: Request) -> Response:
        return page(
            request,
            "downloads.html",
            title="批量下载",
            fields=FIELDS,
            licence=data_licence(self.settings.data_licence),
            publisher=self.settings.data_publisher,
        )

    async def api(self, request: Request) -> Response:
        if self._sdl is None:
            # The SDL the schema itself reports (introspection as the public): the one contract.
            data = await self.reader.query(request, get_introspection_query(descriptions=True), {})
            self._sdl = print_schema(build_client_schema(data))  # type: ignore[arg-type]
        return page(
            request,
            "api.html",
            title="开放接口",
            sdl=self._sdl,
            examples=EXAMPLES,
            settings=self.settings,
        )

    async def graphiql(self, request: Request) -> Response:
        if not self.settings.graphiql:
            return not_found(request, "本服务未开放在线调试页面（GraphiQL）")
        return page(request, "graphiql.html", title="GraphiQL 在线调试")

    async def how_to_object(self, request: Request) -> Response:
        return page(request, "object.html", title="如何对检查结果提出异议", settings=self.settings)
