/*
 * Twilio SMS/MMS chart-pane app: three tabs (Log, Send, Phones) over the plugin's JSON API.
 *
 * The script is split by concern; templates/sms_app.html inlines the files with Django's include,
 * in this order, into one script element:
 *   core.js    shared helpers: config, $, el, API client and errors, formatting, banner,
 *              the phone list fetch, segment counter, confirm dialog, media
 *   thread.js  the patient's conversation in the Send tab (smsPatientThread)
 *   log.js     Log tab and unmatched texts
 *   send.js    Send tab composer (creates the thread)
 *   phones.js  Phones tab
 *   app.js     tabs, the phone list shared by the three tabs, wiring and start
 * Each file is one function scope that reads what it needs from the smsApp namespace object made
 * here, and adds what it offers to the later files with Object.assign(smsApp, ...).
 *
 * Rules for every file: never write two-character Django markers (brace+brace, brace+percent,
 * brace+hash). Every value from the API goes into the DOM as text (textContent, createElement,
 * setAttribute), never as HTML. Media src/href only come from the API's own relative urls.
 *
 * data-testid hooks for the browser tests (each file lists those it draws):
 *   banner                                   configuration / service problems
 *   config-warnings                          softer banner for configuration warnings
 *   status-badge                             status badge (data-status), Log and Send
 *   media-image media-audio media-video media-download   one media item, Log detail and thread
 */
const smsApp = (() => {
  "use strict";
  const config = JSON.parse(document.getElementById("sms-app-config").textContent || "null") || {};
  const apiBase = String(config.apiBase || "/plugin-io/api/twilio_sms_mms").replace(/\/+$/, "");
  const $ = (id) => document.getElementById(id);
  const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

  const STATUS_TONES = {
    delivered: "good", received: "good", read: "good",
    sent: "info", sending: "info", queued: "neutral", accepted: "neutral", scheduled: "neutral",
    receiving: "neutral", failed: "bad", undelivered: "bad", canceled: "bad",
  };

  /** What the tabs share: the account's phone numbers (fetched once per open) and plugin URLs. */
  const state = {
    phonesPromise: null,
    phones: [],
    pluginUrls: config.pluginUrls || {},
  };

  // ---------- DOM ----------

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

  // ---------- API client ----------

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

  // ---------- formatting ----------

  function phoneLabel(phone) {
    const label = phone.label && phone.label !== phone.phoneNumber ? phone.label : "";
    return label ? `${label} · ${phone.phoneNumber}` : String(phone.phoneNumber || phone.sid);
  }

  /** "Main line (+15550100001)" for a practice number the phone list knows ("Main line" if short). */
  function practiceLabel(number, short = false) {
    const phone = state.phones.find((item) => item.phoneNumber === number);
    const label = phone && phone.label && phone.label !== number ? phone.label : "";
    if (!label) return String(number || "unknown number");
    return short ? label : `${label} (${number})`;
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

  // ---------- banner ----------

  function showBanner(message) {
    const banner = $("banner");
    if ([...banner.children].some((line) => line.textContent === message)) return;
    banner.append(el("p", {}, message));
    banner.hidden = false;
  }

  function showConfigProblems() {
    const problems = Array.isArray(config.configProblems) ? config.configProblems : [];
    if (problems.length) showBanner(`Twilio is not configured: ${problems.join("; ")}`);
    const warnings = (Array.isArray(config.configWarnings) ? config.configWarnings : []).filter(Boolean);
    $("warnings").replaceChildren(...warnings.map((warning) => el("p", {}, String(warning))));
    $("warnings").hidden = warnings.length === 0;
  }

  // ---------- phone list (fetched once per open, shared; app.js hands it to the tabs) ----------

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

  // ---------- confirm dialog and media (Log detail, Send consent, thread) ----------

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

  function isOwnUrl(url) {
    return typeof url === "string" && url.startsWith(apiBase + "/");
  }

  /** One media item: only the API's own URLs become src/href; anything else is a line of text. */
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

  return {
    config, state, $, el, plural,
    api, errorText,
    phoneLabel, practiceLabel, formatTime, formatFullTime, statusTone, statusBadge,
    showBanner, showConfigProblems, loadPhones,
    countSegments, describeChar,
    confirmDialog, mediaView,
  };
})();
