"""The OpenAPI 3.1 description of the service's JSON API, served at ``{prefix}api/openapi.json``."""

from __future__ import annotations

from typing import Any

_ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
}
_NOTEBOOK = {"type": "object", "description": "nbformat 4 notebook JSON"}
_SAVED: dict[str, Any] = {
    "type": "object",
    "properties": {
        "path": {"type": "string"},
        "last_modified": {"type": "string", "format": "date-time"},
        "hash": {"type": "string", "description": "sha256 of the notebook, trusted flags removed"},
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _json(_ERROR, "{code, message}") for code in codes}


def _contents_paths() -> dict[str, Any]:
    params = [
        {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "path", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "server", "in": "query", "required": False, "schema": {"type": "string"}},
    ]
    put_body = {
        "type": "object",
        "required": ["content"],
        "properties": {
            "content": _NOTEBOOK,
            "expect_hash": {
                "type": ["string", "null"],
                "description": "refuse with 409 hash-mismatch unless the file's hash is this "
                "('' = absent); 409 notebook-busy while another save of it is in progress",
            },
        },
    }
    fetched = {**_SAVED, "properties": {**_SAVED["properties"], "content": _NOTEBOOK}}
    security = [{"hubToken": ["custom:nblaunch:contents"]}]
    return {
        "parameters": params,
        "get": {
            "summary": "Fetch a notebook from the user's running server",
            "security": security,
            "responses": {"200": _json(fetched, "the notebook"), **_errors(400, 403, 404, 409)},
        },
        "put": {
            "summary": "Write a notebook into the user's running server",
            "security": security,
            "requestBody": {"content": {"application/json": {"schema": put_body}}},
            "responses": {
                "200": _json(fetched, "what was stored, read back, with its hash"),
                **_errors(400, 403, 404, 409),
            },
        },
    }


def _prestart_path() -> dict[str, Any]:
    status = {"type": "object", "properties": {"status": {"enum": ["ready", "starting"]}}}
    return {
        "parameters": [
            {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "server", "in": "query", "required": False, "schema": {"type": "string"}},
        ],
        "post": {
            "summary": "Start the user's server now, before a launch (zero-wait); writes nothing",
            "security": [{"hubToken": ["custom:nblaunch:contents"]}],
            "responses": {
                "200": _json(status, "already running"),
                "202": _json(status, "starting"),
                **_errors(400, 403, 404, 503),
            },
        },
    }


def openapi_document(prefix: str) -> dict[str, Any]:
    """The OpenAPI document, with server URL ``prefix``.

    >>> openapi_document("/services/nblaunch/")["servers"][0]["url"]
    '/services/nblaunch/'
    """
    templates = {
        "type": "object",
        "properties": {"templates": {"type": "array", "items": {"type": "object"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "nblaunch hub service", "version": "1"},
        "servers": [{"url": prefix}],
        "components": {
            "securitySchemes": {
                "hubToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "'token <JupyterHub API token>'",
                }
            }
        },
        "paths": {
            "/api/templates": {
                "get": {
                    "summary": "The template catalog with parameter schemas",
                    "security": [{"hubToken": []}],
                    "responses": {"200": _json(templates, "catalog"), **_errors(403)},
                }
            },
            "/api/users/{username}/contents/{path}": _contents_paths(),
            "/api/users/{username}/prestart": _prestart_path(),
            "/open/{template}": {
                "get": {
                    "summary": "Launch: 302 to the notebook, 200 progress page, 202 JSON while "
                    "starting (API clients), 400 invalid parameters, 404 unknown template",
                    "responses": {"302": {"description": "to the notebook"}, **_errors(400, 404)},
                }
            },
        },
    }
