"""The package as a whole: the pinned public API, a framework-free core, one version, doctests."""

from __future__ import annotations

import doctest
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import nblaunch
import nblaunch.core

PUBLIC = [
    "AUTORUN_POLICIES", "CONTROLS", "DEFAULT_MAX_VALUE_BYTES", "MAX_TTL", "META_KEY", "UI_PATHS",
    "ControlValueError", "Controls", "CopyConflictError", "DuplicateParameterError",
    "InvalidNameError", "LaunchPlan", "LaunchRequest", "NBLaunchError", "NotANotebookError",
    "Parameter", "ParameterError", "ParameterTypeError", "QueryError", "ServerStartError",
    "TemplateError", "TemplateNotFoundError", "Ticket", "TicketError", "TicketExpiredError",
    "TicketReplayError", "UnknownParameterError", "UnsafePathError", "UnsupportedLanguageError",
    "ValueTooLargeError", "__version__", "autorun_basis", "build_link", "build_query", "coerce",
    "convert_text", "candidate_names", "copy_action", "copy_name", "encode_name", "encode_value",
    "inject", "injected_source",
    "is_edited", "kernel_language", "load_notebook", "make_ticket",
    "GrantBook", "OriginError", "Outcome", "Store", "exact_origins", "execute", "is_copy_of",
    "is_launch_copy", "origin_of", "template_trusted", "ReservedNameError",
    "TemplateMetadataError", "UserNameError",
    "notebook_parameters", "notebook_url", "params_hash", "parse_query", "plan_launch",
    "provenance", "render_copy", "safe_path", "sources_hash", "verify_ticket",
    "KeyFileError", "LinkSigner", "Signed", "SignatureError", "SignatureExpiredError",
    "SignatureRequiredError", "UnknownKeyError", "canonical", "load_link_keys", "sign_query",
]  # fmt: skip
CORE_MODULES = sorted(
    f"nblaunch.core.{m.name}" for m in pkgutil.iter_modules(nblaunch.core.__path__)
)
FRAMEWORKS = ("tornado", "jupyter_server", "jupyterhub", "httpx", "fastapi")


def test_all_is_pinned() -> None:
    assert sorted(nblaunch.__all__) == sorted(PUBLIC)
    assert all(hasattr(nblaunch, name) for name in nblaunch.__all__)


def test_core_all_is_the_package_all_without_the_version() -> None:
    assert sorted(nblaunch.core.__all__) == sorted(set(PUBLIC) - {"__version__"})


def test_core_imports_no_web_framework() -> None:
    code = (
        "import sys, json\n"
        f"for name in {CORE_MODULES!r}: __import__(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_version_agrees_with_the_labextension(repo_root: Path) -> None:
    package = json.loads((repo_root / "labextension" / "package.json").read_text())
    assert package["version"] == nblaunch.__version__


@pytest.mark.parametrize("name", CORE_MODULES)
def test_core_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_every_public_function_has_a_docstring_with_an_example() -> None:
    missing = [
        name
        for name in nblaunch.core.__all__
        if callable(obj := getattr(nblaunch.core, name))
        and not isinstance(obj, type)
        and ">>>" not in (obj.__doc__ or "")
    ]
    assert missing == []


def test_the_base_install_is_what_a_host_application_needs(repo_root: Path) -> None:
    # A host application (Django, Flask, FastAPI) that only needs the client gets no Jupyter
    # server stack: pip install nblaunch is httpx and nblaunch itself.
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    assert [d.split(">")[0] for d in project["dependencies"]] == ["httpx"]
    extras = project["optional-dependencies"]
    assert {"notebook", "server", "hub", "lab", "webapp", "demo", "all"} <= set(extras)
    heavy = ("nbformat", "papermill", "jupyter_server", "tornado", "jupyterhub", "traitlets")
    code = (
        "import sys, nblaunch.client, nblaunch.core.links, nblaunch.core.tickets;"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
