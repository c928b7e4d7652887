"""The `segments` command line."""

from __future__ import annotations

import json

import pytest

from imsclinic.anatomy.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_json_output_ranks_best_first(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "deltoid", "biceps", "--json")
    assert status == 0
    rows = json.loads(out)
    assert rows[0]["level"] == "C5"
    assert rows[0]["side"] == "right"  # the documented default side
    assert rows[0]["score"] == 8.0  # 2 muscles x 2 findings x predominant weight 2
    assert "Taut band in Deltoid (right): C5 predominant root (+2.0)" in rows[0]["supporting"]
    assert (
        "Tender motor point in Biceps brachii (right): C5 predominant root (+2.0)"
        in (rows[0]["supporting"])
    )
    assert rows[0]["against"] == []
    assert [row["score"] for row in rows] == sorted((row["score"] for row in rows), reverse=True)
    assert set(rows[0]) == {"level", "side", "score", "supporting", "against"}


def test_side_paraspinal_and_normal_options(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "Peroneus-Longus",
        "tensor fasciae latae",
        "--side",
        "left",
        "--paraspinal",
        "l5",
        "--normal",
        "biceps femoris short",
        "--json",
    )
    assert status == 0
    top = json.loads(out)[0]
    assert (top["level"], top["side"]) == ("L5", "left")
    assert "Paraspinal tenderness at L5 (left) (+1.5)" in top["supporting"]
    assert top["against"] == [
        "Normal Biceps femoris, short head (left): L5 contributing root (-0.75)"
    ]


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "segments", "soleus", "gastroc")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["side", "level", "score", "evidence"]
    assert lines[1].split()[:3] == ["right", "S1", "8"]
    assert lines[-1] == "Findings on the right point to S1 (score 8; next S2 4)."


def test_unknown_muscle_exits_2_with_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "deltiod", "--json")
    assert status == 2
    assert out == ""
    assert "Unknown muscle 'deltiod'. Did you mean: Deltoid?" in err


def test_unknown_normal_muscle_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "deltoid", "--normal", "bicep")
    assert status == 2
    assert "Biceps brachii" in err


def test_bad_paraspinal_level_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "deltoid", "--paraspinal", "C1")
    assert status == 2
    assert "not a paraspinal level: C1" in err


def test_help_documents_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0
    assert "default: right" in out
    assert "taut band and a tender motor point" in out


def test_no_arguments_prints_no_findings(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys)
    assert status == 0
    assert out.strip() == "No findings"
