"""nblaunch's pure core: from a link's query to a safely parameterized notebook.

No web framework is imported here; the server extension, the hub service, the client and the CLI
all call these functions, so the data takes one path: URL → ``LaunchRequest`` → typed values →
injected notebook → redirect.
"""

from __future__ import annotations

from .coerce import DEFAULT_MAX_VALUE_BYTES, coerce, convert_text
from .copies import (
    UI_PATHS,
    candidate_names,
    copy_action,
    copy_name,
    is_copy_of,
    is_edited,
    notebook_url,
    params_hash,
)
from .errors import (
    ControlValueError,
    CopyConflictError,
    DuplicateParameterError,
    InvalidNameError,
    KeyFileError,
    NBLaunchError,
    NotANotebookError,
    OriginError,
    ParameterError,
    ParameterTypeError,
    QueryError,
    ReservedNameError,
    ServerStartError,
    SignatureError,
    SignatureExpiredError,
    SignatureRequiredError,
    TemplateError,
    TemplateMetadataError,
    TemplateNotFoundError,
    TicketError,
    TicketExpiredError,
    TicketReplayError,
    UnknownKeyError,
    UnknownParameterError,
    UnsafePathError,
    UnsupportedLanguageError,
    UserNameError,
    ValueTooLargeError,
)
from .executor import Outcome, Store, execute
from .grants import AUTORUN_POLICIES, GrantBook, autorun_basis, is_launch_copy, template_trusted
from .inject import META_KEY, inject, injected_source, provenance, sources_hash
from .launch import LaunchPlan, load_notebook, plan_launch, render_copy
from .linkkeys import load_link_keys
from .links import build_link, build_query, encode_name, encode_value
from .origins import exact_origins, origin_of
from .parameters import Parameter, kernel_language, notebook_parameters
from .paths import safe_path
from .query import CONTROLS, Controls, LaunchRequest, parse_query
from .signing import LinkSigner, Signed, canonical, sign_query
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
    "GrantBook",
    "InvalidNameError",
    "KeyFileError",
    "LaunchPlan",
    "LaunchRequest",
    "LinkSigner",
    "NBLaunchError",
    "NotANotebookError",
    "OriginError",
    "Outcome",
    "Parameter",
    "ParameterError",
    "ParameterTypeError",
    "QueryError",
    "ReservedNameError",
    "ServerStartError",
    "SignatureError",
    "SignatureExpiredError",
    "SignatureRequiredError",
    "Signed",
    "Store",
    "TemplateError",
    "TemplateMetadataError",
    "TemplateNotFoundError",
    "Ticket",
    "TicketError",
    "TicketExpiredError",
    "TicketReplayError",
    "UnknownKeyError",
    "UnknownParameterError",
    "UnsafePathError",
    "UnsupportedLanguageError",
    "UserNameError",
    "ValueTooLargeError",
    "autorun_basis",
    "build_link",
    "build_query",
    "candidate_names",
    "canonical",
    "coerce",
    "convert_text",
    "copy_action",
    "copy_name",
    "encode_name",
    "encode_value",
    "exact_origins",
    "execute",
    "inject",
    "injected_source",
    "is_copy_of",
    "is_edited",
    "is_launch_copy",
    "kernel_language",
    "load_link_keys",
    "load_notebook",
    "make_ticket",
    "notebook_parameters",
    "notebook_url",
    "origin_of",
    "params_hash",
    "parse_query",
    "plan_launch",
    "provenance",
    "render_copy",
    "safe_path",
    "sign_query",
    "sources_hash",
    "template_trusted",
    "verify_ticket",
]
