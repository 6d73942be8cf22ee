/* Live SMS counter: the same rules as kazan/messaging/segments.py (GSM 03.38 or UCS-2, 160/70
   characters for one SMS, 153/67 per part when concatenated, two-unit characters never split).
   It counts the message as a customer gets it: sample name and voucher code, links shortened,
   the opt-out line appended. The server's preview stays the source of truth. No inline code:
   the page's CSP allows only this file. */
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "\f^{}\\[~]|€";
  var URL = /https?:\/\/[^\s<>"']+/gi;
  var TRAILING = /[.,;:!?)\]}'"]+$/;

  function segments(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (c) { return BASIC.indexOf(c) >= 0 || EXTENSION.indexOf(c) >= 0; });
    var costs = chars.map(function (c) {
      if (gsm) { return EXTENSION.indexOf(c) >= 0 ? 2 : 1; }
      return c.codePointAt(0) > 0xFFFF ? 2 : 1;
    });
    var units = costs.reduce(function (a, b) { return a + b; }, 0);
    var single = gsm ? 160 : 70, part = gsm ? 153 : 67;
    var count = units ? 1 : 0;
    if (units > single) {
      var used = 0;
      costs.forEach(function (cost) {
        if (used + cost > part) { count += 1; used = 0; }
        used += cost;
      });
    }
    return { encoding: gsm ? "GSM-7" : "UCS-2", characters: chars.length, segments: count };
  }

  function compose(text, output) {
    var body = text.split("{name}").join(output.dataset.name || "")
      .split("{voucher}").join("AAAAAAAA");
    body = body.replace(URL, function (url) {
      var tail = (url.match(TRAILING) || [""])[0];
      return output.dataset.link + tail;
    });
    return body.trim() + "\n" + (output.dataset.suffix || "");
  }

  document.querySelectorAll("textarea[data-sms-counter]").forEach(function (area) {
    var output = document.getElementById(area.dataset.smsCounter);
    if (!output) { return; }
    function update() {
      var info = segments(compose(area.value.replace(/\r\n/g, "\n"), output));
      output.textContent = output.dataset.label
        .replace("{characters}", info.characters)
        .replace("{encoding}", info.encoding)
        .replace("{segments}", info.segments);
      output.dataset.segments = info.segments;
      output.dataset.encoding = info.encoding;
    }
    area.addEventListener("input", update);
    update();
  });
})();
