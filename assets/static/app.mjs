// Health Passport's only script. Every page works without it: it turns on
// the NHS design system's enhancements and makes htmx swaps accessible.
import { initAll } from "/assets/nhsuk-frontend.min.js";

document.body.classList.add("nhsuk-frontend-supported");
initAll();

// Every signed-in page has a form with the session's anti-forgery token
// (sign out, at least). The token changes at sign-in, and boosted pages keep
// the old <head>, so it is read from the page body each time.
const csrfToken = () => document.querySelector('input[name="csrf_token"]')?.value;

// Forms carry the token as a hidden field; requests htmx makes on its own
// carry it as a header.
document.addEventListener("htmx:config:request", (event) => {
  const token = csrfToken();
  if (token) event.detail.ctx.request.headers["X-CSRF-Token"] = token;
});

// Mark the region being reloaded as busy while a request runs.
document.addEventListener("htmx:before:request", (event) => {
  event.detail.ctx.target?.setAttribute("aria-busy", "true");
});
document.addEventListener("htmx:finally:request", (event) => {
  event.detail.ctx.target?.removeAttribute("aria-busy");
});

// After a swap, start the design system's components in the new content and
// move focus where a screen reader user expects it: to the error summary if
// there is one, otherwise to the new page's heading.
document.addEventListener("htmx:after:swap", (event) => {
  const target = event.detail.ctx.target;
  if (!target) return;
  initAll({ scope: target });
  const focusTarget =
    target.querySelector(".nhsuk-error-summary") ||
    (target === document.body ? target.querySelector("main h1") : null);
  if (focusTarget) {
    if (!focusTarget.hasAttribute("tabindex")) focusTarget.setAttribute("tabindex", "-1");
    focusTarget.focus();
  }
});

// Idle sign-out warning. The server ends a session that has been idle too
// long; a minute before, this shows a warning (no modal) with a button to
// stay. Without JavaScript, a meta refresh shows the same warning as a page.
const warnAfter = Number(document.querySelector('meta[name="idle-warning"]')?.content);
let warnTimer;
let endTimer;
const resetIdleTimers = () => {
  if (!warnAfter) return;
  clearTimeout(warnTimer);
  clearTimeout(endTimer);
  document.getElementById("idle-warning")?.replaceChildren();
  warnTimer = setTimeout(() => {
    const template = document.getElementById("idle-warning-template");
    const region = document.getElementById("idle-warning");
    if (!template || !region) return;
    region.replaceChildren(template.content.cloneNode(true));
    initAll({ scope: region });
    // Reloading after the session has ended shows the signed-out page.
    endTimer = setTimeout(() => location.reload(), 70 * 1000);
  }, warnAfter * 1000);
};
resetIdleTimers();
document.addEventListener("htmx:after:request", resetIdleTimers);

// Print buttons need JavaScript, so they start hidden; without it the page
// says to use the browser's print option.
for (const button of document.querySelectorAll("[data-print-page]")) {
  button.hidden = false;
}
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print-page]")) window.print();
});
