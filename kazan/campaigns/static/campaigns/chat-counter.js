/* The chat broadcast's live counter and preview. It counts String.length, i.e. UTF-16 code
   units, as Telegram measures a message and as the server (campaigns/chat.py) checks it, so an
   emoji counts two here and there. The preview puts "<emoji> <title>" above the text, as the
   message is sent. No inline code: the page's CSP allows only this file. */
(function () {
  "use strict";
  var form = document.getElementById("broadcast-form");
  var counter = document.getElementById("chat-counter");
  var preview = document.getElementById("chat-preview");
  if (!form || !counter || !preview) { return; }
  var body = form.querySelector("[data-chat-counter]");
  var title = form.querySelector("[name=title]");
  var emoji = form.querySelector("[name=emoji]");
  var max = parseInt(counter.dataset.max, 10);
  var sample = preview.dataset.name || "";
  var empty = preview.textContent;

  function fill(template, count) {
    return template.replace("{count}", count.toLocaleString()).replace("{max}", max.toLocaleString());
  }

  function update() {
    var text = body.value.replace(/\r\n/g, "\n").trim();
    var count = text.length;
    counter.textContent = fill(count > max ? counter.dataset.over : counter.dataset.label, count);
    counter.classList.toggle("flash-error", count > max);
    var heading = [emoji.value.trim(), title.value.trim().replace(/\s+/g, " ")].filter(Boolean).join(" ");
    var personal = text.split("{name}").join(sample);
    preview.textContent = text ? (heading ? heading + "\n\n" + personal : personal) : empty;
  }

  [body, title, emoji].forEach(function (field) { field.addEventListener("input", update); });
  update();
})();
