"""The Dockerfile, checked as far as this machine can without a Docker engine."""

from __future__ import annotations

import json

from conftest import ROOT


def _instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    rows = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(row.split(None, 1)[0].upper(), row.split(None, 1)[1]) for row in rows]


def test_dockerfile_copies_what_exists_and_its_commands_parse() -> None:
    instructions = _instructions()
    for name, args in instructions:
        if name == "COPY":
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: no such path"
    cmd = json.loads(next(args for name, args in instructions if name == "CMD"))
    assert cmd[:3] == ["python", "-m", "search_app"]
    health = next(args for name, args in instructions if name == "HEALTHCHECK")
    probe = json.loads(health[health.index("CMD") + 3 :])
    assert probe[:2] == ["python", "-c"] and "/healthz" in probe[2]
    compile(probe[2], "<healthcheck>", "exec")
    assert "torch==2.13.0" in next(args for name, args in instructions if name == "RUN")
