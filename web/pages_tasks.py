"""Plans, tasks and a task's draw record with its in-browser verification."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from web import documents
from web.ids import global_id, local_id
from web.pages import query_int
from web.reader import PublicReader
from web.site import not_found, page, query_url

STATUS = {"DRAFT": "未抽取", "DRAWN": "已抽取", "IN_PROGRESS": "检查中", "COMPLETED": "已完成"}
METHOD = {
    "ON_SITE": "实地检查",
    "WRITTEN": "书面检查",
    "ONLINE_MONITORING": "网络监测",
    "THIRD_PARTY": "委托第三方",
}
LEVEL = {"PROVINCE": "省级", "CITY": "市级", "COUNTY": "县级"}


class TaskPages:
    """Annual plans, the task list and one task."""

    def __init__(self, reader: PublicReader) -> None:
        self.reader = reader

    async def plans(self, request: Request) -> Response:
        year = query_int(request.query_params.get("year"))
        data = await self.reader.query(request, documents.PLANS, {"year": year})
        plans = [edge["node"] for edge in data["plans"]["edges"]]
        for plan in plans:
            for task in plan["tasks"]:
                task["pk"] = local_id(task["id"])
        return page(
            request,
            "plans.html",
            title="年度抽查计划",
            canonical=query_url("/plans", year=year),
            plans=plans,
            year=year,
            status=STATUS,
        )

    async def tasks(self, request: Request) -> Response:
        year = query_int(request.query_params.get("year"))
        status = request.query_params.get("status")
        status = status if status in STATUS else None
        after = request.query_params.get("after") or None
        data = await self.reader.query(
            request, documents.TASKS, {"year": year, "status": status, "after": after}
        )
        tasks = [edge["node"] for edge in data["tasks"]["edges"]]
        for task in tasks:
            task["pk"] = local_id(task["id"])
        return page(
            request,
            "tasks.html",
            title="抽查任务",
            canonical=query_url("/tasks", year=year, status=status, after=after),
            tasks=tasks,
            total=data["tasks"]["totalCount"],
            page_info=data["tasks"]["pageInfo"],
            year=year,
            status=status,
            labels=STATUS,
        )

    async def task(self, request: Request) -> Response:
        pk = request.path_params["pk"]
        data = await self.reader.query(request, documents.TASK, {"id": global_id("Task", pk)})
        task = data["node"]
        if not task:
            return not_found(request, "这个抽查任务不存在或尚未公开")
        return page(
            request,
            "task.html",
            title=task["name"],
            task=task,
            pk=pk,
            status=STATUS,
            method=METHOD,
            level=LEVEL,
            ratios=[round(s["ratioPercent"] * 100) for s in task["strata"]],
        )
