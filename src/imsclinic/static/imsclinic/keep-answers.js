// Keeps a patient's answers in this browser tab until the server has recorded them, so a
// submit that fails for any reason (an expired page, a lost connection, a refused post)
// never makes the patient retype. Forms opt in with data-keep-answers; the page that
// confirms the answers were recorded (data-answers-recorded) clears the copy.
// sessionStorage is per tab and gone when the tab closes: nothing stays on a shared device.
(function () {
  "use strict";
  var KEY = "imsclinic.answers:" + window.location.pathname;

  function store() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  function save(form) {
    var box = store();
    if (!box) return;
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button" || el.dataset.keepSkip !== undefined) return;
      if (el.type === "radio" || el.type === "checkbox") {
        if (!values[el.name]) values[el.name] = [];
        if (el.checked) values[el.name].push(el.value);
      } else {
        values[el.name] = [el.value];
      }
    });
    box.setItem(KEY, JSON.stringify(values));
  }

  function restore(form) {
    var box = store();
    var raw = box && box.getItem(KEY);
    if (!raw) return;
    var values;
    try { values = JSON.parse(raw); } catch (e) { return; }
    // Groups the server re-showed with a choice (after a refused submit) keep the server's.
    var shown = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && el.checked) shown[el.name] = true;
    });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !Object.prototype.hasOwnProperty.call(values, el.name)) return;
      if (el.type === "hidden" || el.type === "submit" || el.type === "button" || el.dataset.keepSkip !== undefined) return;
      var kept = values[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        // The server's re-shown answers win; the kept copy fills what it left empty.
        if (!shown[el.name]) el.checked = kept.indexOf(el.value) !== -1;
      } else if (!el.value && kept.length) {
        el.value = kept[0];
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-answers-recorded]")) {
      var box = store();
      if (box) box.removeItem(KEY);
      return;
    }
    var form = document.querySelector("form[data-keep-answers]");
    if (!form) return;
    restore(form);
    form.addEventListener("input", function () { save(form); });
    form.addEventListener("change", function () { save(form); });
    form.addEventListener("submit", function () { save(form); });
  });
})();
