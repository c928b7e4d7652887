"""The `imsclinic` console script."""

from __future__ import annotations

import json
import subprocess
import sys


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imsclinic.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_admin_commands():
    result = _run("--help")
    assert result.returncode == 0
    for command in ("create_clinic", "create_user", "demo", "segments"):
        assert command in result.stdout


def test_segments_json_ranks_c5_for_the_c5_pattern():
    result = _run(
        "segments",
        "supraspinatus",
        "infraspinatus",
        "deltoid",
        "biceps brachii",
        "--side",
        "left",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    ranked = json.loads(result.stdout)
    assert ranked[0]["level"] == "C5"


def test_segments_unknown_muscle_exits_2_with_suggestion():
    result = _run("segments", "deltiod")
    assert result.returncode == 2
    assert "Deltoid" in result.stderr
