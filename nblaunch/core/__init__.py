"""nblaunch's pure core: from a link's query to a safely parameterized notebook.

No web framework is imported here; the server extension, the hub service, the client and the CLI
all call these functions, so the data takes one path: URL → ``LaunchRequest`` → typed values →
injected notebook → redirect.
"""

from __future__ import annotations

from .coerce import DEFAULT_MAX_VALUE_BYTES, coerce, convert_text
from .copies import (
    AUTORUN_POLICIES,
    UI_PATHS,
    autorun_decision,
    copy_action,
    copy_name,
    is_edited,
    new_copy_names,
    notebook_url,
    params_hash,
)
from .errors import (
    ControlValueError,
    CopyConflictError,
    DuplicateParameterError,
    InvalidNameError,
    NBLaunchError,
    NotANotebookError,
    ParameterError,
    ParameterTypeError,
    QueryError,
    ServerStartError,
    TemplateError,
    TemplateNotFoundError,
    TicketError,
    TicketExpiredError,
    TicketReplayError,
    UnknownParameterError,
    UnsafePathError,
    UnsupportedLanguageError,
    ValueTooLargeError,
)
from .inject import META_KEY, inject, injected_source, provenance, sources_hash
from .launch import LaunchPlan, load_notebook, plan_launch, render_copy
from .links import build_link, build_query, encode_name, encode_value
from .parameters import Parameter, kernel_language, notebook_parameters
from .paths import safe_path
from .query import CONTROLS, Controls, LaunchRequest, parse_query
from .tickets import MAX_TTL, Ticket, make_ticket, verify_ticket

__all__ = [
    "AUTORUN_POLICIES",
    "CONTROLS",
    "DEFAULT_MAX_VALUE_BYTES",
    "MAX_TTL",
    "META_KEY",
    "UI_PATHS",
    "ControlValueError",
    "Controls",
    "CopyConflictError",
    "DuplicateParameterError",
    "InvalidNameError",
    "LaunchPlan",
    "LaunchRequest",
    "NBLaunchError",
    "NotANotebookError",
    "Parameter",
    "ParameterError",
    "ParameterTypeError",
    "QueryError",
    "ServerStartError",
    "TemplateError",
    "TemplateNotFoundError",
    "Ticket",
    "TicketError",
    "TicketExpiredError",
    "TicketReplayError",
    "UnknownParameterError",
    "UnsafePathError",
    "UnsupportedLanguageError",
    "ValueTooLargeError",
    "autorun_decision",
    "build_link",
    "build_query",
    "coerce",
    "convert_text",
    "copy_action",
    "copy_name",
    "encode_name",
    "encode_value",
    "inject",
    "injected_source",
    "is_edited",
    "kernel_language",
    "load_notebook",
    "make_ticket",
    "new_copy_names",
    "notebook_parameters",
    "notebook_url",
    "params_hash",
    "parse_query",
    "plan_launch",
    "provenance",
    "render_copy",
    "safe_path",
    "sources_hash",
    "verify_ticket",
]
