// The dashboard's and the console's navigation fold behind a menu button on small screens
// (app.css). Marks the bar collapsible only when this script runs, so without JavaScript the
// links stay visible. Escape closes the open menu and gives the focus back to the button.
(function () {
  "use strict";
  document.querySelectorAll("[data-nav-toggle]").forEach(function (button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    var bar = button.closest(".topbar");
    if (!menu || !bar) return;
    bar.setAttribute("data-collapsible", "");
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("is-open")) {
        set(false);
        button.focus();
      }
    });
  });
})();
