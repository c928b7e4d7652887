// The drawn signature of the consent: a canvas the patient signs with a finger, pen or
// mouse (pointer events), kept as a PNG data URL in a hidden field the server checks.
(function () {
  "use strict";

  function setup(box) {
    var canvas = box.querySelector("[data-signature-pad]");
    var field = box.querySelector("[data-signature-value]");
    var clear = box.querySelector("[data-signature-clear]");
    var nojs = box.querySelector("[data-signature-nojs]");
    if (nojs) nojs.hidden = true;
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;

    function style() {
      ctx.lineWidth = 3;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#1f2933";
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - rect.left) * (canvas.width / rect.width),
        y: (event.clientY - rect.top) * (canvas.height / rect.height)
      };
    }

    function restore() {
      if (!field.value) return;
      var image = new Image();
      image.onload = function () { ctx.drawImage(image, 0, 0); drawn = true; };
      image.src = field.value;
    }

    style();
    restore();
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      ctx.lineTo(p.x + 0.1, p.y + 0.1);
      ctx.stroke();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      drawn = true;
    });
    function finish() {
      if (!drawing) return;
      drawing = false;
      if (drawn) field.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      style();
      field.value = "";
      drawn = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-signature]").forEach(setup);
  });
})();
