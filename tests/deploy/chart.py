"""The Zero to JupyterHub chart as tests/deploy uses it: its files, Helm's merge, the hub pod.

``values()`` is what Helm hands the templates (the chart's defaults with ``deploy/z2jh/values.yaml``
merged on top); ``load_hub(overrides)`` lays out the hub pod's files in a temporary folder (the
chart's ``jupyterhub_config.py`` and ``z2jh.py`` with their ``/usr/local/etc/jupyterhub`` pointed
there, the ConfigMap's resource names, the Secret's generated values), runs ``load_hub.py`` in a
subprocess with the environment Kubernetes gives the pod, and returns what it reported.
A subprocess, because the chart's config switches Tornado to its curl client for the whole
process and z2jh.py caches what it read.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VALUES = DEPLOY / "z2jh" / "values.yaml"
CHART = DEPLOY / "z2jh" / "chart"
MOUNT = "/usr/local/etc/jupyterhub"
RELEASE = {"Name": "nblaunch", "Namespace": "nblaunch", "Service": "Helm"}
#: What the chart's Secret holds besides values.yaml (it generates these on install).
SECRETS = {
    "hub.config.JupyterHub.cookie_secret": "ab" * 32,
    "hub.config.CryptKeeper.keys": "cd" * 32,
    "hub.services.nblaunch.apiToken": "chart-generated-service-token",
}
#: The resources the hub's ConfigMap names (fullnameOverride "": each is its short name).
NAMES = (
    "hub",
    "hub-serviceaccount",
    "hub-existing-secret",
    "hub-existing-secret-or-default",
    "hub-pvc",
    "proxy",
    "proxy-api",
    "proxy-http",
    "proxy-public",
    "proxy-public-tls",
    "proxy-public-manual-tls",
    "autohttps",
    "user-scheduler",
    "user-scheduler-deploy",
    "user-placeholder",
    "image-puller-priority",
    "continuous-image-puller",
    "singleuser",
    "image-pull-secret",
    "ingress",
    "priority",
    "user-placeholder-priority",
)
#: The Services of the release, as Kubernetes announces them to every pod it starts afterwards.
SERVICES = {"hub": "8081", "proxy-api": "8001", "proxy-public": "80"}


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def helm_merge(base: Any, top: Any) -> Any:
    """Helm's coalescing of values: maps merge key by key, anything else replaces, null deletes."""
    if not (isinstance(base, dict) and isinstance(top, dict)):
        return copy.deepcopy(top)
    merged = copy.deepcopy(base)
    for key, value in top.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = helm_merge(merged.get(key), value)
    return merged


def values(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The chart's defaults, then deploy/z2jh/values.yaml, then ``overrides``."""
    merged = helm_merge(read_yaml(CHART / "values.yaml"), read_yaml(VALUES))
    return helm_merge(merged, overrides or {})


def chart_pins() -> dict[str, str]:
    """``{package: version}`` of the chart's hub image (hub-image-requirements.txt)."""
    text = (CHART / "hub-image-requirements.txt").read_text(encoding="utf-8")
    return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, flags=re.MULTILINE))


def _patched(source: Path, root: Path) -> str:
    text = source.read_text(encoding="utf-8")
    # Fail loudly if a newer chart moves its mount point: the test would read nothing.
    assert MOUNT in text, f"{source.name} no longer reads {MOUNT}"
    return text.replace(MOUNT, str(root))


def _secret_env(merged: dict[str, Any]) -> dict[str, str]:
    # hub.extraEnv entries that Kubernetes fills from a Secret: a stand-in value for each.
    env = {}
    for name, spec in (merged["hub"].get("extraEnv") or {}).items():
        ref = (spec.get("valueFrom") or {}).get("secretKeyRef") if isinstance(spec, dict) else None
        env[name] = f"from-secret-{ref['name']}-{ref['key']}" if ref else str(spec)
    return env


def _lay_out(root: Path, merged: dict[str, Any]) -> dict[str, str]:
    for name in ("jupyterhub_config.py", "z2jh.py"):
        (root / name).write_text(_patched(CHART / "files" / "hub" / name, root), encoding="utf-8")
    (root / "config").mkdir()
    for name in NAMES:  # the ConfigMap maps each short name to the resource's full name
        (root / "config" / name).write_text(name, encoding="utf-8")
    (root / "secret").mkdir()
    chart = read_yaml(CHART / "Chart.yaml")
    rendered = {**merged, "Chart": {"Name": chart["name"], "Version": chart["version"]}}
    rendered["Release"] = RELEASE
    (root / "secret" / "values.yaml").write_text(yaml.safe_dump(rendered), encoding="utf-8")
    for key, value in SECRETS.items():
        (root / "secret" / key).write_text(value, encoding="utf-8")
    # KubeSpawner loads a client configuration when it is created; it never connects here.
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "k", "cluster": {"server": "https://127.0.0.1:6443"}}],
        "users": [{"name": "u", "user": {"token": "unused"}}],
        "contexts": [{"name": "k", "context": {"cluster": "k", "user": "u"}}],
        "current-context": "k",
    }
    (root / "kubeconfig").write_text(yaml.safe_dump(kubeconfig), encoding="utf-8")
    env = {"POD_NAMESPACE": RELEASE["Namespace"], "KUBECONFIG": str(root / "kubeconfig")}
    for index, (service, port) in enumerate(SERVICES.items()):
        prefix = service.upper().replace("-", "_")
        env[f"{prefix}_SERVICE_HOST"] = f"10.96.0.{10 + index}"
        env[f"{prefix}_SERVICE_PORT"] = port
    return {**env, **_secret_env(merged)}


def load_hub(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Load the chart's jupyterhub_config.py on these values; what ``load_hub.py`` reports."""
    merged = values(overrides)
    with tempfile.TemporaryDirectory(prefix="z2jh-hub-") as tmp:
        root = Path(tmp)
        env = {**os.environ, **_lay_out(root, merged), "PYTHONPATH": str(ROOT)}
        out = root / "report.json"
        script = Path(__file__).with_name("load_hub.py")
        done = subprocess.run(
            [sys.executable, str(script), str(root), str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise AssertionError(f"the chart's config failed:\n{done.stdout}\n{done.stderr}")
        report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        report["log"] = done.stdout
        return report
