// Calendar keyboard use: arrow keys move between free cells and appointments (roving
// tabindex: one tab stop per column), Enter opens. Without this script every cell is an
// ordinary link. Also: the booking form's "Repeat" shows the course fields.
(function () {
  "use strict";

  function columnsOf(grid) {
    return Array.from(grid.querySelectorAll(".cal-col"));
  }

  function itemsOf(column) {
    return Array.from(column.querySelectorAll("[data-cal-item]")).sort(function (a, b) {
      return a.offsetTop - b.offsetTop;
    });
  }

  function nearest(items, top) {
    var best = null, distance = Infinity;
    items.forEach(function (item) {
      var d = Math.abs(item.offsetTop - top);
      if (d < distance) { best = item; distance = d; }
    });
    return best;
  }

  function focusItem(grid, item) {
    grid.querySelectorAll("[data-cal-item][tabindex='0']").forEach(function (el) { el.tabIndex = -1; });
    item.tabIndex = 0;
    item.focus();
  }

  function setupGrid(grid) {
    var columns = columnsOf(grid);
    columns.forEach(function (column) {
      itemsOf(column).forEach(function (item, index) { item.tabIndex = index === 0 ? 0 : -1; });
    });
    grid.addEventListener("keydown", function (event) {
      var item = event.target.closest("[data-cal-item]");
      if (!item) return;
      var column = item.closest(".cal-col");
      var items = itemsOf(column);
      var index = items.indexOf(item);
      var target = null;
      if (event.key === "ArrowDown") target = items[index + 1];
      else if (event.key === "ArrowUp") target = items[index - 1];
      else if (event.key === "Home") target = items[0];
      else if (event.key === "End") target = items[items.length - 1];
      else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        var at = columns.indexOf(column) + (event.key === "ArrowRight" ? 1 : -1);
        while (at >= 0 && at < columns.length && !target) {
          target = nearest(itemsOf(columns[at]), item.offsetTop);
          at += event.key === "ArrowRight" ? 1 : -1;
        }
      } else if (event.key === " ") {
        event.preventDefault();
        item.click();
        return;
      } else return;
      event.preventDefault();
      if (target) focusItem(grid, target);
    });
    // Bring the working day into view: scroll to the first opening or appointment.
    var scroller = grid.closest(".cal-scroll");
    var first = grid.querySelector(".cal-open, .cal-appt");
    if (scroller && first && !window.location.hash) scroller.scrollTop = Math.max(0, first.offsetTop - 20);
  }

  function setupCourse(form) {
    var count = form.querySelector("#f-count");
    var every = form.querySelector("#course-every");
    var submit = form.querySelector("#book-submit");
    if (!count || !every || !submit) return;
    function sync() {
      var n = parseInt(count.value, 10) || 1;
      every.hidden = n <= 1;
      submit.textContent = n > 1 ? "Check " + n + " times" : "Book";
    }
    count.addEventListener("input", sync);
    sync();
  }

  function setupPatientPick(form) {
    // Choosing a search result fills the hidden patient field (radios carry it too).
    form.addEventListener("change", function (event) {
      if (event.target.name === "patient_id") {
        var picked = form.querySelector("#patient-picked-name");
        if (picked) picked.textContent = event.target.dataset.name || "";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-cal-grid]").forEach(setupGrid);
    var booking = document.getElementById("booking-form");
    if (booking) { setupCourse(booking); setupPatientPick(booking); }
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); });
    });
  });
})();
