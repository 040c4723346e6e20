"""Index builds: atomic swap, up-to-date skip, refusal of a foreign model, and a killed build."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import HRDS, ROOT, read_jsonl, run_cli, write_jsonl
from corpus.config import load_settings
from indexer.manifest import MANIFEST, IndexLoadError, Manifest
from indexer.search import Searcher


@pytest.mark.slow
def test_build_writes_a_self_describing_index_and_skips_when_up_to_date(small_data: Path, embedder) -> None:
    settings = load_settings(small_data)
    manifest = Manifest.read(settings.index_path)
    assert manifest.model == settings.model and manifest.dimension == 384
    assert manifest.documents == 40 and manifest.passages >= 40
    assert settings.index_path.is_symlink()
    again = run_cli("indexer", "build", "-q", data=small_data)
    assert "up to date" in again.stderr
    assert Manifest.read(settings.index_path) == manifest


@pytest.mark.slow
def test_an_index_from_another_model_is_refused_with_a_clear_message(small_data: Path, copy_data) -> None:
    data = copy_data(small_data)
    path = load_settings(data).index_path / MANIFEST
    raw = json.loads(path.read_text())
    path.unlink()  # the copy shares nothing with the original: write a fresh file
    path.write_text(json.dumps({**raw, "model": "some-other-model"}))
    with pytest.raises(IndexLoadError, match="built with model 'some-other-model'"):
        Searcher(load_settings(data))
    result = run_cli("indexer", "search", "abduction", data=data, check=False)
    assert result.returncode == 1 and "some-other-model" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_query_past_its_time_budget_is_one_clear_line(small_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIGHTSSEARCH_QUERY_BUDGET_SECONDS", "1e-9")  # run_cli passes the environment on
    result = run_cli("indexer", "search", "union leader abducted", data=small_data, check=False)
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert result.returncode == 1 and len(errors) == 1 and "took longer" in errors[0]
    assert "Traceback" not in result.stderr


def test_missing_index_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("indexer", "search", "abduction", data=tmp_path, check=False)
    assert result.returncode == 1
    assert "no index" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_build_killed_midway_leaves_the_old_index_serving(small_data: Path, copy_data, embedder) -> None:
    data = copy_data(small_data)
    settings = load_settings(data)
    old_target = os.readlink(settings.index_path)
    before = Searcher(settings, embedder).rank("union leader abducted", k=3)

    # Grow the corpus so the rebuild has real work to do, then kill it while it embeds.
    run_cli("corpus", "import", str(write_jsonl(data / "more.jsonl", read_jsonl(HRDS, 200))), "-q", data=data)
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "build", "--data", str(data)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 300
    while not list(settings.builds_dir.glob(".tmp-*/passages.sqlite3")):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the build never started writing"
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()

    assert os.readlink(settings.index_path) == old_target
    after = Searcher(settings, embedder).rank("union leader abducted", k=3)
    assert [m.doc_id for m in after] == [m.doc_id for m in before] and before

    # The next build cleans the half-written folder up and succeeds.
    run_cli("indexer", "build", "-q", data=data)
    assert os.readlink(settings.index_path) != old_target
    assert Manifest.read(settings.index_path).documents == 200
    assert not list(settings.builds_dir.glob(".tmp-*"))


@pytest.mark.slow
@pytest.mark.parametrize("command", [("corpus", "export"), ("indexer", "search", "abduction", "--k", "100")])
def test_a_reader_that_stops_early_is_not_an_error(small_data: Path, command: tuple[str, ...]) -> None:
    # `... | head`: the reader closes the pipe before the command has written its (> 8 KiB of) output.
    with subprocess.Popen([sys.executable, "-m", *command, "--data", str(small_data)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        proc.stdout.close()
        stderr = proc.stderr.read()
        code = proc.wait(timeout=300)
    assert code == 0, stderr
    assert "Error" not in stderr and "Exception ignored" not in stderr, stderr
