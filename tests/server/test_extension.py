"""The extension itself: discovery, traits, environment defaults, page config and CSP."""

from __future__ import annotations

import json

import pytest
from traitlets import TraitError

from nblaunch.server import _jupyter_server_extension_points
from nblaunch.server.extension import NBLaunchExtension, frame_ancestors

HOST = "http://127.0.0.1:18090"


def test_extension_point():
    (point,) = _jupyter_server_extension_points()
    assert point == {"module": "nblaunch.server", "app": NBLaunchExtension}


def test_every_trait_has_help():
    for name, trait in NBLaunchExtension.class_own_traits(config=True).items():
        assert trait.help.strip(), name


def test_defaults(monkeypatch):
    for name in ("OUTPUT_DIR", "DEFAULT_UI", "AUTORUN", "ALLOWED_ORIGINS", "TRUSTED_GLOBS"):
        monkeypatch.delenv(f"NBLAUNCH_{name}", raising=False)
    app = NBLaunchExtension()
    assert (app.output_dir, app.default_ui, app.autorun) == ("nblaunch", "lab", "trusted")
    assert app.allowed_origins == [] and app.trusted_globs == []
    assert app.max_value_bytes == 64 * 1024


def test_environment_defaults(monkeypatch):
    monkeypatch.setenv("NBLAUNCH_OUTPUT_DIR", "/runs/")
    monkeypatch.setenv("NBLAUNCH_DEFAULT_UI", "doc")
    monkeypatch.setenv("NBLAUNCH_AUTORUN", "never")
    monkeypatch.setenv("NBLAUNCH_ALLOWED_ORIGINS", f"{HOST}, https://App.Example.org:443/")
    monkeypatch.setenv("NBLAUNCH_TRUSTED_GLOBS", "a/*.ipynb b/*.ipynb")
    monkeypatch.setenv("NBLAUNCH_MAX_VALUE_BYTES", "100")
    app = NBLaunchExtension()
    assert (app.output_dir, app.default_ui, app.autorun) == ("runs", "doc", "never")
    assert app.allowed_origins == [HOST, "https://app.example.org"]
    assert app.trusted_globs == ["a/*.ipynb", "b/*.ipynb"]
    assert app.max_value_bytes == 100


@pytest.mark.parametrize(
    "origin", ["*", "'self'", "null", "http://x.org/path", "ftp://x.org", "x.org", "http://*.x"]
)
def test_allowed_origins_must_be_exact(origin):
    with pytest.raises(TraitError):
        NBLaunchExtension(allowed_origins=[origin])


@pytest.mark.parametrize("value", ["../up", ".hidden"])
def test_output_dir_stays_inside_the_root(value):
    with pytest.raises(TraitError):
        NBLaunchExtension(output_dir=value)


@pytest.mark.parametrize("trait", ["default_ui", "autorun"])
def test_enums_are_checked(trait):
    with pytest.raises(TraitError):
        NBLaunchExtension(**{trait: "sometimes"})


def test_frame_ancestors_keeps_other_directives():
    existing = "frame-ancestors 'none'; default-src 'self'"
    assert frame_ancestors(existing, [HOST], "/r") == f"frame-ancestors {HOST}; default-src 'self'"


@pytest.mark.parametrize(
    "nblaunch_config", [{"allowed_origins": [HOST, "https://app.example.org"]}]
)
async def test_allowed_origins_set_csp_and_page_config(jp_fetch, jp_serverapp, stats_template):
    response = await jp_fetch("nblaunch", "api", "parameters", "stats.ipynb")
    csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors {HOST} https://app.example.org;" in csp
    assert "'self'" not in csp.split(";")[0]
    page_config = jp_serverapp.web_app.settings["page_config_data"]
    assert json.loads(page_config["nblaunchAllowedOrigins"]) == [HOST, "https://app.example.org"]


async def test_no_allowed_origins_leaves_csp_alone(jp_fetch, jp_serverapp, stats_template):
    response = await jp_fetch("nblaunch", "api", "parameters", "stats.ipynb")
    assert response.headers["Content-Security-Policy"].startswith("frame-ancestors 'self'")
    page_config = jp_serverapp.web_app.settings["page_config_data"]
    assert json.loads(page_config["nblaunchAllowedOrigins"]) == []


@pytest.mark.parametrize("other_extensions", [{"jupyterlab": True, "notebook": True}])
@pytest.mark.parametrize("nblaunch_config", [{"allowed_origins": [HOST]}])
@pytest.mark.parametrize("page", ["lab", "doc/tree/stats.ipynb", "notebooks/stats.ipynb", "tree"])
async def test_lab_and_notebook7_pages_carry_the_origins(jp_fetch, stats_template, page):
    response = await jp_fetch(*page.split("/"))
    html = response.body.decode()
    start = html.index('id="jupyter-config-data"')
    config = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert json.loads(config["nblaunchAllowedOrigins"]) == [HOST]
    assert response.headers["Content-Security-Policy"].startswith(f"frame-ancestors {HOST};")


def test_labextension_version_matches_the_package(repo_root):
    from nblaunch import __version__

    package = json.loads((repo_root / "labextension" / "package.json").read_text())
    assert package["name"] == "nblaunch"
    assert package["version"] == __version__
    assert package["jupyterlab"]["outputDir"] == "../nblaunch/labextension"
