"use strict";
/*
 * Twilio SMS/MMS chart-pane app: three tabs (Log, Send, Phones) over the plugin's JSON API.
 * Inlined into templates/sms_app.html by Django's include: never write two-character Django
 * markers (brace+brace, brace+percent, brace+hash) in this file.
 * Every value from the API goes into the DOM as text (textContent, createElement, setAttribute),
 * never as HTML. Media src/href only come from the API's own relative urls.
 *
 * data-testid hooks for the browser tests:
 *   banner                                   configuration / service problems
 *   tab-log tab-send tab-phones              tabs (role=tab, aria-selected)
 *   tab-send-new                             dot on Send: new texts not seen yet (thread.js)
 *   panel-log panel-send panel-phones        tab panels
 * Log
 *   log-number log-direction                 pickers
 *   log-state                                loading / empty / error / notice line
 *   message-list message-item                list and one message (button, data-sid)
 *   status-badge media-count                 badges (data-status on status-badge)
 *   log-load-more                            next page
 *   message-detail detail-back detail-body detail-meta detail-error
 *   detail-media media-image media-audio media-video media-download
 *   detail-delete detail-message             delete button / detail error line
 *   confirm-dialog confirm-cancel confirm-delete
 * Send
 *   send-from send-to send-to-message send-text send-counter send-encoding-warning
 *   send-media send-media-message send-callback send-button send-result
 *   send-error send-sid send-status
 *   consent-dialog consent-text consent-cancel consent-send
 *   (thread, To picker and quick replies: see the list at the top of thread.js)
 * Log, unmatched texts
 *   log-unmatched unmatched-view unmatched-back unmatched-state unmatched-list unmatched-item
 *   config-warnings                          softer banner for configuration warnings
 * Phones
 *   phones-state phones-refresh phone-list phone-card (data-sid) phone-capability
 *   phone-status phone-plugin-badge phone-inbound phone-status-callback
 *   phone-webhook-url phone-webhook-method phone-save phone-use-plugin phone-message
 */
