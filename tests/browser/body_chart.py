"""Clicking a body-chart region where a person would: on a point of the region itself.

A region's bounding-box centre (where Playwright clicks by default) can lie in its
neighbour when the region is curved (the lower back dips to the sacrum), so the click goes
to the first point of a grid over the box where the region is the topmost element."""

from __future__ import annotations

INSIDE_POINT = """
(el) => {
  const box = el.getBoundingClientRect();
  for (const fy of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
    for (const fx of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
      const x = box.left + box.width * fx, y = box.top + box.height * fy;
      if (document.elementFromPoint(x, y) === el) return {x: box.width * fx, y: box.height * fy};
    }
  }
  return null;
}
"""


def click_region(locator) -> None:  # type: ignore[no-untyped-def]
    locator.scroll_into_view_if_needed()
    position = locator.evaluate(INSIDE_POINT)
    assert position is not None, "no visible point of the region to click"
    locator.click(position=position)
