/* The landing-page chat: posts answers as JSON and fetches the team's live replies. The replies
   are rendered by the shared chat/render.js (KazanChat). No libraries; every word shown comes
   from the server (the replies, or the #chat-ui JSON block). */
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var composer = document.getElementById("composer");
  var ui = JSON.parse(document.getElementById("chat-ui").textContent);
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  var url = chat.getAttribute("data-url");
  var busy = false;
  var view = KazanChat.renderer({
    chat: chat,
    composer: composer,
    ui: function () {
      return ui;
    },
    send: send,
    autofocus: true,
    commandText: true
  });
  var el = view.el;
  var bubble = view.bubble;
  var scroll = view.scroll;

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
      .then(KazanChat.result)
      .then(function (result) {
        typing.remove();
        busy = false;
        if (!result.ok) {
          bubble(result.data.message || ui.error, "bot error");
          if (view.last) render([view.last]);
          return;
        }
        render(result.data.replies || []);
        live(0); // a hand-off may have just happened: ask at once who has the thread
      })
      .catch(function () {
        typing.remove();
        busy = false;
        bubble(ui.network, "bot error");
        if (view.last) render([view.last]);
      });
  }

  function render(replies) {
    clearComposer();
    replies.forEach(view.reply);
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
    view.askInput({ type: "input", input: "text", label: ui.yourAnswer });
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
