"""What the charting pages share: muscle display names and the body chart's drawing context."""

from __future__ import annotations

from typing import Any

from imsclinic.anatomy import CHART_REGIONS, get_catalog
from imsclinic.charting import reasoning
from imsclinic.charting.body_chart import views_context

# A new insertion row's needle as the form posts it (sizes: rules/ranges.py, the one place).


def _muscle_names() -> dict[str, str]:
    # Retired ids (signed notes may still hold them) keep a display name.
    return get_catalog().display_names()


def _chart_regions_data() -> dict[str, Any]:
    catalog = get_catalog()
    return {
        region: {
            "label": label,
            "muscles": [[m.id, m.name] for m in catalog.in_chart_region(region)],
        }
        for region, label in CHART_REGIONS.items()
    }


def _body_chart_context(marked: set[str]) -> dict[str, Any]:
    return {
        "chart_views": views_context(marked),
        "region_labels": CHART_REGIONS,
        "dermatomes": get_catalog().dermatomes.values(),
        "level_maps": reasoning.level_maps(),
    }
