"""The hub service's JSON API driven by its own OpenAPI document (schemathesis): never a 5xx.

The document is the one the running service serves at ``api/openapi.json``; every operation
gets requests that fit it (positive) and requests that do not (negative), anonymously, as
Alice (her server running) and with the host's token, through the proxy as a client sends them.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import given
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from nblaunch.hub.openapi import openapi_document

from . import raw
from .hostile import fuzz

# The operations, read from the same document (at collection time, when no Hub runs yet).
OPERATIONS = [
    (path, method.upper())
    for path, item in openapi_document("/services/nblaunch/")["paths"].items()
    for method in ("get", "put", "post", "delete")
    if method in item
]


def _headers(hub: Any, alice: str, who: str) -> dict[str, str]:
    if who == "alice":
        return {"Cookie": alice}
    if who == "host":
        return {"Authorization": f"token {hub.helpers.HOST_TOKEN}"}
    return {}


@pytest.fixture(scope="module")
def schema(fuzz_hub: Any) -> Any:
    return schemathesis.openapi.from_url(fuzz_hub.service + "api/openapi.json")


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("who", ["anonymous", "alice", "host"])
def test_operation(fuzz_hub, alice, schema, path, method, mode, who) -> None:
    operation = schema[path][method]
    headers = _headers(fuzz_hub, alice, who)

    @fuzz(weight=0.4)
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Any) -> None:
        raw.SENT["hub (schemathesis)"] += 1
        response = case.call(headers=headers, timeout=60, allow_redirects=False)
        request = f"{case.as_curl_command(headers=headers)}\nhub log: {fuzz_hub.log_path}"
        assert response.status_code < 500, f"{response.status_code} for\n{request}"
        for pattern in raw.LEAKS:
            found = pattern.search(response.content)
            assert not found, f"{found.group(0)!r} in the answer to\n{request}"
        assert fuzz_hub.target.alive(), f"the Hub or its service died after\n{request}"

    try:
        one()
    except Unsatisfiable:
        # A string path parameter and no body: every request fits the schema, none breaks it.
        assert mode is GenerationMode.NEGATIVE
        pytest.skip(f"no request to {method} {path} can break its schema")
