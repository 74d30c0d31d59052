/*
 * Send tab composer: From, To (typed, or the thread's To picker on a chart), the message with
 * its segment counter, media URLs, the send itself (with the consent question) and its result.
 * Creates the patient's thread (thread.js) and offers it to app.js as smsApp.thread.
 * Uses core.js and log.js through smsApp. Same rules as core.js: no Django markers, API values
 * only as text.
 *
 * data-testid hooks:
 *   send-from send-to send-to-message send-text send-counter send-encoding-warning
 *   send-media send-media-message send-callback send-button send-result
 *   send-error send-sid send-status
 *   consent-dialog consent-text consent-cancel consent-send
 *   (thread, To picker and quick replies: see the list at the top of thread.js)
 */
(() => {
  "use strict";
  const {
    config, state, $, el, plural, api, errorText, phoneLabel, statusBadge,
    countSegments, describeChar, confirmDialog, refreshLogWhenShown,
    statusTone, formatTime, practiceLabel, mediaView,
  } = smsApp;

  const E164 = /^\+[1-9]\d{6,14}$/;
  const BODY_MAX_CHARS = 1600;
  const MEDIA_MAX = 10;
  const POLL_EVERY_MS = 2000;
  const POLL_FOR_MS = 30000;
  const FINAL_STATUSES = new Set(["delivered", "undelivered", "failed", "received", "read", "canceled"]);
  const FIELD_INPUTS = {
    numberFrom: "send-from", numberFromSid: "send-from", numberTo: "send-to",
    text: "send-text", mediaUrl: "send-media", callbackUrl: "send-callback",
  };

  const send = { lastFromSid: null, sending: false, pollTimer: null, lastSentSid: null };

  // The patient's conversation (thread.js) gets the helpers it draws with.
  const thread = smsPatientThread({
    config, $, el, api, errorText, statusTone, formatTime, practiceLabel, mediaView,
  });
  thread.onChange(() => {
    updateSendForm();
    syncSentStatus();
  });

  // ---------- From ----------

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
    if (phones.some((phone) => phone.sid === send.lastFromSid)) select.value = send.lastFromSid;
    select.disabled = phones.length === 0;
    chooseSender();
  }

  function chooseSender() {
    const sender = selectedSender();
    if (sender) send.lastFromSid = sender.sid;
    $("send-media-field").hidden = !(sender && sender.capabilities.mms);
    updateSendForm();
  }

  // ---------- To, media, length ----------

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

  /** Refresh every hint and the Send button; true if the form may be sent. */
  function updateSendForm() {
    const recipientOk = checkRecipient();
    const count = updateCounter();
    const urls = mediaUrls();
    const problem = mediaProblem(urls);
    $("send-media-message").className = problem ? "hint error" : "hint";
    $("send-media-message").textContent = problem || (urls.length ? plural(urls.length, "attachment") : "");
    const hasContent = $("send-text").value.trim() !== "" || urls.length > 0;
    const valid = Boolean(selectedSender()) && recipientOk && hasContent && count.chars <= BODY_MAX_CHARS && !problem;
    $("send-button").disabled = !valid || send.sending;
    $("send-button").textContent = send.sending ? "Sending…" : "Send";
    return valid;
  }

  function clearFieldError(event) {
    event.target.removeAttribute("aria-invalid");
  }

  // ---------- sending ----------

  async function sendMessage(event) {
    event.preventDefault();
    if (send.sending || !updateSendForm()) return;
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
    send.sending = true;
    clearTimeout(send.pollTimer);
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
    send.sending = false;
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
    send.lastSentSid = sent.sid || null;
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
    const status = send.lastSentSid && thread.status(send.lastSentSid);
    const badge = document.querySelector('[data-testid="send-status"]');
    const note = document.querySelector('[data-testid="send-poll"]');
    if (!status || !badge || !note || document.querySelector('[data-testid="send-sid"]').textContent !== send.lastSentSid) return;
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
      send.pollTimer = setTimeout(tick, POLL_EVERY_MS);
    };
    send.pollTimer = setTimeout(tick, POLL_EVERY_MS);
  }

  Object.assign(smsApp, {
    thread, renderSendFrom, chooseSender, updateSendForm, normaliseRecipient, clearFieldError, sendMessage,
  });
})();
