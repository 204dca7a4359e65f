"""``nblaunch`` subcommands, run in-process through ``main`` and once as ``python -m nblaunch``."""

from __future__ import annotations

import argparse
import doctest
import importlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from nblaunch.cli import main
from nblaunch.commands import COMMANDS, MODULES, command
from nblaunch.core import META_KEY, injected_source

Make = Callable[..., nbformat.NotebookNode]
PARAMETERS = 'image_id: int = 2959331  # which image\nmode = "fast"\nthreshold = None\nui = "dark"'


@pytest.fixture
def template(tmp_path: Path, notebook_factory: Make) -> Path:
    path = tmp_path / "image-stats.ipynb"
    nbformat.write(notebook_factory(PARAMETERS, "print(image_id)"), path)
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_table(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["inspect", template], capsys)
    assert code == 0
    assert out.splitlines() == [
        "NAME       TYPE  DEFAULT  HELP",
        "image_id   int   2959331  which image",
        'mode       str   "fast"',
        "threshold  any   None",
        'ui         str   "dark"',
    ]


def test_inspect_json(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["inspect", template, "--json"], capsys)
    body = json.loads(out)
    assert code == 0
    assert body["language"] == "python"
    assert body["parameters"][0] == {
        "name": "image_id",
        "type": "int",
        "default": 2959331,
        "default_source": "2959331",
        "help": "which image",
    }


