"""``/docs``: the REST API's reference, rendered by the app from its own OpenAPI document (no CDN)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .state import html_page

router = APIRouter(include_in_schema=False)


def operations(openapi: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per operation: method, path, summary, parameters (name, where, required, type) and responses."""
    rows = []
    for path, item in sorted(openapi.get("paths", {}).items()):
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "type": p.get("schema", {}).get("type") or _any_of(p.get("schema", {})),
                       "description": p.get("description", "")} for p in op.get("parameters", [])]
            rows.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                         "description": op.get("description", ""), "parameters": params,
                         "responses": sorted(op.get("responses", {}))})
    return rows


def _any_of(schema: dict[str, Any]) -> str:
    return " | ".join(s.get("type", "") for s in schema.get("anyOf", []) if s.get("type") != "null")


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return html_page(request, "docs.html", operations=operations(request.app.openapi()))
