"""Signed links at the server door: ``c.LaunchConfig.link_key_file``, 403s that say which,
nothing written on a refusal, ``require_signature``, and no key configured."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

from nblaunch.core import LinkSigner, build_query

SECRET = "s" * 32


@pytest.fixture
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "link-keys"
    path.write_text(f"# test keys\nk1:{SECRET}\n")
    return path


@pytest.fixture
def nblaunch_config(key_file: Path) -> dict[str, str]:
    return {"link_key_file": str(key_file)}


@pytest.fixture
def required_template(write_template, notebook_factory):
    nb = notebook_factory("image_id: int = 1", "image_id")
    nb.metadata["nblaunch"] = {"require_signature": True}
    return write_template("only-signed.ipynb", nb)


def signed(values: dict, template: str = "stats.ipynb", ttl: int | None = 600, **kw) -> str:
    signer = LinkSigner("k1", SECRET.encode(), ttl)
    return signer.sign(build_query(values, **kw), template, door="server")


def _copy(response, base_url: str, root: Path) -> nbformat.NotebookNode:
    assert response.code == 302, response.body
    path = unquote(response.headers["Location"][len(base_url + "lab/tree/") :])
    return nbformat.read(str(root / path), as_version=4)


def _written(root: Path) -> list[Path]:
    return sorted((root / "nblaunch").glob("*")) if (root / "nblaunch").exists() else []


async def test_a_signed_link_opens_and_the_copy_records_the_key(
    launch, stats_template, jp_root_dir, jp_base_url
):
    response = await launch("stats.ipynb", signed({"image_id": 7}, autorun=True))
    meta = _copy(response, jp_base_url, jp_root_dir).metadata["nblaunch"]
    assert meta["signed_by"] == "k1"
    assert meta["parameters"] == {"image_id": 7}  # sig and exp are no parameters


@pytest.mark.parametrize(
    "old, new, code, said",
    [
        ("image_id=7", "image_id=8", "bad-signature", "'image_id' was changed"),
        ("image_id=7", "image_id=7&label=x", "bad-signature", "'label' was added"),
        ("&autorun=1", "", "bad-signature", "'autorun' was removed"),
        ("sig=k1.", "sig=k0.", "unknown-key", "key 'k0'"),
    ],
)
async def test_a_changed_link_is_refused_with_403_saying_which_and_nothing_is_written(
    launch, stats_template, jp_root_dir, old, new, code, said
):
    query = signed({"image_id": 7}, autorun=True).replace(old, new)
    response = await launch("stats.ipynb", query)
    body = json.loads(response.body)
    assert (response.code, body["code"]) == (403, code)
    assert said in body["message"]
    assert _written(jp_root_dir) == []


async def test_the_refusal_page_says_which(launch, stats_template, jp_root_dir):
    query = signed({"image_id": 7}).replace("image_id=7", "image_id=9")
    response = await launch("stats.ipynb", query, html=True)
    assert response.code == 403
    assert "text/html" in response.headers["Content-Type"]
    assert "was changed after it was signed" in response.body.decode()
    assert "image_id" in response.body.decode()
    assert _written(jp_root_dir) == []


async def test_an_expired_link_is_refused(launch, stats_template, jp_root_dir):
    signer = LinkSigner("k1", SECRET.encode(), ttl=10)
    query = signer.sign("image_id=7", "stats.ipynb", door="server", now=time.time() - 3600)
    response = await launch("stats.ipynb", query)
    assert response.code == 403
    assert json.loads(response.body)["code"] == "signature-expired"
    assert _written(jp_root_dir) == []


async def test_a_link_signed_for_another_template_is_refused(launch, stats_template, jp_root_dir):
    response = await launch("stats.ipynb", signed({"image_id": 7}, template="other.ipynb"))
    assert response.code == 403
    assert "the template was changed" in json.loads(response.body)["message"]


async def test_a_template_that_requires_a_signature(
    launch, required_template, jp_root_dir, jp_base_url
):
    unsigned = await launch("only-signed.ipynb", "image_id=7")
    assert unsigned.code == 403
    assert json.loads(unsigned.body)["code"] == "signature-required"
    assert _written(jp_root_dir) == []
    response = await launch("only-signed.ipynb", signed({"image_id": 7}, "only-signed.ipynb"))
    assert _copy(response, jp_base_url, jp_root_dir).metadata["nblaunch"]["signed_by"] == "k1"


async def test_an_unsigned_link_to_an_ordinary_template_still_opens(
    launch, stats_template, jp_root_dir, jp_base_url
):
    meta = _copy(await launch("stats.ipynb", "image_id=7"), jp_base_url, jp_root_dir).metadata
    assert "signed_by" not in meta["nblaunch"]


async def test_keys_rotate_without_a_restart(launch, stats_template, key_file, jp_root_dir):
    key_file.write_text(f"k2:{'t' * 32}\n")
    response = await launch("stats.ipynb", signed({"image_id": 7}))
    assert response.code == 403
    assert json.loads(response.body)["code"] == "unknown-key"


async def test_a_broken_key_file_refuses_every_launch(launch, stats_template, key_file):
    key_file.write_text("not a key\n")
    response = await launch("stats.ipynb", "image_id=7")
    body = json.loads(response.body)
    assert (response.code, body["code"]) == (500, "bad-key-file")
    assert "operator must fix c.LaunchConfig.link_key_file" in body["message"]
    assert str(key_file) not in body["message"]  # the details are in the server's log


@pytest.mark.parametrize("nblaunch_config", [{}])
async def test_without_a_key_a_signed_link_is_an_ordinary_link(
    launch, stats_template, required_template, jp_root_dir, jp_base_url
):
    tampered = signed({"image_id": 7}).replace("image_id=7", "image_id=8")
    meta = _copy(await launch("stats.ipynb", tampered), jp_base_url, jp_root_dir).metadata
    assert meta["nblaunch"]["parameters"] == {"image_id": 8}
    assert "signed_by" not in meta["nblaunch"]
    # ...but a template that requires a signature is refused: nothing here can check one.
    response = await launch("only-signed.ipynb", signed({"image_id": 7}, "only-signed.ipynb"))
    assert response.code == 403
    assert "holds no link key" in json.loads(response.body)["message"]
