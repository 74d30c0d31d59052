/*
 * Twilio SMS/MMS chart-pane app, last file: the tabs, the phone list every tab draws from, the
 * event wiring and the start. The other files only define; this one runs (see core.js for the
 * list of files and the rules they all keep: no Django markers, API values only as text).
 *
 * data-testid hooks:
 *   tab-log tab-send tab-phones              tabs (role=tab, aria-selected)
 *   tab-send-new                             dot on Send: new texts not seen yet (thread.js)
 *   panel-log panel-send panel-phones        tab panels
 */
(() => {
  "use strict";
  const {
    config, state, $, el, errorText, showConfigProblems, loadPhones, thread,
    renderLogNumbers, logShown, loadMessages, showUnmatched, hideUnmatched,
    renderSendFrom, chooseSender, updateSendForm, normaliseRecipient, clearFieldError, sendMessage,
    renderPhoneCards,
  } = smsApp;

  // ---------- tabs ----------

  function selectTab(name, focus = false) {
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      const selected = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !selected;
      if (selected && focus) tab.focus();
    }
    thread.setShown(name === "send");
    if (name === "send") thread.scrollToNewest();
    if (name === "log") logShown();
  }

  function moveTabFocus(event) {
    const tabs = [...document.querySelectorAll('[role="tab"]')];
    const current = tabs.findIndex((tab) => tab.getAttribute("aria-selected") === "true");
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    selectTab(tabs[(current + step + tabs.length) % tabs.length].dataset.tab, true);
  }

  // ---------- the phone list, drawn by every tab ----------

  function showPhones() {
    $("phones-state").className = $("log-state").className = "state loading";
    $("phones-state").textContent = $("log-state").textContent = "Loading numbers…";
    return loadPhones().then(applyPhones, showPhonesError);
  }

  function applyPhones() {
    renderLogNumbers();
    renderSendFrom();
    renderPhoneCards();
    thread.rerender();
    if (!$("send-callback").value) $("send-callback").value = state.pluginUrls.status || "";
    if ($("send-result").dataset.phonesError) $("send-result").replaceChildren();
    delete $("send-result").dataset.phonesError;
  }

  function showPhonesError(error) {
    const text = `Could not load the Twilio numbers: ${errorText(error)}`;
    for (const id of ["phones-state", "log-state"]) {
      $(id).textContent = text;
      $(id).className = "state error";
    }
    $("send-result").replaceChildren(el("p", { className: "error-box", "data-testid": "send-error" }, text));
    $("send-result").dataset.phonesError = "1";
    for (const id of ["log-number", "send-from"]) {
      $(id).replaceChildren(el("option", { value: "" }, "Numbers unavailable"));
      $(id).disabled = true;
    }
  }

  function refreshPhones() {
    $("phone-list").replaceChildren();
    return loadPhones(true).then(applyPhones, showPhonesError);
  }

  // ---------- wiring ----------

  function start() {
    showConfigProblems();
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      tab.addEventListener("click", () => selectTab(tab.dataset.tab));
      tab.addEventListener("keydown", moveTabFocus);
    }
    $("log-number").addEventListener("change", () => loadMessages());
    $("log-direction").addEventListener("change", () => loadMessages());
    $("log-load-more").addEventListener("click", () => loadMessages(true));
    $("confirm-cancel").addEventListener("click", () => $("confirm-dialog").close("cancel"));
    $("confirm-ok").addEventListener("click", () => $("confirm-dialog").close("confirm"));
    $("consent-cancel").addEventListener("click", () => $("consent-dialog").close("cancel"));
    $("consent-ok").addEventListener("click", () => $("consent-dialog").close("confirm"));
    $("log-unmatched").addEventListener("click", showUnmatched);
    $("unmatched-back").addEventListener("click", hideUnmatched);
    $("send-from").addEventListener("change", chooseSender);
    $("send-to").addEventListener("input", updateSendForm);
    $("send-to").addEventListener("blur", normaliseRecipient);
    $("send-text").addEventListener("input", updateSendForm);
    $("send-media").addEventListener("input", updateSendForm);
    // Added after updateSendForm: on send-to, that still sees the server's aria-invalid first.
    for (const input of document.querySelectorAll("#send-form input, #send-form textarea, #send-form select")) {
      input.addEventListener("input", clearFieldError);
    }
    $("send-form").addEventListener("submit", sendMessage);
    $("phones-refresh").addEventListener("click", refreshPhones);
    $("send-callback").value = state.pluginUrls.status || "";
    selectTab(config.patientId ? "send" : "log");
    updateSendForm();
    showPhones();
    thread.start();
  }

  start();
})();
