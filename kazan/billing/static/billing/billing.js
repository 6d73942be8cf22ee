// The upgrade dialog: buttons with data-dialog-open="<id>" open the <dialog> of that id.
// No inline handlers (strict CSP); the dialog's own <form method="dialog"> closes it.
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-dialog-open]");
  if (!opener) return;
  const dialog = document.getElementById(opener.dataset.dialogOpen);
  if (dialog && typeof dialog.showModal === "function") {
    event.preventDefault();
    dialog.showModal();
  }
});
