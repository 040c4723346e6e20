"""The package: the `rightssearch` command, the declared dependencies, and a wheel that installs and runs."""

from __future__ import annotations

import ast
import email.parser
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from conftest import HRDS, ROOT, read_jsonl, write_jsonl
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from corpus import cli as corpus_cli
from rightssearch.cli import SUBCOMMANDS, main

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGES: list[str] = PYPROJECT["tool"]["setuptools"]["packages"]
# Needed though never imported: gunicorn loads its gevent worker class by name.
UNIMPORTED = {"gevent"}


def _lock() -> dict[str, str]:
    """requirements.txt: canonical name -> pinned version."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", "-")):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def _imports(packages: list[str]) -> set[str]:
    """Top-level modules that the packages' code imports."""
    found = set()
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return found


def _third_party_imports() -> set[str]:
    """Top-level modules the packages import that are neither the standard library nor our own."""
    return _imports(PACKAGES) - set(sys.stdlib_module_names) - set(PACKAGES) - {"__future__"}


def test_help_lists_every_subcommand_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    names = ("crawl", "import", "export", "clean", "build", "update", "prepare", "search", "eval", "serve")
    for name in names:
        assert any(line.split()[:1] == [name] and len(line.split()) > 1 for line in out.splitlines()), name
    assert main([]) == 2 and "usage: rightssearch" in capsys.readouterr().err


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_each_subcommand_shows_its_own_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([name, "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: rightssearch {name} ")


def test_an_unknown_subcommand_is_one_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index"]) == 2
    assert "unknown command 'index' (choose from crawl, import" in capsys.readouterr().err


def test_a_subcommand_does_what_the_python_m_form_does(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    source = write_jsonl(tmp_path / "few.jsonl", read_jsonl(HRDS, 3))
    assert main(["import", str(source), "-q", "--data", str(tmp_path / "data")]) == 0
    capsys.readouterr()
    assert main(["export", "--data", str(tmp_path / "data")]) == 0
    ours = capsys.readouterr().out
    assert corpus_cli.main(["export", "--data", str(tmp_path / "data")]) == 0
    assert capsys.readouterr().out == ours and len(ours.splitlines()) == 3


def test_the_packages_below_never_import_the_command() -> None:
    assert "rightssearch" not in _imports(["corpus", "indexer", "search_app"])


def test_dependencies_cover_every_import_and_admit_the_locked_versions() -> None:
    lock = _lock()
    requirements = map(Requirement, PYPROJECT["project"]["dependencies"])
    declared = {canonicalize_name(r.name): r for r in requirements}
    for name, requirement in declared.items():
        assert name in lock, f"{name} is declared but not pinned in requirements.txt"
        assert requirement.specifier.contains(lock[name], prereleases=True), (name, lock[name])
    providers = packages_distributions()
    for module in sorted(_third_party_imports()):
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        assert dists & declared.keys(), f"'import {module}' comes from {dists or 'nowhere'}: undeclared"
    assert UNIMPORTED <= declared.keys()


def test_package_data_globs_take_every_data_file() -> None:
    globs: dict[str, list[str]] = PYPROJECT["tool"]["setuptools"]["package-data"]
    for package in PACKAGES:
        taken = {path for g in globs.get(package, []) for path in (ROOT / package).glob(g)}
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and path.suffix not in (".py", ".pyc"):
                assert path in taken, f"{path.relative_to(ROOT)} is not in the package data"


@pytest.mark.slow
def test_the_wheel_installs_and_its_command_runs_outside_the_source_tree(tmp_path: Path) -> None:
    # Build from a copy, so that setuptools' build/ and egg-info never land in the work tree.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= {"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "HF_HUB_OFFLINE": "1"}
    subprocess.run([sys.executable, "-m", "pip", "-q", "wheel", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(src)], check=True, env=env, cwd=tmp_path, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("rightssearch-*.whl")

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
        metadata = email.parser.Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    shipped = {canonicalize_name(Requirement(r).name) for r in metadata.get_all("Requires-Dist")}
    assert shipped == {canonicalize_name(Requirement(d).name) for d in PYPROJECT["project"]["dependencies"]}
    assert shipped <= _lock().keys()
    assert "rightssearch = rightssearch.cli:main" in entry_points
    for package in PACKAGES:  # every file of the packages, code and data, is in the wheel
        for path in (src / package).rglob("*"):
            assert not path.is_file() or path.relative_to(src).as_posix() in names, path
    assert {"corpus/sources.toml", "search_app/templates/base.html", "search_app/static/style.css"} <= names

    # A fresh venv that borrows the project's installed dependencies (no network), then the wheel.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (site,) = (venv / "lib").glob("python3.*/site-packages")
    (site / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = venv / "bin" / "python"
    # Without --no-deps: pip must find every declared dependency already satisfied.
    subprocess.run([str(python), "-m", "pip", "-q", "install", "--no-index", str(wheel)],
                   check=True, env=env, cwd=tmp_path, timeout=300)

    def run(*args: str) -> str:
        result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "serve" in run(str(venv / "bin" / "rightssearch"), "--help")
    assert run(str(venv / "bin" / "rightssearch"), "build", "--help").startswith("usage: rightssearch build ")
    where = run(str(python), "-c", "import corpus, indexer, search_app, rightssearch as r; "
                "print(*(m.__file__ for m in (corpus, indexer, search_app, r)), sep='\\n')")
    assert all(Path(line).is_relative_to(site) for line in where.splitlines()), where