(() => {
  const config = JSON.parse(document.getElementById("sms-app-config").textContent || "null") || {};
  const apiBase = String(config.apiBase || "/plugin-io/api/twilio_sms_mms").replace(/\/+$/, "");
  const $ = (id) => document.getElementById(id);
  const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

  const E164 = /^\+[1-9]\d{6,14}$/;
  const BODY_MAX_CHARS = 1600;
  const MEDIA_MAX = 10;
  const POLL_EVERY_MS = 2000;
  const POLL_FOR_MS = 30000;
  const FINAL_STATUSES = new Set(["delivered", "undelivered", "failed", "received", "read", "canceled"]);
  const STATUS_TONES = {
    delivered: "good", received: "good", read: "good",
    sent: "info", sending: "info", queued: "neutral", accepted: "neutral", scheduled: "neutral",
    receiving: "neutral", failed: "bad", undelivered: "bad", canceled: "bad",
  };

  const state = {
    phonesPromise: null,
    phones: [],
    pluginUrls: config.pluginUrls || {},
    lastFromSid: null,
    log: { direction: "from", messages: [], nextPage: null, requestId: 0, openSid: null, stale: true },
    sending: false,
    pollTimer: null,
    lastSentSid: null,
    unmatchedRequestId: 0,
  };

  // ---------- helpers ----------

  /** Create an element; attributes via setAttribute (functions become on* listeners), children as text. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (typeof value === "function") node.addEventListener(name.slice(2), value);
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function apiError(message, status, twilioCode = null, field = null, reason = null) {
    return Object.assign(new Error(message), { status, twilioCode: twilioCode ?? null, field: field || null, reason: reason || null });
  }

  /** Call the plugin API; resolves with the JSON body, rejects with an Error whose message has words. */
  async function api(path, { method = "GET", body } = {}) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(apiBase + path, init);
    } catch (networkError) {
      throw apiError("Could not reach the server. Check the connection and try again.", 0);
    }
    let data = null;
    try {
      data = JSON.parse(await response.text());
    } catch (notJson) {
      data = null;
    }
    if (!response.ok) throw apiErrorFrom(response, data);
    if (data === null || typeof data !== "object") {
      throw apiError("The server sent an answer this page cannot read.", response.status);
    }
    return data;
  }

  function apiErrorFrom(response, data) {
    const detail = data && typeof data.error === "object" && data.error ? data.error : {};
    let message = detail.message || (data && typeof data.error === "string" ? data.error : "");
    // A 401 carrying a Twilio code is Twilio refusing the plugin's credentials, not the session.
    if (response.status === 401 && !detail.twilioCode) {
      message = "Your Canvas session has expired. Reload the chart and try again.";
    }
    if (!message) message = `The server answered ${response.status} ${response.statusText}`.trim() + ".";
    if (response.status === 503 || detail.twilioCode === 20003) showBanner(message);
    return apiError(message, response.status, detail.twilioCode, detail.field, detail.reason);
  }

  function errorText(error) {
    const message = error && error.message ? error.message : "Something went wrong.";
    return error && error.twilioCode ? `${message} (Twilio error ${error.twilioCode})` : message;
  }

  function isOwnUrl(url) {
    return typeof url === "string" && url.startsWith(apiBase + "/");
  }

  function phoneLabel(phone) {
    const label = phone.label && phone.label !== phone.phoneNumber ? phone.label : "";
    return label ? `${label} · ${phone.phoneNumber}` : String(phone.phoneNumber || phone.sid);
  }

  function formatTime(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    const now = new Date();
    const time = date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
    if (date.toDateString() === now.toDateString()) return `Today ${time}`;
    const sameYear = date.getFullYear() === now.getFullYear();
    const day = date.toLocaleDateString([], { month: "short", day: "numeric", year: sameYear ? undefined : "numeric" });
    return `${day}, ${time}`;
  }

  function formatFullTime(iso) {
    if (!iso) return "—";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString([], { dateStyle: "medium", timeStyle: "medium" });
  }

  function formatSize(bytes) {
    if (typeof bytes !== "number") return "";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function statusTone(status) {
    return STATUS_TONES[status] || "neutral";
  }

  function statusBadge(status) {
    const text = String(status || "unknown");
    return el("span", { className: `badge ${statusTone(text)}`, "data-testid": "status-badge", "data-status": text }, text);
  }

  /** "Main line (+15550100001)" for a practice number the phone list knows ("Main line" if short). */
  function practiceLabel(number, short = false) {
    const phone = state.phones.find((item) => item.phoneNumber === number);
    const label = phone && phone.label && phone.label !== number ? phone.label : "";
    if (!label) return String(number || "unknown number");
    return short ? label : `${label} (${number})`;
  }

  function showBanner(message) {
    const banner = $("banner");
    if ([...banner.children].some((line) => line.textContent === message)) return;
    banner.append(el("p", {}, message));
    banner.hidden = false;
  }

  // ---------- message length (pure) ----------

  const GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  const GSM_EXTENSION = "^{}\\[]~|€\f";

  /**
   * Characters, encoding and segments of an SMS body. GSM-7 counts septets (extension
   * characters count 2); one character outside GSM-7 turns the whole body into UCS-2,
   * which counts UTF-16 code units. forcingChar is that first character (or null).
   */
  function countSegments(text) {
    const characters = [...String(text || "")];
    let septets = 0;
    let forcingChar = null;
    for (const ch of characters) {
      if (GSM_BASIC.includes(ch)) septets += 1;
      else if (GSM_EXTENSION.includes(ch)) septets += 2;
      else { forcingChar = ch; break; }
    }
    const encoding = forcingChar === null ? "GSM-7" : "UCS-2";
    const units = encoding === "GSM-7" ? septets : String(text || "").length;
    const [single, multi] = encoding === "GSM-7" ? [160, 153] : [70, 67];
    const segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
    return { encoding, chars: characters.length, units, segments, unitsPerSegment: segments > 1 ? multi : single, forcingChar };
  }

  function describeChar(ch) {
    const code = ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
    return /\s/.test(ch) ? `An invisible character (U+${code})` : `The character ${ch} (U+${code})`;
  }

  // ---------- tabs and banner ----------

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
    if (name === "log" && state.log.stale && state.phones.length) loadMessages();
  }

  function moveTabFocus(event) {
    const tabs = [...document.querySelectorAll('[role="tab"]')];
    const current = tabs.findIndex((tab) => tab.getAttribute("aria-selected") === "true");
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    selectTab(tabs[(current + step + tabs.length) % tabs.length].dataset.tab, true);
  }

  function showConfigProblems() {
    const problems = Array.isArray(config.configProblems) ? config.configProblems : [];
    if (problems.length) showBanner(`Twilio is not configured: ${problems.join("; ")}`);
    const warnings = (Array.isArray(config.configWarnings) ? config.configWarnings : []).filter(Boolean);
    $("warnings").replaceChildren(...warnings.map((warning) => el("p", {}, String(warning))));
    $("warnings").hidden = warnings.length === 0;
  }

  // ---------- phone list (fetched once per open, shared) ----------

  function loadPhones(force = false) {
    if (!state.phonesPromise || force) {
      state.phonesPromise = api("/phone_list").then((data) => {
        state.phones = Array.isArray(data.phones) ? data.phones : [];
        state.pluginUrls = { ...(data.pluginUrls || {}), ...(config.pluginUrls || {}) };
        return state.phones;
      });
    }
    return state.phonesPromise;
  }

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

  // ---------- Log tab ----------

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
    state.log.stale = true;
    if (!$("panel-log").hidden) loadMessages();
  }

  function setLogState(kind, text) {
    $("log-state").className = `state ${kind}`;
    $("log-state").textContent = text;
  }

  async function loadMessages(append = false) {
    const log = state.log;
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
    const log = state.log;
    const sorted = [...log.messages].sort((a, b) => (Date.parse(messageTime(b)) || 0) - (Date.parse(messageTime(a)) || 0));
    $("message-list").replaceChildren(...sorted.map(messageItem));
    $("log-load-more").hidden = !log.nextPage;
    if (sorted.length === 0) setLogState("empty", "No messages yet");
    else setLogState("", `${plural(sorted.length, "message")}${log.nextPage ? " (more available)" : ""}`);
  }

  function messageItem(message) {
    const counterpart = state.log.direction === "from" ? message.to : message.from;
    const time = messageTime(message);
    return el("li", {},
      el("button", { type: "button", className: "message", "data-testid": "message-item", "data-sid": message.sid, onclick: () => openMessage(message.sid) },
        el("span", { className: "message-top" },
          el("span", { className: "counterpart" }, state.log.direction === "from" ? "To " : "From ", counterpart || "unknown"),
          el("time", { datetime: time || null }, formatTime(time))),
        el("span", { className: "preview" }, message.bodyPreview || "(no text)"),
        el("span", { className: "message-meta" },
          statusBadge(message.status),
          message.mediaCount > 0 && el("span", { className: "chip", "data-testid": "media-count" },
            plural(message.mediaCount, "attachment")))));
  }

  async function openMessage(sid) {
    state.log.openSid = sid;
    $("log-list-view").hidden = true;
    const detail = $("message-detail");
    detail.hidden = false;
    detail.replaceChildren(backButton(), el("p", { className: "state loading" }, "Loading message…"));
    detail.querySelector("button").focus();
    try {
      const data = await api(`/message/${encodeURIComponent(sid)}`);
      if (state.log.openSid !== sid) return;
      renderDetail(data.message || {}, Array.isArray(data.media) ? data.media : []);
    } catch (error) {
      if (state.log.openSid !== sid) return;
      detail.replaceChildren(backButton(), el("p", { className: "error-box", "data-testid": "detail-message" }, `Could not open the message: ${errorText(error)}`));
    }
  }

  function backButton() {
    return el("button", { type: "button", className: "button link", "data-testid": "detail-back", onclick: () => closeDetail(true) }, "← Back to messages");
  }

  function closeDetail(restoreFocus) {
    const sid = state.log.openSid;
    state.log.openSid = null;
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

  function mediaView(item, index) {
    const type = String(item.contentType || "application/octet-stream");
    if (!isOwnUrl(item.url)) return el("p", { className: "chip" }, `Attachment ${index + 1} (${type}) is not available`);
    if (type.startsWith("image/")) {
      return el("a", { href: item.url, target: "_blank", rel: "noopener", className: "media-image" },
        el("img", { src: item.url, alt: `Image ${index + 1} (${type})`, loading: "lazy", "data-testid": "media-image" }));
    }
    if (type.startsWith("audio/")) return el("audio", { src: item.url, controls: true, preload: "none", "data-testid": "media-audio" });
    if (type.startsWith("video/")) return el("video", { src: item.url, controls: true, preload: "metadata", "data-testid": "media-video" });
    const size = formatSize(item.size);
    return el("a", { href: item.url, download: "", className: "download", "data-testid": "media-download" },
      `Download ${type}${size ? ` (${size})` : ""}`);
  }

  /** In-page confirmation; resolves true only when the user presses the confirm button. */
  function confirmDialog(text, name = "confirm") {
    const dialog = $(`${name}-dialog`);
    $(`${name}-text`).textContent = text;
    dialog.returnValue = "";
    dialog.showModal();
    $(`${name}-cancel`).focus();
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    });
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
      state.log.messages = state.log.messages.filter((message) => message.sid !== sid);
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

  // ---------- Log tab: unmatched texts ----------

  /** Inbound texts from numbers on no chart, newest first (from the plugin's record, no Twilio cost). */
  async function showUnmatched() {
    const requestId = ++state.unmatchedRequestId;
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
      if (requestId !== state.unmatchedRequestId) return;
      const messages = Array.isArray(data.messages) ? data.messages : [];
      $("unmatched-list").replaceChildren(...messages.map(unmatchedItem));
      $("unmatched-state").className = messages.length ? "state" : "state empty";
      $("unmatched-state").textContent = messages.length ? plural(messages.length, "text") : "No texts from unknown numbers.";
    } catch (error) {
      if (requestId !== state.unmatchedRequestId) return;
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
    state.unmatchedRequestId += 1;
    $("unmatched-view").hidden = true;
    $("log-pickers").hidden = false;
    $("log-unmatched").hidden = false;
    $("log-list-view").hidden = false;
    $("log-unmatched").focus();
  }

  // ---------- Send tab ----------

  function smsPhones() {
    return state.phones.filter((phone) => phone.capabilities && phone.capabilities.sms);
  }

  function selectedSender() {
    return smsPhones().find((phone) => phone.sid === $("send-from").value) || null;
  }

  function renderSendFrom() {
    const select = $("send-from");
    const phones = smsPhones();
    select.replaceChildren(...phones.map((phone) => el("option", { value: phone.sid }, phoneLabel(phone))));
    if (phones.length === 0) select.append(el("option", { value: "" }, "No SMS-capable numbers"));
    if (phones.some((phone) => phone.sid === state.lastFromSid)) select.value = state.lastFromSid;
    select.disabled = phones.length === 0;
    chooseSender();
  }

  function chooseSender() {
    const sender = selectedSender();
    if (sender) state.lastFromSid = sender.sid;
    $("send-media-field").hidden = !(sender && sender.capabilities.mms);
    updateSendForm();
  }

  /** Accept "(555) 012-3456" style US numbers and spaced international ones; else leave as typed. */
  function normalisePhone(raw) {
    const typed = raw.trim();
    if (!/^[\d\s().+-]+$/.test(typed)) return typed;
    const digits = typed.replace(/\D/g, "");
    if (typed.startsWith("+")) return `+${digits}`;
    if (digits.length === 10) return `+1${digits}`;
    if (digits.length === 11 && digits.startsWith("1")) return `+${digits}`;
    return typed;
  }

  function mediaUrls() {
    if ($("send-media-field").hidden) return [];
    return $("send-media").value.split("\n").map((line) => line.trim()).filter(Boolean);
  }

  function mediaProblem(urls) {
    if (urls.length > MEDIA_MAX) return `At most ${MEDIA_MAX} media URLs (you have ${urls.length}).`;
    for (const url of urls) {
      let parsed = null;
      try { parsed = new URL(url); } catch (invalid) { parsed = null; }
      if (!parsed || parsed.protocol !== "https:") return `Not an https URL: ${url}`;
    }
    return "";
  }

  /** The number the composer will text: the To picker's choice, else the typed one. */
  function recipientNumber() {
    const chosen = thread.recipient();
    return chosen !== null ? chosen : normalisePhone($("send-to").value);
  }

  /** Say what is wrong or worth knowing about the recipient; true if a send may go ahead. */
  function checkRecipient() {
    const chosen = thread.recipient();
    const raw = $("send-to").value;
    const number = recipientNumber();
    const valid = E164.test(number);
    const line = $("send-to-message");
    if (chosen === null && $("send-to").getAttribute("aria-invalid") === "true") return valid;
    const sender = selectedSender();
    const verdict = valid ? thread.judge(number, sender ? sender.phoneNumber : "") : { refusal: "", notice: "" };
    let kind = "hint";
    let text = "";
    if (chosen === null && !raw.trim()) text = "International format, e.g. +15551234567";
    else if (!valid) {
      kind = "hint error";
      text = "Not a valid number: use + and the country code, e.g. +15551234567.";
    } else if (verdict.refusal) {
      kind = "hint error";
      text = verdict.refusal;
    } else if (verdict.notice) {
      kind = "hint warn";
      text = verdict.notice;
    } else if (chosen === null) {
      kind = "hint ok";
      text = number === raw.trim() ? "✓ Valid number" : `✓ Will be sent to ${number}`;
    }
    line.className = kind;
    line.textContent = text;
    line.hidden = !text;
    line.dataset.refused = String(Boolean(verdict.refusal));
    return valid && !verdict.refusal;
  }

  function normaliseRecipient() {
    const number = normalisePhone($("send-to").value);
    if (E164.test(number)) $("send-to").value = number;
    updateSendForm();
  }

  function updateCounter() {
    const count = countSegments($("send-text").value);
    const counter = $("send-counter");
    const over = count.chars > BODY_MAX_CHARS;
    counter.className = over ? "hint counter error" : "hint counter";
    counter.textContent = over
      ? `Too long: ${count.chars} of ${BODY_MAX_CHARS} characters`
      : `${count.chars}/${BODY_MAX_CHARS} characters · ${count.encoding} · ${plural(count.segments, "segment")}` +
        (count.segments > 1 ? ` (${count.unitsPerSegment} per segment)` : "");
    const warning = $("send-encoding-warning");
    warning.hidden = count.forcingChar === null;
    warning.textContent = count.forcingChar === null ? ""
      : `${describeChar(count.forcingChar)} switches this message to UCS-2: 70 characters per segment instead of 160.`;
    return count;
  }

  function updateSendForm() {
    const recipientOk = checkRecipient();
    const count = updateCounter();
    const urls = mediaUrls();
    const problem = mediaProblem(urls);
    $("send-media-message").className = problem ? "hint error" : "hint";
    $("send-media-message").textContent = problem || (urls.length ? plural(urls.length, "attachment") : "");
    const hasContent = $("send-text").value.trim() !== "" || urls.length > 0;
    const valid = Boolean(selectedSender()) && recipientOk && hasContent && count.chars <= BODY_MAX_CHARS && !problem;
    $("send-button").disabled = !valid || state.sending;
    $("send-button").textContent = state.sending ? "Sending…" : "Send";
    return valid;
  }

  function clearFieldError(event) {
    event.target.removeAttribute("aria-invalid");
  }

  const FIELD_INPUTS = {
    numberFrom: "send-from", numberFromSid: "send-from", numberTo: "send-to",
    text: "send-text", mediaUrl: "send-media", callbackUrl: "send-callback",
  };

  async function sendMessage(event) {
    event.preventDefault();
    if (state.sending || !updateSendForm()) return;
    normaliseRecipient();
    document.querySelectorAll("#send-form [aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
    const sender = selectedSender();
    const payload = {
      numberFrom: sender.phoneNumber, numberFromSid: sender.sid, numberTo: recipientNumber(),
      callbackUrl: $("send-callback").value.trim(), text: $("send-text").value, mediaUrl: mediaUrls(),
    };
    if (config.patientId) payload.patientId = String(config.patientId);
    await submitSend(payload, sender);
  }

  /** POST the send; on a consent refusal ask the clinician, and send again if they confirm. */
  async function submitSend(payload, sender) {
    state.sending = true;
    clearTimeout(state.pollTimer);
    updateSendForm();
    $("send-result").replaceChildren(el("p", { className: "state loading" }, "Sending…"));
    let sent = null;
    let failure = null;
    try {
      sent = (await api("/sms_send", { method: "POST", body: payload })).message || {};
      $("send-text").value = "";
      $("send-media").value = "";
    } catch (error) {
      failure = error;
    }
    state.sending = false;
    updateSendForm();
    if (failure && failure.reason === "consent_required" && !payload.confirmNoConsent) {
      $("send-result").replaceChildren();
      const question = `${thread.patientName()} has not consented to texts at this number. Send anyway?`;
      if (await confirmDialog(question, "consent")) await submitSend({ ...payload, confirmNoConsent: true }, sender);
      else $("send-result").replaceChildren(el("p", { className: "hint", "data-testid": "send-error" }, "Not sent."));
      return;
    }
    if (failure) {
      showSendError(failure);
      if (failure.reason === "opted_out" || failure.twilioCode === 21610) thread.load();
      return;
    }
    state.lastSentSid = sent.sid || null;
    showSent(sent);
    if (sent.sid && thread.hasPatient()) thread.insertSent(sent, payload.text);
    else if (sent.sid) pollStatus(sent.sid);
    if ($("log-number").value === sender.phoneNumber && $("log-direction").value === "from") refreshLogWhenShown();
  }

  function showSent(message) {
    $("send-result").replaceChildren(el("div", { className: "ok-box" },
      el("p", {}, `Sent to ${message.to || "the patient"} · `, el("span", { "data-testid": "send-status" }, statusBadge(message.status))),
      el("p", { className: "muted" }, "Message ID ", el("code", { "data-testid": "send-sid" }, message.sid || "—"),
        message.segments ? ` · ${plural(message.segments, "segment")}` : "",
        message.encoding ? ` · ${message.encoding}` : ""),
      el("p", { className: "muted", "data-testid": "send-poll" }, "Watching for delivery…")));
  }

  /** Keep the send confirmation's badge in step with the thread's live status of that message. */
  function syncSentStatus() {
    const status = state.lastSentSid && thread.status(state.lastSentSid);
    const badge = document.querySelector('[data-testid="send-status"]');
    const note = document.querySelector('[data-testid="send-poll"]');
    if (!status || !badge || !note || document.querySelector('[data-testid="send-sid"]').textContent !== state.lastSentSid) return;
    badge.replaceChildren(statusBadge(status));
    if (FINAL_STATUSES.has(status)) {
      note.textContent = ["failed", "undelivered"].includes(status) ? "Not delivered: see the message above." : "Final status.";
      note.className = ["failed", "undelivered"].includes(status) ? "error-box" : "muted";
    }
  }

  function showSendError(error) {
    $("send-result").replaceChildren(el("p", { className: "error-box", "data-testid": "send-error" }, `Not sent: ${errorText(error)}`));
    const input = error.field && $(FIELD_INPUTS[error.field] || "");
    if (input && input.id === "send-to" && thread.recipient() !== null) return;
    if (input) {
      if (input.id === "send-callback") input.closest("details").open = true;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      const line = $(`${input.id}-message`);
      if (line) {
        line.className = "hint error";
        line.textContent = error.message;
        line.hidden = false;
      }
    }
  }

  /** Poll the new message every 2 s for up to 30 s so the clinician sees it reach its final state. */
  function pollStatus(sid) {
    const started = Date.now();
    const tick = async () => {
      let message = null;
      try {
        message = (await api(`/message/${encodeURIComponent(sid)}`)).message;
      } catch (error) {
        message = null;
      }
      const badge = document.querySelector('[data-testid="send-status"]');
      const note = document.querySelector('[data-testid="send-poll"]');
      if (!badge || !note) return;
      if (message && message.status) badge.replaceChildren(statusBadge(message.status));
      if (message && FINAL_STATUSES.has(message.status)) {
        note.textContent = message.errorCode
          ? `Error ${message.errorCode}: ${message.errorExplanation || message.errorMessage || "not delivered"}`
          : "Final status.";
        note.className = message.errorCode ? "error-box" : "muted";
        return;
      }
      if (Date.now() - started >= POLL_FOR_MS) {
        note.textContent = "Still waiting for the carrier; check the Log tab later.";
        return;
      }
      state.pollTimer = setTimeout(tick, POLL_EVERY_MS);
    };
    state.pollTimer = setTimeout(tick, POLL_EVERY_MS);
  }

  // ---------- Phones tab ----------

  function renderPhoneCards() {
    $("phones-state").className = "state";
    $("phones-state").textContent = state.phones.length
      ? `${plural(state.phones.length, "number")} on this Twilio account`
      : "This Twilio account has no phone numbers yet.";
    $("phone-list").replaceChildren(...state.phones.map((phone) => phoneCard(phone)));
  }

  function phoneCard(phone, notice) {
    const caps = phone.capabilities || {};
    const webhook = phone.inboundWebhook || {};
    const urlInput = el("input", { type: "url", id: `webhook-${phone.sid}`, value: webhook.url || "", placeholder: "https://…", "data-testid": "phone-webhook-url" });
    const methodSelect = el("select", { "data-testid": "phone-webhook-method", "aria-label": "Inbound webhook method" },
      ["POST", "GET"].map((method) => el("option", { value: method, selected: (webhook.method || "POST").toUpperCase() === method }, method)));
    const line = el("p", { className: notice ? "hint ok" : "hint", role: "status", "data-testid": "phone-message" }, notice || "");
    const card = el("article", { className: "card", "data-testid": "phone-card", "data-sid": phone.sid },
      el("div", { className: "card-head" },
        el("div", {}, el("h3", {}, phone.label || phone.phoneNumber),
          phone.label && phone.label !== phone.phoneNumber && el("p", { className: "number" }, phone.phoneNumber)),
        el("span", { className: "badge neutral", "data-testid": "phone-status" }, phone.status || "unknown")),
      el("p", { className: "chips" },
        [["sms", "SMS"], ["mms", "MMS"], ["voice", "Voice"], ["fax", "Fax"]].map(([key, name]) =>
          el("span", { className: caps[key] ? "chip on" : "chip off", "data-testid": "phone-capability", "data-capability": key,
            "aria-label": `${name} ${caps[key] ? "supported" : "not supported"}` }, name)),
        phone.usesPluginInbound && el("span", { className: "badge good", "data-testid": "phone-plugin-badge" }, "Uses this plugin")),
      el("dl", { className: "meta" },
        el("dt", {}, "Inbound"), el("dd", { "data-testid": "phone-inbound" }, webhook.url ? `${webhook.method || "POST"} ${webhook.url}` : "not set"),
        el("dt", {}, "Status callback"), el("dd", { "data-testid": "phone-status-callback" }, phone.statusCallback || "none")),
      el("form", { className: "webhook-form", onsubmit: (event) => {
        event.preventDefault();
        saveWebhook(phone, urlInput.value.trim(), methodSelect.value, card);
      } },
        el("label", { className: "field", for: `webhook-${phone.sid}` }, "Inbound webhook (URL and method)"),
        el("div", { className: "row" }, urlInput, methodSelect),
        el("div", { className: "row" },
          el("button", { type: "submit", className: "button primary", "data-testid": "phone-save" }, "Save"),
          state.pluginUrls.inbound && !phone.usesPluginInbound && el("button", { type: "button", className: "button secondary", "data-testid": "phone-use-plugin",
            onclick: () => saveWebhook(phone, state.pluginUrls.inbound, "POST", card) }, "Use this plugin's inbound URL")),
        line));
    return card;
  }

  async function saveWebhook(phone, url, method, card) {
    const line = card.querySelector('[data-testid="phone-message"]');
    const buttons = card.querySelectorAll("button");
    buttons.forEach((button) => { button.disabled = true; });
    line.className = "hint";
    line.textContent = "Saving…";
    try {
      const data = await api(`/inbound_webhook/${encodeURIComponent(phone.sid)}`, { method: "POST", body: { url, method } });
      const updated = data.phone || phone;
      state.phones = state.phones.map((item) => (item.sid === updated.sid ? updated : item));
      const fresh = phoneCard(updated, "Saved.");
      card.replaceWith(fresh);
      fresh.querySelector('[data-testid="phone-save"]').focus();
    } catch (error) {
      buttons.forEach((button) => { button.disabled = false; });
      line.className = "hint error";
      line.textContent = `Not saved: ${errorText(error)}`;
    }
  }

  function refreshPhones() {
    $("phone-list").replaceChildren();
    return loadPhones(true).then(applyPhones, showPhonesError);
  }

  // ---------- the patient's thread (thread.js) ----------

  const thread = smsPatientThread({
    config, $, el, api, errorText, statusTone, formatTime, practiceLabel, mediaView,
  });
  thread.onChange(() => {
    updateSendForm();
    syncSentStatus();
  });

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

  window.smsApp = { countSegments, normalisePhone };
  start();
})();
