"""Outcome scores across an episode with the MCID drawn, and clinic time-to-MCID curves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.ticker import MaxNLocator

from imsclinic.measures import Measure
from imsclinic.measures.statistics import KMPoint
from imsclinic.plots.render import AFTER, INK, MUTED, strip_xml_header, svg_figure

BAND = "#d1fae5"
THRESHOLD = "#047857"
PALETTE = ("#1d4ed8", "#c2410c", "#047857", "#7c3aed", "#b45309", "#0e7490")


def outcome_course_svg(
    measure: Measure,
    points: Sequence[tuple[str, float]],
    title: str = "",
    first_mcid_index: int | None = None,
) -> str:
    """points: (x label, score), baseline first. The shaded band spans the baseline to the
    MCID: a score inside it has not changed by a clinically important amount; the dashed
    line is the responder threshold."""
    with svg_figure(height=2.6) as (figure, buffer):
        axes = figure.add_subplot()
        positions = list(range(1, len(points) + 1))
        scores = [score for _, score in points]
        if scores:
            baseline = scores[0]
            direction = 1 if measure.higher_is_better else -1
            threshold = baseline + direction * measure.mcid
            low, high = sorted((baseline, threshold))
            axes.axhspan(low, high, color=BAND, zorder=0, label="Within MCID of baseline")
            if measure.score_min <= threshold <= measure.score_max:
                axes.axhline(
                    threshold,
                    color=THRESHOLD,
                    linestyle="--",
                    linewidth=1.2,
                    label=f"MCID ({measure.mcid:g} {measure.unit}) reached",
                )
        axes.plot(positions, scores, marker="o", color=AFTER, linewidth=2, label="Score")
        if first_mcid_index is not None and first_mcid_index < len(points):
            axes.plot(
                [positions[first_mcid_index]],
                [scores[first_mcid_index]],
                marker="*",
                markersize=14,
                color=THRESHOLD,
                linestyle="none",
                label="Responder from here",
            )
        for x, value in zip(positions, scores, strict=True):
            axes.annotate(
                f"{value:g}",
                (x, value),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=8,
                color=INK,
            )
        margin = (measure.score_max - measure.score_min) * 0.05
        axes.set_ylim(measure.score_min - margin, measure.score_max + margin * 2)
        better = "higher is better" if measure.higher_is_better else "lower is better"
        axes.set_ylabel(f"{measure.abbreviation} ({better})", color=INK, fontsize=9)
        axes.set_xticks(positions)
        axes.set_xticklabels([label for label, _ in points], fontsize=8)
        axes.set_xlim(0.5, max(len(points), 1) + 0.5)
        axes.grid(axis="y", color="#e4e7eb", linewidth=0.8)
        for spine in ("top", "right"):
            axes.spines[spine].set_visible(False)
        axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
        if title:
            axes.set_title(title, fontsize=10, color=INK, loc="left")
    return strip_xml_header(buffer.getvalue())


def time_to_mcid_svg(curves: Mapping[str, Sequence[KMPoint]], title: str = "") -> str:
    """Kaplan-Meier curves: share of episodes not yet at the MCID by sessions received."""
    with svg_figure(height=2.6) as (figure, buffer):
        axes = figure.add_subplot()
        for index, (label, points) in enumerate(curves.items()):
            if not points:
                continue
            xs = [0.0]
            ys = [1.0]
            for point in points:
                xs.append(point.time)
                ys.append(point.survival)
            axes.step(
                xs, ys, where="post", color=PALETTE[index % len(PALETTE)], linewidth=2, label=label
            )
        axes.axhline(0.5, color=MUTED, linestyle=":", linewidth=1)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(-0.02, 1.05)
        axes.set_ylabel("Not yet at MCID", color=INK, fontsize=9)
        axes.set_xlabel("Sessions received", color=INK, fontsize=9)
        axes.grid(axis="y", color="#e4e7eb", linewidth=0.8)
        for spine in ("top", "right"):
            axes.spines[spine].set_visible(False)
        axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
        if title:
            axes.set_title(title, fontsize=10, color=INK, loc="left")
    return strip_xml_header(buffer.getvalue())
