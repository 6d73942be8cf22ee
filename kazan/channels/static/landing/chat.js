/* The landing-page chat. Renders the engine's channel-neutral replies (text — with sanitized
   `html` for an FAQ answer —, error, user, choices, input, links, image, voucher) and posts answers as JSON. No libraries; every word
   shown comes from the server (the replies, or the #chat-ui JSON block). */
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var composer = document.getElementById("composer");
  var ui = JSON.parse(document.getElementById("chat-ui").textContent);
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  var url = chat.getAttribute("data-url");
  var busy = false;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function scroll() {
    chat.scrollTop = chat.scrollHeight;
  }

  function bubble(text, who) {
    chat.appendChild(el("div", "msg " + who, text));
  }

  /* An FAQ answer's rich text. The server sanitized it with an allow-list (p, br, strong, em,
     lists, links to http(s)/mailto/tel only: kazan/faq/richtext.py), so it is inserted as HTML;
     links still open in a new tab without access to this page. */
  function richBubble(html) {
    var node = el("div", "msg bot rich");
    node.innerHTML = html;
    node.querySelectorAll("a").forEach(function (a) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    });
    chat.appendChild(node);
  }

  function clearComposer() {
    composer.textContent = "";
    composer.hidden = true;
  }

  function send(body, echo) {
    if (busy) return;
    busy = true;
    if (echo) bubble(echo, "user");
    clearComposer();
    var typing = el("div", "msg bot typing", ui.typing);
    chat.appendChild(typing);
    scroll();
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body)
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        typing.remove();
        busy = false;
        if (!result.ok) {
          bubble(result.data.message || ui.error, "bot error");
          if (last) render([last]);
          return;
        }
        render(result.data.replies || []);
        live(0); // a hand-off may have just happened: ask at once who has the thread
      })
      .catch(function () {
        typing.remove();
        busy = false;
        bubble(ui.network, "bot error");
        if (last) render([last]);
      });
  }

  var last = null; // the open question, offered again after a failed request

  function button(label, cls, onClick) {
    var b = el("button", "btn" + (cls ? " " + cls : ""), label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function commands(reply, form) {
    if (!reply.commands || !reply.commands.length) return;
    var box = el("div", "commands");
    reply.commands.forEach(function (c) {
      box.appendChild(button(c.label, "", function () {
        send({ payload: { command: c.value } }, c.label);
      }));
    });
    form.appendChild(box);
  }

  var INPUTS = {
    name: { type: "text", autocomplete: "name" },
    phone: { type: "tel", autocomplete: "tel", inputmode: "tel" },
    otp: { type: "text", autocomplete: "one-time-code", inputmode: "numeric", maxlength: "6", pattern: "[0-9]*" },
    text: { type: "text" }
  };

  function askInput(reply) {
    last = reply;
    composer.textContent = "";
    var form = el("form");
    form.noValidate = true;
    var kind = reply.input;
    if (kind === "rating") {
      var stars = el("div", "stars");
      for (var n = 1; n <= (reply.max || 5); n++) {
        (function (value) {
          var b = button("★", "", function () {
            send({ payload: { value: value } }, "★".repeat(value) + "☆".repeat((reply.max || 5) - value));
          });
          b.setAttribute("aria-label", ui.star.replace("%(n)s", value));
          b.setAttribute("data-star", value);
          stars.appendChild(b);
        })(n);
      }
      form.appendChild(stars);
    } else if (kind === "consent") {
      var box = el("input");
      box.type = "checkbox";
      box.name = "consent";
      if (reply.checkbox) {
        var label = el("label", "consent");
        label.appendChild(box);
        label.appendChild(el("span", "", reply.checkbox));
        form.appendChild(label);
      }
      var go = el("button", "btn primary", reply.submit);
      go.type = "submit";
      form.appendChild(go);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        send({ payload: { value: box.checked } }, box.checked ? "✓ " + (reply.checkbox || "") : reply.submit);
      });
    } else {
      var field;
      if (kind === "comment") {
        field = el("textarea");
      } else {
        field = el("input");
        var spec = INPUTS[kind] || INPUTS.text;
        Object.keys(spec).forEach(function (k) {
          field.setAttribute(k, spec[k]);
        });
      }
      field.name = kind;
      // A placeholder is an example ("123456"), not a name: the step's label names the field.
      field.setAttribute("aria-label", reply.label || reply.placeholder || ui.yourAnswer);
      if (reply.placeholder) field.placeholder = reply.placeholder;
      form.appendChild(field);
      var submit = el("button", "btn primary", reply.submit || ui.send);
      submit.type = "submit";
      form.appendChild(submit);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var value = field.value.trim();
        if (!value && !reply.optional) {
          field.focus();
          return;
        }
        send({ text: value }, kind === "otp" ? "••••••" : value);
      });
      setTimeout(function () {
        field.focus();
      }, 0);
    }
    commands(reply, form);
    composer.appendChild(form);
    composer.hidden = false;
  }

  function choices(reply) {
    last = reply;
    var box = el("div", "choices");
    reply.choices.forEach(function (c) {
      box.appendChild(button(c.label, "", function () {
        box.remove();
        // An option a fallback offered ("Did you mean …?") answers as a command.
        if (c.command) send({ text: c.label, payload: { command: c.command } }, c.label);
        else send({ payload: { choice: c.value } }, c.label);
      }));
    });
    chat.appendChild(box);
  }

  function links(reply) {
    var box = el("div", "links");
    reply.links.forEach(function (link) {
      var a = el("a", "btn", link.label);
      a.href = link.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.setAttribute("data-target", link.target);
      box.appendChild(a);
    });
    chat.appendChild(box);
  }

  function voucher(reply) {
    var card = el("section", "voucher");
    card.setAttribute("data-voucher", reply.code);
    card.appendChild(el("h2", "", reply.title));
    if (reply.discount) card.appendChild(el("p", "discount", reply.discount));
    var img = el("img");
    img.src = reply.qr;
    img.alt = reply.qr_alt;
    card.appendChild(img);
    var code = el("p", "code", reply.code);
    code.setAttribute("aria-label", ui.voucherCode + " " + reply.code);
    card.appendChild(code);
    card.appendChild(el("p", "expires", reply.expires_label));
    chat.appendChild(card);
  }

  function render(replies) {
    clearComposer();
    replies.forEach(function (reply) {
      switch (reply.type) {
        case "text":
          if (reply.html) richBubble(reply.html);
          else bubble(reply.text, "bot");
          break;
        case "error": bubble(reply.text, "bot error"); break;
        case "user": bubble(reply.text, "user"); break;
        case "choices": choices(reply); break;
        case "input": askInput(reply); break;
        case "links": links(reply); break;
        case "voucher": voucher(reply); break;
        case "image": {
          var img = el("img");
          img.src = reply.data_uri;
          img.alt = reply.alt || "";
          chat.appendChild(img);
          break;
        }
      }
    });
    if (withPerson && composer.hidden) freeText();
    scroll();
  }

  /* A person from the team has the thread (status open/pending/snoozed): the visitor may write
     freely, and the team's replies are fetched after the last one shown (channels/web/live.py):
     every few seconds while a person has the thread, rarely otherwise. */
  var liveUrl = chat.getAttribute("data-live-url");
  var cursor = null;
  var withPerson = false;
  var liveTimer = null;
  var FAST = 3000;
  var SLOW = 15000;

  function freeText() {
    askInput({ type: "input", input: "text", label: ui.yourAnswer });
  }

  function live(delay) {
    if (!liveUrl) return;
    clearTimeout(liveTimer);
    liveTimer = setTimeout(poll, delay);
  }

  function poll() {
    if (document.hidden) {
      live(SLOW);
      return;
    }
    var query = cursor === null ? "" : "?after=" + encodeURIComponent(cursor);
    fetch(liveUrl + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data) {
          (data.replies || []).forEach(function (reply) {
            if (reply.text) bubble(reply.text, "bot agent");
          });
          if (data.replies && data.replies.length) scroll();
          cursor = data.cursor;
          withPerson = data.with_person;
          if (withPerson && composer.hidden && !busy) freeText();
        }
        live(withPerson ? FAST : SLOW);
      })
      .catch(function () {
        live(SLOW);
      });
  }

  poll();
  send({ action: "start" });
})();
