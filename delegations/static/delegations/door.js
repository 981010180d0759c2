/* The door's "scan" button (templates/admin/delegations/door.html): opens the back camera, reads a QR code with the
   browser's BarcodeDetector where it exists, else with jsQR (vendored beside this file, loaded only when needed), puts
   the id in the field and sends the form. Without a camera or JavaScript the officer types the id. */
(function () {
  "use strict";
  var button = document.getElementById("door-scan");
  var form = document.getElementById("door-form");
  var video = document.getElementById("door-video");
  var status = document.getElementById("door-camera-status");
  var field = form && form.querySelector("input.door-code");
  if (!button || !form || !video || !field || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  button.hidden = false;
  var stream = null;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var detector = null;

  function loadJsQR() {
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = button.dataset.scanner;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function ready() {
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") >= 0) {
          detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          return null;
        }
        return loadJsQR();
      }, loadJsQR);
    }
    return loadJsQR();
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.hidden = true;
    button.textContent = button.dataset.start;
  }

  function found(text) {
    stop();
    field.value = text;
    form.submit();
  }

  function read() {
    if (!stream) { return; }
    if (video.readyState < 2) { window.requestAnimationFrame(read); return; }
    if (detector) {
      detector.detect(video).then(function (codes) {
        if (codes.length) { found(codes[0].rawValue); } else { window.requestAnimationFrame(read); }
      }, function () { window.requestAnimationFrame(read); });
      return;
    }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    if (code && code.data) { found(code.data); } else { window.requestAnimationFrame(read); }
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); field.focus(); return; }
    status.textContent = "";
    ready().then(function () {
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      button.textContent = button.dataset.stop;
      return video.play();
    }).then(read, function () {
      stop();
      status.textContent = button.dataset.noCamera;
      field.focus();
    });
  });
})();
