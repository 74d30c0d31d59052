/*
 * Log tab: the messages sent from or received at one practice number (Twilio's list, read when
 * the tab is looked at), one message's detail with its media and delete, and the unmatched texts
 * (inbound texts from numbers on no chart, from the plugin's own record).
 * Uses core.js through smsApp; adds the Log functions app.js and send.js call. Same rules as
 * core.js: no Django markers, API values only as text, media only from the API's own URLs.
 *
 * data-testid hooks:
 *   log-number log-direction                 pickers
 *   log-state                                loading / empty / error / notice line
 *   message-list message-item                list and one message (button, data-sid)
 *   status-badge media-count                 badges (data-status on status-badge)
 *   log-load-more                            next page
 *   message-detail detail-back detail-body detail-meta detail-error
 *   detail-media (media-image media-audio media-video media-download, drawn by core.js)
 *   detail-delete detail-message             delete button / detail error line
 *   confirm-dialog confirm-cancel confirm-delete
 * Unmatched texts
 *   log-unmatched unmatched-view unmatched-back unmatched-state unmatched-list unmatched-item
 */
(() => {
  "use strict";
  const {
    state, $, el, plural, api, errorText,
    phoneLabel, practiceLabel, formatTime, formatFullTime, statusBadge, confirmDialog, mediaView,
  } = smsApp;

  const log = { direction: "from", messages: [], nextPage: null, requestId: 0, openSid: null, stale: true };
  let unmatchedRequestId = 0;

  // ---------- the list ----------

  function renderLogNumbers() {
    const select = $("log-number");
    const previous = select.value;
    select.replaceChildren(...state.phones.map((phone) => el("option", { value: phone.phoneNumber }, phoneLabel(phone))));
    if (state.phones.some((phone) => phone.phoneNumber === previous)) select.value = previous;
    select.disabled = state.phones.length === 0;
    if (!previous || select.value !== previous) refreshLogWhenShown();
  }

  // The Log costs a Twilio request: load it when the clinician looks at it, not on every open.
  function refreshLogWhenShown() {
    log.stale = true;
    if (!$("panel-log").hidden) loadMessages();
  }

  /** The Log tab was selected: load the list if something changed while it was hidden. */
  function logShown() {
    if (log.stale && state.phones.length) loadMessages();
  }

  function setLogState(kind, text) {
    $("log-state").className = `state ${kind}`;
    $("log-state").textContent = text;
  }

  async function loadMessages(append = false) {
    log.stale = false;
    const number = $("log-number").value;
    closeDetail(false);
    if (!number) {
      $("message-list").replaceChildren();
      $("log-load-more").hidden = true;
      setLogState("empty", "This Twilio account has no phone numbers yet.");
      return;
    }
    const requestId = ++log.requestId;
    const direction = $("log-direction").value;
    let path = `/message_list/${encodeURIComponent(number)}/${direction}?pageSize=50`;
    if (append) path += `&page=${encodeURIComponent(log.nextPage)}`;
    else {
      log.messages = [];
      $("message-list").replaceChildren();
      $("log-load-more").hidden = true;
    }
    setLogState("loading", append ? "Loading more messages…" : "Loading messages…");
    $("log-load-more").disabled = true;
    try {
      const data = await api(path);
      if (requestId !== log.requestId) return;
      log.direction = direction;
      log.messages = log.messages.concat(Array.isArray(data.messages) ? data.messages : []);
      log.nextPage = data.nextPage ?? null;
      renderMessages();
    } catch (error) {
      if (requestId !== log.requestId) return;
      setLogState("error", `Could not load messages: ${errorText(error)}`);
    } finally {
      $("log-load-more").disabled = false;
    }
  }

  function messageTime(message) {
    return message.sent || message.created || "";
  }

  function renderMessages() {
    const sorted = [...log.messages].sort((a, b) => (Date.parse(messageTime(b)) || 0) - (Date.parse(messageTime(a)) || 0));
    $("message-list").replaceChildren(...sorted.map(messageItem));
    $("log-load-more").hidden = !log.nextPage;
    if (sorted.length === 0) setLogState("empty", "No messages yet");
    else setLogState("", `${plural(sorted.length, "message")}${log.nextPage ? " (more available)" : ""}`);
  }

  function messageItem(message) {
    const counterpart = log.direction === "from" ? message.to : message.from;
    const time = messageTime(message);
    return el("li", {},
      el("button", { type: "button", className: "message", "data-testid": "message-item", "data-sid": message.sid, onclick: () => openMessage(message.sid) },
        el("span", { className: "message-top" },
          el("span", { className: "counterpart" }, log.direction === "from" ? "To " : "From ", counterpart || "unknown"),
          el("time", { datetime: time || null }, formatTime(time))),
        el("span", { className: "preview" }, message.bodyPreview || "(no text)"),
        el("span", { className: "message-meta" },
          statusBadge(message.status),
          message.mediaCount > 0 && el("span", { className: "chip", "data-testid": "media-count" },
            plural(message.mediaCount, "attachment")))));
  }

  // ---------- one message ----------

  async function openMessage(sid) {
    log.openSid = sid;
    $("log-list-view").hidden = true;
    const detail = $("message-detail");
    detail.hidden = false;
    detail.replaceChildren(backButton(), el("p", { className: "state loading" }, "Loading message…"));
    detail.querySelector("button").focus();
    try {
      const data = await api(`/message/${encodeURIComponent(sid)}`);
      if (log.openSid !== sid) return;
      renderDetail(data.message || {}, Array.isArray(data.media) ? data.media : []);
    } catch (error) {
      if (log.openSid !== sid) return;
      detail.replaceChildren(backButton(), el("p", { className: "error-box", "data-testid": "detail-message" }, `Could not open the message: ${errorText(error)}`));
    }
  }

  function backButton() {
    return el("button", { type: "button", className: "button link", "data-testid": "detail-back", onclick: () => closeDetail(true) }, "← Back to messages");
  }

  function closeDetail(restoreFocus) {
    const sid = log.openSid;
    log.openSid = null;
    $("unmatched-view").hidden = true;
    $("log-pickers").hidden = false;
    $("log-unmatched").hidden = false;
    $("message-detail").hidden = true;
    $("message-detail").replaceChildren();
    $("log-list-view").hidden = false;
    if (!restoreFocus) return;
    const item = [...document.querySelectorAll('[data-testid="message-item"]')].find((node) => node.dataset.sid === sid);
    (item || $("log-number")).focus();
  }

  function renderDetail(message, media) {
    const rows = [
      ["From", message.from], ["To", message.to], ["Direction", message.direction], ["Status", message.status],
      ["Sent", formatFullTime(message.sent)], ["Created", formatFullTime(message.created)],
      ["Segments", message.segments], ["Price", message.price ? `${message.price} ${message.priceUnit || ""}`.trim() : "—"],
    ];
    const failed = ["failed", "undelivered"].includes(message.status) || Boolean(message.errorCode);
    const parts = [
      el("div", { className: "detail-head" }, backButton(), statusBadge(message.status)),
      failed && el("div", { className: "error-box", "data-testid": "detail-error" },
        el("strong", {}, message.errorCode ? `Error ${message.errorCode}` : "Not delivered",
          message.errorMessage ? `: ${message.errorMessage}` : ""),
        message.errorExplanation && el("p", {}, message.errorExplanation)),
      el("p", { className: "body", "data-testid": "detail-body" }, message.body || "(no text)"),
      el("dl", { className: "meta", "data-testid": "detail-meta" },
        rows.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value ?? "—")])),
      media.length > 0 && el("div", { className: "media", "data-testid": "detail-media" }, media.map(mediaView)),
      el("p", { className: "detail-message", role: "status", "data-testid": "detail-message" }),
      el("button", { type: "button", className: "button danger", "data-testid": "detail-delete", onclick: (event) => deleteMessage(message.sid, event.currentTarget) }, "Delete message"),
    ];
    $("message-detail").replaceChildren(...parts.filter(Boolean));
  }

  async function deleteMessage(sid, button) {
    if (!(await confirmDialog("Delete this message from Twilio? This cannot be undone."))) {
      button.focus();
      return;
    }
    const line = document.querySelector('#message-detail [data-testid="detail-message"]');
    button.disabled = true;
    line.className = "detail-message";
    line.textContent = "Deleting…";
    try {
      await api(`/message_delete/${encodeURIComponent(sid)}`, { method: "DELETE" });
      log.messages = log.messages.filter((message) => message.sid !== sid);
      closeDetail(false);
      renderMessages();
      setLogState("notice", "Message deleted.");
      $("log-number").focus();
    } catch (error) {
      button.disabled = false;
      line.className = "detail-message error-box";
      line.textContent = `Could not delete: ${errorText(error)}`;
    }
  }

  // ---------- unmatched texts ----------

  /** Inbound texts from numbers on no chart, newest first (from the plugin's record, no Twilio cost). */
  async function showUnmatched() {
    const requestId = ++unmatchedRequestId;
    closeDetail(false);
    $("log-list-view").hidden = true;
    $("log-pickers").hidden = true;
    $("log-unmatched").hidden = true;
    $("unmatched-view").hidden = false;
    $("unmatched-list").replaceChildren();
    $("unmatched-state").className = "state loading";
    $("unmatched-state").textContent = "Loading unmatched texts…";
    $("unmatched-back").focus();
    try {
      const data = await api("/unmatched");
      if (requestId !== unmatchedRequestId) return;
      const messages = Array.isArray(data.messages) ? data.messages : [];
      $("unmatched-list").replaceChildren(...messages.map(unmatchedItem));
      $("unmatched-state").className = messages.length ? "state" : "state empty";
      $("unmatched-state").textContent = messages.length ? plural(messages.length, "text") : "No texts from unknown numbers.";
    } catch (error) {
      if (requestId !== unmatchedRequestId) return;
      $("unmatched-state").className = "state error";
      $("unmatched-state").textContent = `Could not load unmatched texts: ${errorText(error)}`;
    }
  }

  function unmatchedItem(message) {
    return el("li", { className: "message unmatched", "data-testid": "unmatched-item", "data-sid": message.sid },
      el("span", { className: "message-top" },
        el("span", { className: "counterpart" }, "From ", message.patientNumber || "unknown"),
        el("time", { datetime: message.created || null }, formatTime(message.created))),
      el("span", { className: "unmatched-to muted" }, "to ", practiceLabel(message.practiceNumber)),
      el("span", { className: "unmatched-body" }, message.body || "(no text)"),
      message.mediaCount > 0 && el("span", { className: "chip" }, plural(message.mediaCount, "attachment")));
  }

  function hideUnmatched() {
    unmatchedRequestId += 1;
    $("unmatched-view").hidden = true;
    $("log-pickers").hidden = false;
    $("log-unmatched").hidden = false;
    $("log-list-view").hidden = false;
    $("log-unmatched").focus();
  }

  Object.assign(smsApp, { renderLogNumbers, refreshLogWhenShown, logShown, loadMessages, showUnmatched, hideUnmatched });
})();
