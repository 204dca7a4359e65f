"""The launch executor, once, against an in-memory store: names, identity, policy, grants."""

from __future__ import annotations

from typing import Any

import nbformat
import pytest

from nblaunch.core import (
    META_KEY,
    CopyConflictError,
    candidate_names,
    execute,
    plan_launch,
    sources_hash,
)

from .memstore import MemoryStore


def _template() -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("n = 1", metadata={"tags": ["parameters"]})
    return nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell("print(n)")])


async def _launch(store: MemoryStore, query: str, *, basis: str | None = None) -> Any:
    plan = plan_launch("t.ipynb", _template(), query)
    return plan, await execute(plan, _template(), store, basis=basis, link="L")


async def test_a_first_launch_writes_the_copy_and_its_folder() -> None:
    store = MemoryStore()
    plan, outcome = await _launch(store, "n=5")
    assert (outcome.path, outcome.action, outcome.autorun) == (plan.path, "write", False)
    assert store.files["nblaunch"] == "<folder>"
    written = store.files[plan.path]
    assert written["metadata"][META_KEY]["parameters"] == {"n": 5}
    assert "autorun" not in written["metadata"][META_KEY]  # a file never holds permission
    assert store.grants == []


async def test_an_existing_folder_costs_one_look_up() -> None:
    store = MemoryStore({"nblaunch": "<folder>"})
    plan, _ = await _launch(store, "n=5")
    assert store.calls == [f"get {plan.path}", "exists nblaunch", f"save {plan.path}"]


async def test_reuse_opens_this_links_copy_as_it_is() -> None:
    store = MemoryStore()
    plan, _ = await _launch(store, "n=5")
    store.files[plan.path]["cells"][1]["source"] = "print(n * 2)  # my edit"
    _, again = await _launch(store, "n=5")
    assert (again.path, again.action) == (plan.path, "open")
    assert store.files[plan.path]["cells"][1]["source"] == "print(n * 2)  # my edit"


async def test_a_file_at_the_name_that_is_not_this_links_copy_is_never_opened() -> None:
    # Issue 9, finding 2: a link whose values collide with another's name planted a copy
    # (with its own values) that the genuine link then opened, autorun on.
    plan = plan_launch("t.ipynb", _template(), "n=5")
    planted = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("evil()")])
    planted.metadata[META_KEY] = {"template": "t.ipynb", "parameters": {"n": 666}}
    store = MemoryStore({"nblaunch": "<folder>", plan.path: dict(planted)})
    _, outcome = await _launch(store, "n=5&autorun=1", basis="always")
    second = list(candidate_names(plan.path, 2))[1]
    assert (outcome.path, outcome.action) == (second, "write")
    assert store.files[plan.path]["cells"][0]["source"] == "evil()"  # left as it was
    assert [g[0] for g in store.grants] == [second]
    assert any("not this link's copy" in n for n in outcome.notes)
    # The same genuine link again finds its own copy at the second name.
    _, again = await _launch(store, "n=5")
    assert (again.path, again.action) == (second, "open")


@pytest.mark.parametrize("content", ["<folder>", "plain text"])
async def test_something_that_is_not_a_notebook_is_stepped_over(content: str) -> None:
    plan = plan_launch("t.ipynb", _template(), "n=5")
    store = MemoryStore({"nblaunch": "<folder>", plan.path: content})
    _, outcome = await _launch(store, "n=5")
    assert outcome.path == list(candidate_names(plan.path, 2))[1]
    assert store.files[plan.path] == content


async def test_copy_new_writes_the_next_free_name() -> None:
    store = MemoryStore()
    plan, _ = await _launch(store, "n=5")
    _, outcome = await _launch(store, "n=5&copy=new")
    assert (outcome.path, outcome.action) == (list(candidate_names(plan.path, 2))[1], "write")


async def test_copy_overwrite_replaces_an_unedited_copy_and_refuses_an_edited_one() -> None:
    store = MemoryStore()
    plan, _ = await _launch(store, "n=5")
    _, outcome = await _launch(store, "n=5&copy=overwrite")
    assert (outcome.path, outcome.action) == (plan.path, "write")
    store.files[plan.path]["cells"][1]["source"] = "edited"
    with pytest.raises(CopyConflictError):
        await _launch(store, "n=5&copy=overwrite")
    assert store.files[plan.path]["cells"][1]["source"] == "edited"


@pytest.mark.parametrize("query", ["n=5&autorun=1", "n=5&autorun=1&copy=new"])
async def test_a_launch_that_may_run_grants_exactly_the_sources_it_wrote(query: str) -> None:
    store = MemoryStore()
    _, outcome = await _launch(store, query, basis="trusted")
    assert outcome.autorun is True
    assert store.grants == [(outcome.path, sources_hash(store.files[outcome.path]), "trusted")]


async def test_reuse_grants_the_copy_as_the_user_left_it() -> None:
    store = MemoryStore()
    plan, _ = await _launch(store, "n=5")
    store.files[plan.path]["cells"][1]["source"] = "print('edited')"
    _, outcome = await _launch(store, "n=5&autorun=1", basis="always")
    assert store.grants == [(plan.path, sources_hash(store.files[plan.path]), "always")]
    assert outcome.action == "open"


async def test_a_refused_autorun_grants_nothing_and_says_so() -> None:
    store = MemoryStore()
    _, outcome = await _launch(store, "n=5&autorun=1", basis=None)
    assert store.grants == [] and outcome.autorun is False
    assert any("Autorun was not allowed" in n for n in outcome.notes)


async def test_when_every_name_is_taken_the_launch_says_so() -> None:
    plan = plan_launch("t.ipynb", _template(), "n=5")
    taken = {name: "text" for name in candidate_names(plan.path)}
    store = MemoryStore({"nblaunch": "<folder>", **taken})
    with pytest.raises(CopyConflictError, match="taken"):
        await _launch(store, "n=5")
