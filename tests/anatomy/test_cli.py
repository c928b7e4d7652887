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
    status, out, _ = run(capsys, "deltoid", "biceps:tender", "--json")
    assert status == 0
    rows = json.loads(out)
    assert rows[0]["level"] == "C5"
    assert rows[0]["side"] == "right"  # the documented default side
    assert rows[0]["score"] == 4.0  # 2 muscles x predominant weight 2, each muscle once
    assert "Taut band in Deltoid (right): C5 predominant root (+2.0)" in rows[0]["supporting"]
    assert (
        "Tender motor point in Biceps brachii (right): C5 predominant root (+2.0)"
        in (rows[0]["supporting"])
    )
    # the ranking reasons come first in the same list: the JSON keeps its shape
    assert rows[0]["supporting"][0].startswith("Explains 2 of 2 abnormal findings on the right")
    assert rows[0]["against"] == []
    assert [row["score"] for row in rows] == sorted((row["score"] for row in rows), reverse=True)
    assert set(rows[0]) == {"level", "side", "score", "supporting", "against"}


def test_findings_per_muscle_and_one_muscle_counts_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Before issue 10 every muscle was both a taut band and a tender motor point, so one
    # muscle (2 x 2 = 4) outweighed a paraspinal sign (1.5) by accident.
    status, out, _ = run(capsys, "deltoid:taut,tender,short", "--paraspinal", "C6", "--json")
    assert status == 0
    rows = {row["level"]: row for row in json.loads(out)}
    assert rows["C5"]["score"] == 2.0
    assert rows["C6"]["score"] == 3.0  # deltoid C6 contributing 1 + paraspinal sign 2
    assert json.loads(out)[0]["level"] == "C6"
    assert (
        "Taut band, tender motor point, shortened muscle in Deltoid (right): C5 predominant "
        "root (+2.0)" in rows["C5"]["supporting"]
    )


def test_coverage_and_ties_are_in_the_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "RF", "VL", "adductor longus", "TA", "--paraspinal", "L4", "--json"
    )
    assert status == 0
    rows = json.loads(out)
    assert rows[0]["level"] == "L4"
    assert rows[0]["supporting"][0].startswith("Explains 5 of 5 abnormal findings on the right")
    status, out, _ = run(capsys, "ADM", "--json")
    rows = json.loads(out)
    assert rows[0]["level"] == "T1"
    assert any("ISNCSCI key muscle for T1" in line for line in rows[0]["supporting"])


def test_unknown_finding_word_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "deltoid:sore")
    assert status == 2 and out == ""
    assert "unknown finding 'sore'" in err and "taut, tender, short, twitch" in err


def test_paraspinal_name_asks_for_the_paraspinal_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run(capsys, "multifidus")
    assert status == 2
    assert "--paraspinal LEVEL" in err


def test_ambiguous_abbreviation_exits_2_with_both_muscles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run(capsys, "PL", "--json")
    assert status == 2
    assert "Peroneus (fibularis) longus" in err and "Palmaris longus" in err


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
    assert "Paraspinal tenderness at L5 (left) (+2.0)" in top["supporting"]
    assert top["against"] == [
        "Normal Biceps femoris, short head (left): L5 contributing root (-0.75)"
    ]


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "segments", "soleus", "gastroc")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["side", "level", "score", "evidence"]
    assert lines[1].split()[:3] == ["right", "S1", "4"]
    assert lines[-1] == (
        "Findings on the right point to S1 (explains 2 of 2, score 4; next S2 explains 2, score 2)."
    )


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
    assert "MUSCLE:FINDINGS" in out and "default: taut band only" in out


def test_no_arguments_prints_no_findings(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys)
    assert status == 0
    assert out.strip() == "No findings"
