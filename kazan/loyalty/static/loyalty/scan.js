/* Voucher counter: keeps the code input ready for the next scan, and scans with the camera
   through the browser's BarcodeDetector (QR and common 1D codes) where it exists. No library. */
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("voucher-form");
  var input = document.getElementById("id_code");
  var start = document.getElementById("scan-start");
  var area = document.getElementById("scan-area");
  var video = document.getElementById("scan-video");
  var stop = document.getElementById("scan-stop");
  var status = document.getElementById("scan-status");
  if (!form || !input) return;

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "voucher-result") {
      var redeem = document.getElementById("redeem-button");
      (redeem || input).focus();
      if (!redeem) input.select();
    }
  });

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !start) return;
  var stream = null;
  var detector = null;
  var timer = null;

  function halt() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    area.hidden = true;
    input.focus();
  }

  function tick() {
    if (!stream) return;
    detector.detect(video).then(function (codes) {
      if (codes.length && codes[0].rawValue) {
        input.value = codes[0].rawValue;
        halt();
        form.requestSubmit();
        return;
      }
      timer = setTimeout(tick, 250);
    }).catch(function () { timer = setTimeout(tick, 500); });
  }

  start.hidden = false;
  start.addEventListener("click", function () {
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      detector = new window.BarcodeDetector({ formats: formats });
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      area.hidden = false;
      status.textContent = script.dataset.scanning || "";
      return video.play();
    }).then(tick).catch(function () {
      halt();
      status.textContent = script.dataset.cameraError || "";
      area.hidden = false;
    });
  });
  stop.addEventListener("click", halt);
})();
