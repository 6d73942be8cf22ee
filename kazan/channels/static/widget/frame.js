/* The website widget's chat window, inside the frame served by Kazan (channels/widget/views.py).
   Renders the engine's replies with the landing chat's shared chat/render.js (KazanChat) plus
   its own `form` reply and free-text question, and talks to
   /api/v1/widget with the business's client id. The chat's session token lives in this
   script's memory only: nothing is stored in the browser. Every word shown comes from the
   server (the replies, or the settings' `strings`). Messages to and from the host page go
   through postMessage with the host's exact origin, checked on the way in. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("widget-config").textContent);
  var chat = document.getElementById("chat");
  var composer = document.getElementById("composer");
  var ui = {};
  var session = null;
  var visitor = null;
  var busy = false;
  var language = config.language;
  var view = KazanChat.renderer({
    chat: chat,
    composer: composer,
    ui: function () {
      return ui;
    },
    send: send,
    onLink: linkShown
  });
  var el = view.el;
  var bubble = view.bubble;
  var scroll = view.scroll;

  function headers(json) {
    var h = { Accept: "application/json", "X-Client-ID": config.client };
    if (json) h["Content-Type"] = "application/json";
    if (config.preview) h["X-Widget-Preview"] = config.preview;
    return h;
  }

  function toHost(message) {
    if (window.parent !== window && config.origin) {
      message.kazan = 1;
      window.parent.postMessage(message, config.origin);
    }
  }

  function hostEvent(name, detail) {
    toHost({ type: "event", name: name, detail: detail || {} });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== config.origin || event.source !== window.parent) return;
    var m = event.data;
    if (!m || m.kazan !== 1) return;
    if (m.type === "identify" && m.visitor) {
      visitor = { name: String(m.visitor.name || "").slice(0, 120), email: String(m.visitor.email || "").slice(0, 254) };
    } else if (m.type === "focus") {
      focusFirst();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") toHost({ type: "close" });
  });
  document.getElementById("close").addEventListener("click", function () {
    toHost({ type: "close" });
  });

  function focusFirst() {
    var target = composer.querySelector("input, textarea, button") || chat.querySelector(".choices button");
    if (target) target.focus();
    else chat.focus();
  }

  function send(body, echo) {
    if (busy) return;
    busy = true;
    if (echo) bubble(echo, "user");
    composer.textContent = "";
    var typing = el("div", "msg bot typing", ui.typing);
    chat.appendChild(typing);
    scroll();
    body.session = session;
    body.language = language;
    if (config.origin) body.origin = config.origin;
    if (visitor) body.visitor = visitor;
    var sentForm = body.payload && body.payload.form;
    fetch(config.api + "/chat", {
      method: "POST",
      credentials: "omit",
      headers: headers(true),
      body: JSON.stringify(body)
    })
      .then(KazanChat.result)
      .then(function (result) {
        typing.remove();
        busy = false;
        if (!result.ok) {
          bubble(result.data.message || ui.error, "bot error");
          if (view.last) render([view.last]);
          else freeText();
          return;
        }
        session = result.data.session;
        var replies = result.data.replies || [];
        if (sentForm && !replies.some(function (r) { return r.type === "form" && r.errors; })) {
          hostEvent("form_submitted", {});
        }
        render(replies);
        if (replies.length) hostEvent("message", { count: replies.length });
        live(0);
      })
      .catch(function () {
        typing.remove();
        busy = false;
        bubble(ui.network, "bot error");
        if (view.last) render([view.last]);
        else freeText();
      });
  }

  /* Free text when nothing else is asked: a question for the FAQ, or a message to the team. */
  function freeText() {
    view.last = null;
    composer.textContent = "";
    var form = el("form", "free");
    form.noValidate = true;
    var field = el("input");
    field.type = "text";
    field.name = "question";
    field.maxLength = 1000;
    field.setAttribute("aria-label", ui.question);
    field.placeholder = ui.question;
    form.appendChild(field);
    var submit = el("button", "btn primary", ui.send);
    submit.type = "submit";
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = field.value.trim();
      if (!value) return field.focus();
      send({ text: value }, value);
    });
    composer.appendChild(form);
  }

  /* The redirect a link counts as: the kind the server gave it ("whatsapp", "form", "link"),
     else (links inside an FAQ's answer) by its address: wa.me, the business's forms, other. */
  var KINDS = { whatsapp: "redirect_whatsapp", form: "redirect_form", link: "redirect_link" };
  function redirectKind(url, kind) {
    if (KINDS[kind]) return KINDS[kind];
    if (/^https:\/\/wa\.me\//.test(url)) return KINDS.whatsapp;
    var bare = url.split(/[?#]/)[0].replace(/\/$/, "");
    var isForm = (config.form_urls || []).some(function (form) {
      return form.split(/[?#]/)[0].replace(/\/$/, "") === bare;
    });
    return isForm ? KINDS.form : KINDS.link;
  }

  /* Counted by the business's statistics (POST /api/v1/events); the link opens regardless. */
  function redirect(url, kind) {
    try {
      fetch(config.events, {
        method: "POST",
        credentials: "omit",
        keepalive: true,
        headers: headers(true),
        body: JSON.stringify({ kind: redirectKind(url, kind) })
      }).catch(function () {});
    } catch (e) { /* counting never blocks the link */ }
  }

  /* The one place a link click is handled: every link shown (an FAQ answer's, `link` null, or
     a links reply's, which carries the kind the server gave it) is counted when clicked. */
  function linkShown(a, link) {
    a.addEventListener("click", function () {
      redirect(a.href, link ? link.kind : null);
    });
  }

  /* The built-in form (webforms' form step): labelled fields, errors tied to their field. */
  var formCount = 0;
  function formReply(reply) {
    view.last = reply;
    composer.textContent = "";
    var form = el("form", "kw-form");
    form.noValidate = true;
    formCount += 1;
    if (reply.title) form.appendChild(el("h2", "", reply.title));
    var values = reply.values || {};
    var errors = reply.errors || {};
    var prefill = { name: visitor && visitor.name, email: visitor && visitor.email };
    var inputs = [];
    (reply.fields || []).forEach(function (f) {
      var id = "kw-f" + formCount + "-" + f.name;
      var row = el("div", "field");
      var label = el("label", "", f.label);
      label.htmlFor = id;
      row.appendChild(label);
      var input = el(f.type === "textarea" ? "textarea" : "input");
      if (f.type !== "textarea") input.type = f.type || "text";
      input.id = id;
      input.name = f.name;
      if (f.required) input.required = true;
      if (f.autocomplete) input.setAttribute("autocomplete", f.autocomplete);
      input.value = values[f.name] || prefill[f.name] || "";
      row.appendChild(input);
      if (errors[f.name]) {
        var error = el("p", "field-error", errors[f.name]);
        error.id = id + "-error";
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", error.id);
        row.appendChild(error);
      }
      inputs.push(input);
      form.appendChild(row);
    });
    var consent = null;
    if (reply.consent) {
      var cl = el("label", "consent");
      consent = el("input");
      consent.type = "checkbox";
      consent.name = "consent";
      consent.checked = !!values.consent;
      cl.appendChild(consent);
      cl.appendChild(el("span", "", reply.consent.text));
      form.appendChild(cl);
      if (errors.consent) form.appendChild(el("p", "field-error", errors.consent));
    }
    var submit = el("button", "btn primary", reply.submit || ui.send);
    submit.type = "submit";
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = {};
      var missing = null;
      inputs.forEach(function (input) {
        data[input.name] = input.value.trim();
        if (input.required && !data[input.name] && !missing) missing = input;
      });
      if (missing) {
        missing.setAttribute("aria-invalid", "true");
        missing.focus();
        return;
      }
      if (consent) data.consent = consent.checked;
      send({ payload: { form: data } }, null);
    });
    composer.appendChild(form);
    var invalid = form.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
  }

  function render(replies) {
    composer.textContent = "";
    view.last = null;
    var asked = false;
    replies.forEach(function (reply) {
      if (reply.type === "form") formReply(reply);
      else view.reply(reply);
      if (reply.type === "input" || reply.type === "form") asked = true;
    });
    if (!asked) freeText();
    scroll();
  }

  /* After a hand-off the team answers from the inbox: their replies are fetched every few
     seconds while a person has the chat, rarely otherwise (channels.chat_turn.live_replies). */
  var cursor = null;
  var withPerson = false;
  var liveTimer = null;
  var FAST = 3000;
  var SLOW = 15000;

  function live(delay) {
    if (!session) return;
    clearTimeout(liveTimer);
    liveTimer = setTimeout(poll, delay);
  }

  function poll() {
    if (document.hidden) return live(SLOW);
    var query = "?session=" + encodeURIComponent(session) + "&language=" + encodeURIComponent(language);
    if (cursor !== null) query += "&after=" + encodeURIComponent(cursor);
    fetch(config.api + "/chat/live" + query, { credentials: "omit", headers: headers(false) })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data) {
          (data.replies || []).forEach(function (reply) {
            if (reply.text) bubble(reply.text, "bot agent");
          });
          if (data.replies && data.replies.length) {
            scroll();
            hostEvent("message", { count: data.replies.length });
          }
          cursor = data.cursor;
          if (data.with_person && !withPerson) hostEvent("handoff", {});
          withPerson = data.with_person;
        }
        live(withPerson ? FAST : SLOW);
      })
      .catch(function () {
        live(SLOW);
      });
  }

  function apply(settings) {
    ui = settings.strings || {};
    language = settings.language || language;
    document.documentElement.style.setProperty("--brand", settings.color);
    if (settings.logo) {
      var logo = document.getElementById("logo");
      logo.src = settings.logo;
      logo.hidden = false;
    }
    if (!settings.open_now) {
      var offline = document.getElementById("offline");
      offline.textContent = settings.offline_message;
      offline.hidden = false;
    }
    bubble(settings.greeting, "bot greeting");
  }

  fetch(config.api + "/settings?language=" + encodeURIComponent(language), {
    credentials: "omit",
    headers: headers(false)
  })
    .then(KazanChat.result)
    .then(function (result) {
      if (!result.ok) {
        bubble(result.data.message || "", "bot error");
        return;
      }
      apply(result.data);
      send({ action: "start" });
    })
    .catch(function () {
      bubble("…", "bot error");
    });
  toHost({ type: "ready" });
})();
