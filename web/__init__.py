"""The citizen website (公示网站): server-rendered pages over the public GraphQL schema.

``routes(reader=..., settings=..., limit=...)`` gives the Starlette routes; the application mounts
them after its own. Pages read only through a :class:`PublicReader` (in-process GraphQL as the
public), so the website shows exactly what the API shows. No script or font is fetched from any
host but this one: htmx, GraphiQL and React are vendored under ``static/vendor`` with their licences.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from inspections.principals import PrincipalKind
from web.errors import Endpoint, limited_page
from web.pages import Pages
from web.pages_account import AccountPages
from web.pages_dept import DepartmentPages
from web.pages_dept_files import FilePages
from web.pages_dept_objections import ObjectionPages
from web.pages_dept_recognition import RecognitionPage
from web.pages_dept_tasks import DepartmentTaskPages
from web.pages_info import InfoPages, SiteSettings
from web.pages_my import MyPages
from web.pages_stats import StatisticsPage
from web.pages_tasks import TaskPages
from web.reader import PublicReader, ReadError
from web.site import not_found, static_file
from web.workspace import Workspace, WorkspaceSettings

__all__ = [
    "PublicReader",
    "ReadError",
    "SiteSettings",
    "Workspace",
    "WorkspaceSettings",
    "routes",
    "workspace_routes",
]


def routes(
    *, reader: PublicReader, settings: SiteSettings, limit: Callable[[Endpoint], Endpoint] | None = None
) -> list[BaseRoute]:
    """The website's routes; put them after the API's (the last one answers every unknown GET)."""
    pages, tasks, stats, info = (
        Pages(reader),
        TaskPages(reader),
        StatisticsPage(reader),
        InfoPages(reader, settings),
    )

    def get(path: str, endpoint: Endpoint) -> Route:
        return Route(path, limited_page(endpoint, limit), methods=["GET", "HEAD"])

    async def missing(request: Request) -> Response:
        return not_found(request)

    return [
        get("/", pages.home),
        get("/search", pages.search),
        get("/search/suggest", pages.suggest),
        get("/entities/{code}", pages.entity),
        get("/results/{pk:int}", pages.result),
        get("/plans", tasks.plans),
        get("/tasks", tasks.tasks),
        get("/tasks/{pk:int}", tasks.task),
        get("/statistics", stats.statistics),
        get("/downloads", info.downloads),
        get("/api", info.api),
        get("/api/graphiql", info.graphiql),
        get("/how-to-object", info.how_to_object),
        Route("/settings/elder", pages.elder, methods=["GET"]),
        Route("/static/{digest}/{name:path}", static_file, methods=["GET", "HEAD"]),
        Route("/{path:path}", missing, methods=["GET", "HEAD"]),
    ]


def workspace_routes(workspace: Workspace, reader: PublicReader) -> list[BaseRoute]:
    """The workspaces (issue 16): sign-in, the entity's /my pages, the department's /dept pages.

    Mount them before :func:`routes` (whose last route answers every unknown GET).
    """
    ws, account, my = workspace, AccountPages(workspace), MyPages(workspace, reader)
    dept, objections = DepartmentPages(workspace, reader), ObjectionPages(workspace, reader)
    tasks, files = DepartmentTaskPages(workspace, reader), FilePages(workspace)
    recognition = RecognitionPage(workspace)
    entity, department = PrincipalKind.ENTITY, PrincipalKind.DEPARTMENT
    dept_sign_in = "/dept/sign-in"

    def both(path: str, endpoint: Endpoint) -> Route:
        return Route(path, endpoint, methods=["GET", "HEAD", "POST"])

    def get(path: str, endpoint: Endpoint) -> Route:
        return Route(path, endpoint, methods=["GET", "HEAD"])

    def post(path: str, endpoint: Endpoint) -> Route:
        return Route(path, endpoint, methods=["POST"])

    return [
        both("/my/sign-in", ws.route(account.entity_sign_in)),
        both("/dept/sign-in", ws.route(account.department_sign_in)),
        post("/sign-out", ws.route(account.sign_out)),
        get("/account/sessions", ws.route(account.sessions, signed_in=True)),
        post("/account/sessions/{pk:int}/revoke", ws.route(account.revoke, signed_in=True)),
        get("/my", ws.route(my.home, kind=entity)),
        get("/my/results/{pk:int}", ws.route(my.result, kind=entity)),
        both("/my/results/{pk:int}/objection", ws.route(my.objection_form, kind=entity)),
        get("/my/objections", ws.route(my.objections, kind=entity)),
        get("/my/objections/{pk:int}", ws.route(my.objection, kind=entity)),
        get("/my/objections/{pk:int}/evidence/{file:int}", ws.route(my.evidence, kind=entity)),
        get("/dept", ws.route(dept.dashboard, kind=department, sign_in=dept_sign_in)),
        get("/dept/results/{pk:int}", ws.route(dept.result, kind=department, sign_in=dept_sign_in)),
        post("/dept/results/{pk:int}/submit", ws.route(dept.submit, kind=department)),
        post("/dept/results/{pk:int}/approve", ws.route(dept.approve, kind=department)),
        post("/dept/results/{pk:int}/return", ws.route(dept.return_, kind=department)),
        post("/dept/results/{pk:int}/revise", ws.route(dept.revise, kind=department)),
        post("/dept/results/{pk:int}/transfer", ws.route(dept.transfer, kind=department)),
        post("/dept/results/{pk:int}/outcome", ws.route(dept.outcome, kind=department)),
        get(
            "/dept/objections/{pk:int}", ws.route(objections.objection, kind=department, sign_in=dept_sign_in)
        ),
        get(
            "/dept/objections/{pk:int}/evidence/{file:int}",
            ws.route(objections.evidence_file, kind=department, sign_in=dept_sign_in),
        ),
        post("/dept/objections/{pk:int}/receive", ws.route(objections.receive, kind=department)),
        post("/dept/objections/{pk:int}/review", ws.route(objections.review, kind=department)),
        post("/dept/objections/{pk:int}/decide", ws.route(objections.decide, kind=department)),
        post("/dept/objections/{pk:int}/correct", ws.route(objections.correct, kind=department)),
        post("/dept/objections/{pk:int}/answer", ws.route(objections.answer, kind=department)),
        get("/dept/tasks", ws.route(tasks.tasks, kind=department, sign_in=dept_sign_in)),
        get("/dept/tasks/{pk:int}", ws.route(tasks.task, kind=department, sign_in=dept_sign_in)),
        post("/dept/tasks/{pk:int}/commit", ws.route(tasks.commit, kind=department)),
        post("/dept/tasks/{pk:int}/reveal", ws.route(tasks.reveal, kind=department)),
        post("/dept/tasks/{pk:int}/inspectors", ws.route(tasks.draw_inspectors, kind=department)),
        post("/dept/tasks/{pk:int}/replace", ws.route(tasks.replace, kind=department)),
        get(
            "/dept/tasks/{pk:int}/results.{fmt}",
            ws.route(files.task_results, kind=department, sign_in=dept_sign_in),
        ),
        both("/dept/import", ws.route(files.upload_or_page, kind=department, sign_in=dept_sign_in)),
        get("/dept/export/entities.{fmt}", ws.route(files.entities, kind=department, sign_in=dept_sign_in)),
        get(
            "/dept/export/inspectors.{fmt}", ws.route(files.inspectors, kind=department, sign_in=dept_sign_in)
        ),
        both("/dept/recognition", ws.route(recognition.lookup, kind=department, sign_in=dept_sign_in)),
    ]
