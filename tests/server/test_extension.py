"""The extension itself: discovery, traits, environment defaults, page config and CSP."""

from __future__ import annotations

import json

import pytest
from traitlets.config import Config

from nblaunch.core.config import LaunchConfig
from nblaunch.server import _jupyter_server_extension_points
from nblaunch.server.extension import NBLaunchExtension, frame_ancestors

HOST = "http://127.0.0.1:18090"


def test_extension_point():
    (point,) = _jupyter_server_extension_points()
    assert point == {"module": "nblaunch.server", "app": NBLaunchExtension}


def test_every_trait_has_help():
    for name, trait in NBLaunchExtension.class_own_traits(config=True).items():
        assert trait.help.strip(), name


def test_the_launch_settings_are_the_shared_launch_config():
    # One set of launch traits for both doors (tests/core/test_config.py checks them).
    app = NBLaunchExtension(config=Config({"LaunchConfig": {"autorun": "never"}}))
    assert isinstance(app.launch_config, LaunchConfig)
    assert app.launch_config.autorun == "never"
    assert LaunchConfig in NBLaunchExtension.classes


def test_frame_ancestors_keeps_other_directives():
    existing = "frame-ancestors 'none'; default-src 'self'"
    assert frame_ancestors(existing, [HOST], "/r") == f"frame-ancestors {HOST}; default-src 'self'"


@pytest.mark.parametrize(
    "nblaunch_config", [{"embed_origins": [HOST, "https://app.example.org:443"]}]
)
async def test_embed_origins_set_csp_and_page_config(jp_fetch, jp_serverapp, stats_template):
    response = await jp_fetch("nblaunch", "api", "parameters", "stats.ipynb")
    csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors {HOST} https://app.example.org;" in csp
    assert "'self'" not in csp.split(";")[0]
    page_config = jp_serverapp.web_app.settings["page_config_data"]
    assert json.loads(page_config["nblaunchAllowedOrigins"]) == [HOST, "https://app.example.org"]


async def test_no_embed_origins_leaves_csp_alone(jp_fetch, jp_serverapp, stats_template):
    response = await jp_fetch("nblaunch", "api", "parameters", "stats.ipynb")
    assert response.headers["Content-Security-Policy"].startswith("frame-ancestors 'self'")
    page_config = jp_serverapp.web_app.settings["page_config_data"]
    assert json.loads(page_config["nblaunchAllowedOrigins"]) == []


@pytest.mark.parametrize("other_extensions", [{"jupyterlab": True, "notebook": True}])
@pytest.mark.parametrize("nblaunch_config", [{"embed_origins": [HOST]}])
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
