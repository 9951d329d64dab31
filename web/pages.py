"""Home, search (with suggestions), entity and result pages."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from search.regions import region_path
from web import documents
from web.explain import plain
from web.ids import global_id, local_id
from web.reader import PublicReader, ReadError
from web.site import ELDER_COOKIE, not_found, page, query_url

PAGE_SIZE = 20
ENTITY_TYPES = {
    "ENTERPRISE": "企业",
    "INDIVIDUAL_BUSINESS": "个体工商户",
    "FARMER_COOPERATIVE": "农民专业合作社",
}


def query_int(raw: str | None) -> int | None:
    """A whole number from the query string, or None for anything else."""
    return int(raw) if raw and raw.isdigit() else None


def _node_ids(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each result node with its row number as ``pk`` (for its permanent URL)."""
    rows = []
    for edge in edges:
        node = dict(edge["node"])
        node["pk"] = local_id(node["id"])
        if node.get("task"):
            node["task"] = {**node["task"], "pk": local_id(node["task"]["id"])}
        rows.append({**edge, "node": node})
    return rows


class Pages:
    """The reading pages, each one or two documents on the public schema."""

    def __init__(self, reader: PublicReader) -> None:
        self.reader = reader

    async def home(self, request: Request) -> Response:
        data = await self.reader.query(request, documents.HOME, {})
        return page(
            request,
            "home.html",
            title="双随机、一公开 检查结果公示",
            latest=_node_ids(data["results"]["edges"]),
            total=data["results"]["totalCount"],
            plain=plain,
        )

    def _filters(self, request: Request) -> dict[str, Any]:
        params = request.query_params
        return {
            "q": (params.get("q") or "").strip(),
            "department": params.get("department") or "",
            "year": query_int(params.get("year")),
            "category": params.get("category") or "",
            "region": params.get("region") or "",
            "type": params.get("type") if params.get("type") in ENTITY_TYPES else "",
            "after": params.get("after") or "",
        }

    async def search(self, request: Request) -> Response:
        f = self._filters(request)
        if not f["q"]:
            return page(request, "search.html", title="搜索", f=f, found=None, error=None, types=ENTITY_TYPES)
        variables = {
            "query": f["q"],
            "first": PAGE_SIZE,
            "after": f["after"] or None,
            "departmentId": global_id("Department", f["department"]) if f["department"].isdigit() else None,
            "regionCode": f["region"] or None,
            "year": f["year"],
            "categoryCode": f["category"] or None,
            "entityType": f["type"] or None,
        }
        try:
            data = await self.reader.query(request, documents.SEARCH, variables)
        except ReadError as exc:
            return page(
                request,
                "search.html",
                http_status=400,
                title="搜索",
                f=f,
                found=None,
                error=exc,
                types=ENTITY_TYPES,
            )
        found = data["search"]
        if found["entity"] is not None and not f["after"]:
            # A credit code is an address: go straight to that entity's page.
            return RedirectResponse(f"/entities/{found['entity']['creditCode']}", status_code=303)
        for facet in found["facets"]["departments"]:
            facet["pk"] = local_id(facet["department"]["id"])
        # The chosen region and those above it (names from the division list), each a link up.
        region_trail = [{"code": code, "name": name} for code, name in region_path(f["region"])]
        canonical = query_url(
            "/search",
            q=f["q"],
            department=f["department"],
            year=f["year"],
            category=f["category"],
            region=f["region"],
            type=f["type"],
            after=f["after"],
        )
        return page(
            request,
            "search.html",
            title=f"“{f['q']}”的搜索结果",
            canonical=canonical,
            f=f,
            found=found,
            edges=_node_ids(found["edges"]),
            error=None,
            types=ENTITY_TYPES,
            # 只匹配了…: no result holds every word, so the page names the words it did find.
            matched_terms=None if found["allTermsMatched"] else found["matchedTerms"],
            region_trail=region_trail,
            plain=plain,
        )

    async def suggest(self, request: Request) -> Response:
        """An HTML fragment of up to 8 entities for what is typed so far (htmx swaps it in)."""
        q = (request.query_params.get("q") or "").strip()
        entities: list[dict[str, str]] = []
        if len(q) >= 2:
            try:
                found = (await self.reader.query(request, documents.SUGGEST, {"query": q}))["search"]
            except ReadError:
                found = {"entity": None, "didYouMean": [], "edges": []}
            seen: set[str] = set()
            for entity in [
                found["entity"],
                *found["didYouMean"],
                *(e["node"]["entity"] for e in found["edges"]),
            ]:
                if entity and entity["creditCode"] not in seen and len(entities) < 8:
                    seen.add(entity["creditCode"])
                    entities.append(entity)
        return page(request, "_suggest.html", entities=entities, q=q)

    async def entity(self, request: Request) -> Response:
        code = request.path_params["code"].strip().upper()
        try:
            data = await self.reader.query(request, documents.ENTITY, {"creditCode": code})
        except ReadError as exc:
            return not_found(request, f"“{code}”不是有效的统一社会信用代码：{exc.message}")
        entity = data["entity"]
        if entity is None:
            return not_found(request, f"没有统一社会信用代码为 {code} 的市场主体")
        return page(
            request,
            "entity.html",
            title=entity["name"],
            entity=entity,
            results=[e["node"] for e in _node_ids(entity["results"]["edges"])],
            plain=plain,
        )

    async def result(self, request: Request) -> Response:
        pk = request.path_params["pk"]
        data = await self.reader.query(request, documents.RESULT, {"id": global_id("InspectionResult", pk)})
        result = data["result"]
        if result is None:
            return not_found(request, "这条检查结果不存在或尚未公示")
        result["task"]["pk"] = local_id(result["task"]["id"])
        return page(
            request, "result.html", title=f"{result['entity']['name']} 检查结果", r=result, plain=plain
        )

    async def elder(self, request: Request) -> Response:
        """Switch the 适老化 mode (large type, high contrast) with a link: works without JavaScript."""
        on = request.query_params.get("on") == "1"
        back = request.query_params.get("next") or "/"
        if not back.startswith("/") or back.startswith("//"):
            back = "/"  # only this site's pages: no open redirect
        response = RedirectResponse(back, status_code=303)
        if on:
            response.set_cookie(ELDER_COOKIE, "1", max_age=365 * 86400, samesite="lax", httponly=True)
        else:
            response.delete_cookie(ELDER_COOKIE)
        return response
