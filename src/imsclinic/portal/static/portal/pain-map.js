// The intake form's pain map: the checkboxes (one per body region and side) are the form's
// input; tapping a region of the drawing ticks or unticks its checkbox, and the drawing
// shows what is ticked. Without JavaScript the checkboxes still work.
(function () {
  "use strict";

  function setup(map) {
    function box(key) {
      return map.querySelector('input[name="pain_mark"][value="' + key + '"]');
    }
    function paint() {
      map.querySelectorAll("[data-pain-key]").forEach(function (region) {
        var input = box(region.dataset.painKey);
        region.classList.toggle("marked", Boolean(input && input.checked));
      });
    }
    map.addEventListener("click", function (event) {
      var region = event.target.closest("[data-pain-key]");
      var input = region && box(region.dataset.painKey);
      if (!input) return;
      input.checked = !input.checked;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    map.addEventListener("change", paint);
    paint();  // after keep-answers.js has put back a kept copy
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-pain-map]").forEach(setup);
  });
})();
