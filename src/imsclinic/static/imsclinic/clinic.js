// Progressive enhancement for the charting forms. Every form also works without JS:
// rows are plain inputs named "insertions.N.field" and the server validates everything.
(function () {
  "use strict";

  function renumber(tbody, prefix) {
    Array.from(tbody.querySelectorAll("tr")).forEach(function (row, index) {
      row.dataset.index = index;
      var num = row.querySelector(".num");
      if (num) num.textContent = index + 1;
      // Labels of template rows carry the template's index ("Muscle 1000"): renumber them.
      row.querySelectorAll("label, [aria-label]").forEach(function (el) {
        if (el.tagName === "LABEL" && !el.children.length && /\s\d+$/.test(el.textContent)) {
          el.textContent = el.textContent.replace(/\d+$/, String(index + 1));
        } else if (el.tagName !== "LABEL" && /\s\d+$/.test(el.getAttribute("aria-label"))) {
          el.setAttribute("aria-label", el.getAttribute("aria-label").replace(/\d+$/, String(index + 1)));
        }
      });
      row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value && value.indexOf(prefix + ".") !== -1) {
            el.setAttribute(attr, value.replace(new RegExp(prefix + "\\.\\d+\\."), prefix + "." + index + "."));
          }
        });
      });
    });
  }

  var CARRIED = ["needle_diameter_mm", "needle_length_mm", "needle_lot"];

  function copyNeedle(source, target) {
    CARRIED.forEach(function (field) {
      var from = source.querySelector('[name$=".' + field + '"]');
      var to = target.querySelector('[name$=".' + field + '"]');
      if (from && to) to.value = from.value;
    });
  }

  function addRow(tbody, template, prefix, copyFrom) {
    var fragment = template.content.cloneNode(true);
    var row = fragment.querySelector("tr");
    tbody.appendChild(row);
    renumber(tbody, prefix);
    if (copyFrom) copyNeedle(copyFrom, row);
    return row;
  }

  // A page returned with errors puts the cursor on the first field to fix, not on the
  // autofocus field of a fresh form.
  function focusFirstInvalid(form) {
    var invalid = form.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  }

  function lastRow(tbody) {
    var rows = tbody.querySelectorAll("tr");
    return rows.length ? rows[rows.length - 1] : null;
  }

  // Tables of rows added from a <template> and removed by their ✕ button (range of
  // motion): the button names its table (data-rows) and template (data-template).
  function setupRowTables(form) {
    form.querySelectorAll("button[data-rows]").forEach(function (button) {
      var prefix = button.dataset.rows;
      var tbody = form.querySelector("#" + prefix + " tbody");
      var template = document.getElementById(button.dataset.template);
      button.addEventListener("click", function () {
        var row = addRow(tbody, template, prefix, null);
        row.querySelector("select, input").focus();
      });
      tbody.addEventListener("click", function (event) {
        if (!event.target.classList.contains("remove-row")) return;
        event.target.closest("tr").remove();
        renumber(tbody, prefix);
        button.focus();
      });
    });
  }

  // ---- Treatment session form -------------------------------------------------------
  function setupSession(form) {
    var tbody = form.querySelector("#insertions tbody");
    var template = document.getElementById("insertion-template");
    var paraspinal = JSON.parse(document.getElementById("paraspinal-names").textContent || "[]")
      .map(function (n) { return n.toLowerCase(); });
    var summary = document.getElementById("session-summary");
    var known = {};
    document.querySelectorAll("#muscle-list option").forEach(function (option) {
      known[option.value.toLowerCase()] = true;
    });

    function ensureBlankRow() {
      var last = lastRow(tbody);
      var muscle = last && last.querySelector('[name$=".muscle"]');
      if (!last || (muscle && muscle.value.trim())) syncLevel(addRow(tbody, template, "insertions", last));
    }

    function updateSummary() {
      var rows = Array.from(tbody.querySelectorAll("tr")).filter(function (row) {
        return row.querySelector('[name$=".muscle"]').value.trim();
      });
      if (!rows.length) { summary.innerHTML = '<p class="muted">No insertions yet.</p>'; return; }
      var twitch = 0, sides = { left: 0, right: 0 }, levels = {}, items = [];
      rows.forEach(function (row) {
        var muscle = row.querySelector('[name$=".muscle"]').value.trim();
        var side = row.querySelector('[name$=".side"]').value;
        var level = row.querySelector('[name$=".level"]').value;
        var response = row.querySelector('[name$=".twitch"]').value;
        if (response && response !== "none") twitch += 1;
        if (sides[side] !== undefined) sides[side] += 1;
        if (level) levels[level] = true;
        items.push(muscle + (level ? " " + level : "") + (side ? " (" + side.charAt(0).toUpperCase() + ")" : ""));
      });
      var list = document.createElement("ol");
      items.forEach(function (text) { var li = document.createElement("li"); li.textContent = text; list.appendChild(li); });
      summary.innerHTML = "";
      var p = document.createElement("p");
      p.textContent = rows.length + " insertion" + (rows.length === 1 ? "" : "s") + " · left " + sides.left +
        ", right " + sides.right + " · twitch " + twitch + "/" + rows.length +
        (Object.keys(levels).length ? " · levels " + Object.keys(levels).sort().join(", ") : "");
      summary.appendChild(p);
      summary.appendChild(list);
    }

    function syncLevel(row) {
      var muscle = row.querySelector('[name$=".muscle"]');
      var level = row.querySelector('[name$=".level"]');
      if (!muscle || !level) return;
      var name = muscle.value.trim().toLowerCase();
      // Only a known non-paraspinal muscle disables the level: a synonym such as "lumbar
      // multifidus" still needs one, and the server decides for anything it does not know.
      var needsLevel = paraspinal.indexOf(name) !== -1 || (name && !known[name]);
      level.disabled = !needsLevel && !level.value;
    }

    // The blank row waiting below was created when the muscle above was first typed, usually
    // before its lot was entered: keep its needle settings following the row above.
    function carryForward(row) {
      var next = row.nextElementSibling;
      while (next) {
        var muscle = next.querySelector('[name$=".muscle"]');
        if (!muscle || muscle.value.trim()) break;
        copyNeedle(row, next);
        next = next.nextElementSibling;
      }
    }

    function isNeedleField(el) {
      return CARRIED.some(function (field) { return el.name && el.name.slice(-field.length - 1) === "." + field; });
    }

    tbody.addEventListener("input", function (event) {
      var row = event.target.closest("tr");
      if (event.target.name && /\.muscle$/.test(event.target.name)) { syncLevel(row); ensureBlankRow(); }
      if (row && isNeedleField(event.target)) carryForward(row);
      updateSummary();
    });
    tbody.addEventListener("change", function (event) {
      var row = event.target.closest("tr");
      if (row) syncLevel(row);
      if (row && isNeedleField(event.target)) carryForward(row);
      updateSummary();
    });
    tbody.addEventListener("click", function (event) {
      if (event.target.classList.contains("remove-row")) {
        event.target.closest("tr").remove();
        renumber(tbody, "insertions");
        ensureBlankRow();
        updateSummary();
      }
    });
    document.getElementById("add-insertion").addEventListener("click", function () {
      var row = addRow(tbody, template, "insertions", lastRow(tbody));
      syncLevel(row);
      row.querySelector('[name$=".muscle"]').focus();
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        document.getElementById("save-draft").click();
      }
    });
    form.addEventListener("submit", function () {
      tbody.querySelectorAll("select[disabled]").forEach(function (el) { el.disabled = false; });
    });
    Array.from(tbody.querySelectorAll("tr")).forEach(syncLevel);
    setupRowTables(form);
    updateSummary();
    focusFirstInvalid(form);
  }

  // ---- Assessment form with the body chart ------------------------------------------
  function setupAssessment(form) {
    var regions = JSON.parse(document.getElementById("regions-data").textContent);
    var picker = document.getElementById("region-picker");
    var marks = document.getElementById("pain-marks");
    var signs = document.getElementById("signs");
    var findings = form.querySelector("#findings tbody");
    var findingTemplate = document.getElementById("finding-template");

    function markInput(key) { return marks.querySelector('input[value="' + key + '"]'); }

    function addSignsFor(region, side) {
      var key = region + ":" + side;
      if (signs.querySelector('[data-key="' + key + '"]')) return;
      var empty = document.getElementById("signs-empty");
      if (empty) empty.remove();
      var set = document.getElementById("signs-template").content.cloneNode(true).querySelector("fieldset");
      set.dataset.key = key;
      set.querySelector("legend").textContent = regions[region].label + " (" + side + ")";
      set.querySelectorAll("input").forEach(function (input) {
        input.name = "sign:" + key + ":" + input.dataset.kind;
      });
      signs.appendChild(set);
    }

    function addFinding(muscleName, side) {
      var row = addRow(findings, findingTemplate, "findings", null);
      row.querySelector('[name$=".muscle"]').value = muscleName;
      row.querySelector('[name$=".side"]').value = side;
      row.querySelector('[name$=".taut_band"]').focus();
      return row;
    }

    function choose(shape) {
      var region = shape.dataset.region, side = shape.dataset.side, key = region + ":" + side;
      setMarked(region, side, true);
      if (!markInput(key)) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = "pain_mark"; input.value = key;
        marks.appendChild(input);
      }
      addSignsFor(region, side);
      picker.innerHTML = "";
      var heading = document.createElement("h3");
      heading.textContent = regions[region].label + " — " + side;
      picker.appendChild(heading);
      var hint = document.createElement("p");
      hint.className = "muted";
      hint.textContent = "Pain marked. Choose the muscle you examined:";
      picker.appendChild(hint);
      regions[region].muscles.forEach(function (muscle) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = muscle[1];
        button.dataset.muscle = muscle[0];
        button.addEventListener("click", function () { addFinding(muscle[1], side); });
        picker.appendChild(button);
      });
      var unmark = document.createElement("button");
      unmark.type = "button";
      unmark.textContent = "Remove pain mark";
      unmark.addEventListener("click", function () {
        var input = markInput(key);
        if (input) input.remove();
        setMarked(region, side, false);
        var set = signs.querySelector('[data-key="' + key + '"]');
        if (set) set.remove();
        picker.innerHTML = '<p class="muted">Mark removed.</p>';
      });
      picker.appendChild(unmark);
      var first = picker.querySelector("button");
      if (first && shape.dataset.keyboard) first.focus();
    }

    document.querySelectorAll(".body-chart svg[role=group]").forEach(function (svg) {
      setupRegionKeys(svg, choose);
      svg.addEventListener("click", function (event) {
        var shape = event.target.closest(".region");
        if (shape) { delete shape.dataset.keyboard; choose(shape); }
      });
    });
    findings.addEventListener("click", function (event) {
      if (event.target.classList.contains("remove-row")) {
        event.target.closest("tr").remove();
        renumber(findings, "findings");
      }
    });
    document.getElementById("add-finding").addEventListener("click", function () {
      addRow(findings, findingTemplate, "findings", null).querySelector('[name$=".muscle"]').focus();
    });
    setupRowTables(form);
    focusFirstInvalid(form);
  }

  // ---- Body chart: pain marks, keyboard, dermatome and myotome overlays -------------
  function setMarked(region, side, on) {
    var selector = '[data-region="' + region + '"][data-side="' + side + '"]';
    document.querySelectorAll(".body-chart .region" + selector).forEach(function (shape) {
      shape.classList.toggle("marked", on);
      var label = shape.getAttribute("aria-label");
      if (label) {
        shape.setAttribute("aria-label", label.replace(/ \(pain marked\)$/, "") + (on ? " (pain marked)" : ""));
      }
    });
    document.querySelectorAll('.body-chart .pain-dot[data-key="' + region + ":" + side + '"]')
      .forEach(function (dot) { dot.classList.toggle("on", on); });
  }

  // One Tab stop per view; arrow keys move up and down the body on the same side, and
  // across to the same region on the other side.
  function setupRegionKeys(svg, choose) {
    var shapes = Array.from(svg.querySelectorAll(".region"));
    shapes.forEach(function (shape, index) { shape.tabIndex = index === 0 ? 0 : -1; });
    function centre(shape) { var box = shape.getBBox(); return box.x + box.width / 2; }
    function along(shape, step) {
      var index = shapes.indexOf(shape) + step;
      for (; index >= 0 && index < shapes.length; index += step) {
        if (shapes[index].dataset.side === shape.dataset.side) return shapes[index];
      }
      return null;
    }
    function across(shape, toLeft) {
      var other = shapes.filter(function (s) {
        return s.dataset.region === shape.dataset.region && s !== shape;
      })[0];
      if (!other) return null;
      return (centre(other) < centre(shape)) === toLeft ? other : null;
    }
    svg.addEventListener("keydown", function (event) {
      var shape = event.target.closest(".region");
      if (!shape) return;
      var target = null;
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        shape.dataset.keyboard = "1";
        choose(shape);
        return;
      }
      if (event.key === "ArrowDown") target = along(shape, 1);
      else if (event.key === "ArrowUp") target = along(shape, -1);
      else if (event.key === "ArrowLeft") target = across(shape, true);
      else if (event.key === "ArrowRight") target = across(shape, false);
      else if (event.key === "Home") target = shapes[0];
      else if (event.key === "End") target = shapes[shapes.length - 1];
      else return;
      event.preventDefault();
      if (target) {
        shapes.forEach(function (s) { s.tabIndex = -1; });
        target.tabIndex = 0;
        target.focus();
      }
    });
    svg.addEventListener("focusin", function (event) {
      var shape = event.target.closest(".region");
      if (!shape) return;
      shapes.forEach(function (s) { s.tabIndex = s === shape ? 0 : -1; });
    });
  }

  function setupChartOverlays() {
    var controls = document.getElementById("chart-controls");
    var source = document.getElementById("level-maps");
    if (!controls || !source) return;
    var maps = JSON.parse(source.textContent);
    var select = document.getElementById("dermatome-level");
    var note = document.getElementById("dermatome-note");
    var allPoints = document.getElementById("key-points-toggle");
    var generalNote = note.textContent;

    // side: "left", "right" or null for both; withMyotome also shades the level's muscles.
    function showLevel(level, side, withMyotome) {
      var entry = maps[level] || { myotome: [], dermatome: [] };
      function applies(el) { return level && (!side || el.dataset.side === side); }
      document.querySelectorAll(".body-chart .overlay path").forEach(function (path) {
        path.classList.toggle("dermatome", applies(path) && entry.dermatome.indexOf(path.dataset.region) !== -1);
      });
      document.querySelectorAll(".body-chart .region").forEach(function (shape) {
        shape.classList.toggle("myotome", withMyotome && applies(shape) && entry.myotome.indexOf(shape.dataset.region) !== -1);
      });
      document.querySelectorAll(".body-chart .key-point").forEach(function (point) {
        point.classList.toggle("on", applies(point) && point.dataset.level === level);
      });
      var option = select.querySelector('option[value="' + level + '"]');
      if (!level || !option) { note.textContent = generalNote; return; }
      note.textContent = level + (side ? " (" + side + ")" : "") + ": " + option.dataset.area +
        ". Key sensory point: " + option.dataset.keyPoint + "." +
        (withMyotome ? " Regions of the muscles " + level + " supplies are shaded green." : "") +
        " Dermatomes overlap and vary between people: the areas drawn are approximate.";
    }

    select.addEventListener("change", function () { showLevel(select.value, null, false); });
    allPoints.addEventListener("change", function () {
      document.querySelectorAll(".body-chart").forEach(function (chart) {
        chart.classList.toggle("all-key-points", allPoints.checked);
      });
    });
    document.addEventListener("click", function (event) {
      var button = event.target.closest(".show-level");
      if (!button) return;
      select.value = "";
      showLevel(button.dataset.level, button.dataset.side, true);
      var chart = document.querySelector(".body-chart");
      if (chart && chart.scrollIntoView) chart.scrollIntoView({ block: "nearest" });
    });
  }

  // Copy boxes (a link to send to a patient): select on focus, copy with a button.
  function setupCopyBoxes() {
    document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.copy);
        var status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
        if (!input) return;
        input.focus();
        input.select();
        var done = function () { if (status) status.textContent = "Copied."; };
        var manual = function () { if (status) status.textContent = "Selected: press Ctrl+C (or Cmd+C) to copy."; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(done, manual);
        } else {
          try { if (document.execCommand("copy")) { done(); } else { manual(); } } catch (e) { manual(); }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupChartOverlays();
    setupCopyBoxes();
    var session = document.getElementById("session-form");
    if (session) setupSession(session);
    var assessment = document.getElementById("assessment-form");
    if (assessment) setupAssessment(assessment);
  });
})();