def test_inspect_r(
    tmp_path: Path, notebook_factory: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.ipynb"
    nbformat.write(notebook_factory("n <- 10L  # rows", language="r"), path)
    assert run(["inspect", path], capsys)[1].splitlines()[1].split() == ["n", "int", "10L", "rows"]


def test_inspect_without_parameters(
    tmp_path: Path, notebook_factory: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plain.ipynb"
    nbformat.write(notebook_factory(None, "print(1)"), path)
    assert "declares no parameters" in run(["inspect", path], capsys)[1]


@pytest.mark.parametrize(
    ("given", "source"),
    [
        (["-p", "image_id", "5"], "image_id = 5\n"),
        (["-p", "ui", "light", "-p", "mode", "1"], 'ui = "light"\nmode = "1"\n'),  # typed: str
        (["--query", "image_id=7&ui=lab&autorun=1"], "image_id = 7\n"),  # ui here is a control
        (["--query", "param_ui=x&threshold=[1,2]"], 'ui = "x"\nthreshold = [1, 2]\n'),
    ],
)
def test_inject(
    template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    given: list[str],
    source: str,
) -> None:
    out_path = tmp_path / "out.ipynb"
    code, out, err = run(["inject", template, *given, "-o", out_path], capsys)
    assert (code, out, err) == (0, "", "")
    result = nbformat.read(out_path, as_version=4)
    nbformat.validate(result)
    assert injected_source(result) == "# Parameters\n" + source
    assert result.metadata[META_KEY]["template"] == str(template)
    assert not list(tmp_path.glob(".*.tmp"))


def test_inject_to_stdout(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["inject", template, "-p", "image_id", "1", "-o", "-"], capsys)
    assert code == 0
    assert injected_source(nbformat.reads(out, as_version=4)) == "# Parameters\nimage_id = 1\n"


def test_inject_notes_dropped_names(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["inject", template, "--query", "image_id=1&fbclid=x", "-o", "-"], capsys)
    assert code == 0
    assert err.startswith("nblaunch: note: Ignored 'fbclid'")


def test_inject_replaces_the_output_file(
    template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["inject", template, "-p", "image_id", "2", "-o", template], capsys)[0] == 0
    assert "image_id = 2" in (injected_source(nbformat.read(template, as_version=4)) or "")


@pytest.mark.parametrize(
    ("link", "given"),
    [
        ("https://hub.example.org/services/nblaunch/open/image-stats.ipynb?image_id=7",
         ["https://hub.example.org", "image-stats.ipynb", "-p", "image_id", "7"]),
        ("http://127.0.0.1:8888/nblaunch/open/t.ipynb?n=1&ui=doc&copy=new&autorun=1",
         ["--target", "server", "http://127.0.0.1:8888", "t.ipynb", "-p", "n", "1", "--ui", "doc",
          "--copy", "new", "--autorun"]),
        ("https://hub.example.org/hub/user-redirect/nblaunch/open/t.ipynb?s=a%20b&server=gpu",
         ["--target", "server", "https://hub.example.org/hub/user-redirect", "t.ipynb",
          "-p", "s", "a b", "--server", "gpu"]),
        ("https://mybinder.org/v2/gh/o/r/HEAD?urlpath=nblaunch/open/t.ipynb%3Fids%3D%255B1%2C2%255D",
         ["--target", "binder", "https://mybinder.org/v2/gh/o/r/HEAD", "t.ipynb",
          "-p", "ids", "1", "-p", "ids", "2"]),
        ("https://h/services/nblaunch/open/t?param_ui=dark&param_code=x",
         ["https://h", "t", "-p", "ui", "dark", "-p", "code", "x"]),
    ],
)  # fmt: skip
def test_link(link: str, given: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["link", *given], capsys) == (0, link + "\n", "")


def test_link_typed_against_a_notebook(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    given = ["link", "https://h", "t", "-p", "mode", "1", "--notebook", template]
    assert run(given, capsys)[1] == "https://h/services/nblaunch/open/t?mode=%221%22\n"
    untyped = run(["link", "https://h", "t", "-p", "mode", "1"], capsys)[1]
    assert untyped == "https://h/services/nblaunch/open/t?mode=1\n"


BAD = [
    (["inspect", "missing.ipynb"], "No such file"),
    (["inspect", "{dir}"], "Is a directory"),
    (["inspect", "{junk}"], "not a Jupyter notebook"),
    (["inject", "{nb}", "-p", "image_id", "x", "-o", "{out}"], "'image_id' must be an integer"),
    (["inject", "{nb}", "-p", "imageid", "1", "-o", "{out}"], "Did you mean 'image_id'?"),
    (["inject", "{nb}", "-p", "a b", "1", "-o", "{out}"], "not a valid parameter name"),
    (["inject", "{nb}", "--query", "image_id=1&param_image_id=2", "-o", "{out}"], "twice"),
    (["inject", "{nb}", "--query", "ui=desktop", "-o", "{out}"], "ui='desktop'"),
    (["inject", "{nb}", "--query", "image_id=1", "-o", "{tmp}/no/such/dir.ipynb"], "No such file"),
    (["inject", "{nb}", "--query", "image_id=1", "-o", "{dir}"], "Is a directory"),
    (["inject", "{r}", "-p", "_x", "1", "-o", "{out}"], "'_x' cannot be a parameter name in r"),
    (["inject", "{ps}", "-p", "x", "1", "-o", "{out}"], "cannot take parameters safely"),
    (["inject", "{nb}", "-p", "image_id", "1"], "required: -o/--output"),
    (["inject", "{nb}", "-q", "a=1", "-p", "a", "1", "-o", "{out}"], "not allowed with"),
    (["inject", "{nb}", "-o", "{out}"], "one of the arguments --query/-q -p/--parameter"),
    (["link", "--target", "colab", "https://h", "t"], "invalid choice: 'colab'"),
    (["link", "https://h", "t", "--ui", "desktop"], "invalid choice: 'desktop'"),
    (["link", "https://h", "t", "--server", "Bad_Name"], "not a valid server name"),
    (["link", "https://h", "t", "-p", "if", "1", "--notebook", "{nb}"], "no parameter 'if'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "required: COMMAND"),
]


@pytest.mark.parametrize(("args", "problem"), BAD)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    args: list[str],
    problem: str,
    template: Path,
    tmp_path: Path,
    notebook_factory: Make,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "junk.ipynb").write_text("not json")
    # An R notebook declaring nothing takes any identifier, so the R name rule is what refuses.
    r_nb, ps_nb = notebook_factory(None, "x <- 1", language="r"), notebook_factory("x = 1")
    ps_nb.metadata.kernelspec.language = "powershell"
    nbformat.write(r_nb, tmp_path / "r.ipynb")
    nbformat.write(ps_nb, tmp_path / "ps.ipynb")
    out = tmp_path / "out.ipynb"
    names = {"nb": template, "out": out, "tmp": tmp_path, "dir": tmp_path}
    names.update({n: tmp_path / f"{n}.ipynb" for n in ("junk", "r", "ps")})
    before = sorted(tmp_path.iterdir())
    code, stdout, stderr = run([a.format(**names) for a in args], capsys)
    assert code == 2
    assert stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("nblaunch")
    assert problem in stderr
    assert "Traceback" not in stderr
    assert sorted(tmp_path.iterdir()) == before  # no output, no temporary file left


def test_a_failed_inject_leaves_an_existing_output_alone(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.ipynb"
    out.write_text("previous")
    assert run(["inject", template, "-p", "image_id", "x", "-o", out], capsys)[0] == 2
    assert out.read_text() == "previous"


def test_a_registered_command_appears(capsys: pytest.CaptureFixture[str]) -> None:
    """The extension point ``nblaunch demo`` will use: register a function, it is a subcommand."""

    def arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000)

    @command("hello", help="Say hello.", arguments=arguments)
    def hello(args: argparse.Namespace) -> int:
        print(f"hello on {args.port}")
        return 0

    try:
        assert run(["hello", "--port", "9"], capsys) == (0, "hello on 9\n", "")
        with pytest.raises(SystemExit):
            main(["--help"])
        assert "Say hello." in capsys.readouterr().out
    finally:
        COMMANDS.pop("hello")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("nblaunch 0.")


def test_python_dash_m(template: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.ipynb"
    command_line = [sys.executable, "-m", "nblaunch", "inject", str(template)]
    done = subprocess.run([*command_line, "-p", "image_id", "3", "-o", str(out)],
                          capture_output=True, text=True)  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert "image_id = 3" in (injected_source(nbformat.read(out, as_version=4)) or "")
    bad = subprocess.run([*command_line, "-p", "image_id", "x", "-o", str(out)],
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


@pytest.mark.parametrize("module", ["nblaunch.cli", "nblaunch.commands", *[
    f"nblaunch.commands.{name}" for name in MODULES]])  # fmt: skip
def test_doctests(module: str) -> None:
    assert doctest.testmod(importlib.import_module(module)).failed == 0


def test_a_closed_stdout_is_not_an_error(template: Path) -> None:
    command_line = [
        sys.executable,
        "-m",
        "nblaunch",
        "inject",
        str(template),
        "-p",
        "image_id",
        "3",
    ]
    reader = subprocess.Popen([*command_line, "-o", "-"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)  # fmt: skip
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # like `| head -0`
    assert reader.wait(timeout=60) in (0, 1)
    assert reader.stderr.read() == b""


def _in_a_fresh_interpreter(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_link_and_help_import_no_notebook_library() -> None:
    """``nblaunch link`` and ``--help`` start in milliseconds: nbformat (a second, for its
    validator), papermill and the demo's HTTP client stay unimported. Structural, not timed."""
    code = """if True:
        import sys
        import nblaunch.cli
        assert nblaunch.cli.main(["link", "https://hub.example.org", "t", "-p", "n", "1"]) == 0
        try:
            nblaunch.cli.main(["--help"])
        except SystemExit:
            pass
        print(sorted({"nbformat", "papermill", "jsonschema", "httpx"} & set(sys.modules)))
    """
    assert _in_a_fresh_interpreter(code).splitlines()[-1] == "[]"


def test_demo_help_still_shows_its_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "--hub-port" in capsys.readouterr().out


def test_inject_defers_the_iri_grammar_and_iri_checks_still_answer(
    template: Path, tmp_path: Path
) -> None:
    """``nblaunch inject`` does not build rfc3987_syntax's grammar (a second at import), and
    jsonschema's ``iri`` format check answers as it would without the deferral."""
    code = f"""if True:
        import sys
        import nblaunch.cli
        out = {str(tmp_path / "out.ipynb")!r}
        argv = ["inject", {str(template)!r}, "-p", "image_id", "3", "-o", out]
        assert nblaunch.cli.main(argv) == 0
        built = "rfc3987_syntax.syntax_helpers" in sys.modules
        import jsonschema
        checker = jsonschema.FormatChecker()
        answers = [checker.conforms(s, "iri") for s in ("http://a.org/é", "http://a.org/a b")]
        print(built, answers, "rfc3987_syntax.syntax_helpers" in sys.modules)
    """
    assert _in_a_fresh_interpreter(code).splitlines()[-1] == "False [True, False] True"
