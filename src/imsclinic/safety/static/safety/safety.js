// Session form: warn (never block) on needle lots unknown to needle stock, expired or used
// up. The server decides (safety/selectors.lot_warnings), so the lot matching rules live
// in one place; this only sends the lots typed and shows the answer.
(function () {
  "use strict";

  function lotsTyped(form) {
    var lots = [];
    form.querySelectorAll('input[name$=".needle_lot"]').forEach(function (input) {
      var row = input.closest("tr");
      var muscle = row ? row.querySelector('input[name$=".muscle"]') : null;
      var value = input.value.trim();
      if (value && (!muscle || muscle.value.trim()) && lots.indexOf(value) < 0) { lots.push(value); }
    });
    return lots;
  }

  function show(box, warnings) {
    box.textContent = "";
    warnings.forEach(function (warning) {
      var p = document.createElement("p");
      p.className = "alert warn lot-warning";
      p.textContent = warning.message;
      box.appendChild(p);
    });
  }

  function setup(box) {
    var form = document.getElementById("session-form");
    if (!form) { return; }
    var pending = 0;
    function check() {
      var lots = lotsTyped(form);
      var params = new URLSearchParams();
      lots.forEach(function (lot) { params.append("lot", lot); });
      var date = form.querySelector('[name="session_date"]');
      if (date && date.value) { params.append("date", date.value); }
      if (!lots.length) { show(box, []); return; }
      var ticket = ++pending;
      fetch(box.dataset.url + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { warnings: [] }; })
        .then(function (body) { if (ticket === pending) { show(box, body.warnings || []); } })
        .catch(function () { /* a warning is advice; charting goes on without it */ });
    }
    form.addEventListener("change", function (event) {
      var name = event.target.name || "";
      if (/\.needle_lot$/.test(name) || /\.muscle$/.test(name) || name === "session_date") { check(); }
    });
    check();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("lot-warnings");
    if (box) { setup(box); }
  });
})();
