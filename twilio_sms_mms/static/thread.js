/*
 * The patient's conversation in the Send tab: thread, To picker, quick replies, live updates.
 * Included after core.js in the same script element; send.js calls smsPatientThread(kit) once.
 * Never write two-character Django markers (brace+brace, brace+percent, brace+hash) here.
 * Every value from the API goes into the DOM as text (kit.el, textContent), never as HTML.
 *
 * data-testid hooks:
 *   thread thread-state thread-retry thread-list thread-message (data-sid, data-direction)
 *   bubble-sender bubble-time bubble-body bubble-media bubble-status (data-status)
 *   bubble-error bubble-shared live-state
 *   send-to-choices send-to-choice (radio, value = number or "other") send-to-option
 *   send-to-badge (data-badge: use, no-consent, opted-out, opted-out-from, shared)
 *   quick-replies quick-reply
 *   thread-new-divider ("New" above texts that arrived while the thread was not on screen)
 *   tab-send-new (the dot on the Send tab while such texts wait to be seen)
 *
 * Read state: the clinician has read the patient's texts when the thread is on screen (Send tab
 * selected, page visible). The thread route marks texts read, so while the thread is off screen
 * it is not fetched: refreshes wait until it shows, inbound texts get the New marks, and showing
 * the thread calls POST /patients/<id>/read (also, debounced, after texts arrive on screen).
 */
function smsPatientThread(kit) {
  "use strict";
  const { $, el, api, errorText } = kit;
  const patientId = String(kit.config.patientId || "");
  const OTHER = "other";
  const POLL_MS = 5000;
  const RECONNECT_MS = [5000, 15000, 30000, 60000];
  const READ_DEBOUNCE_MS = 400;
  const STATUS_RANK = {
    scheduled: 0, queued: 0, accepted: 0, sending: 1, sent: 2, receiving: 2,
    delivered: 3, undelivered: 3, failed: 3, received: 3, canceled: 3, read: 4,
  };

  const thread = {
    loaded: false,
    patient: null,
    phones: [],
    messages: new Map(),
    nodes: new Map(),
    drawn: new Map(),
    choicesDrawn: null,
    mediaRequested: new Set(),
    choice: null,
    socket: null,
    socketOpen: false,
    reconnectTimer: null,
    reconnectAttempt: 0,
    pollTimer: null,
    refreshTimer: null,
    loadId: 0,
    listeners: [],
    shown: false,
    wasOnScreen: false,
    fresh: new Set(),
    unseen: false,
    readTimer: null,
    readPending: false,
    divider: null,
  };

  const firstName = () => (thread.patient && thread.patient.firstName) || "the patient";

  function changed() {
    for (const listener of thread.listeners) listener();
  }

  // ---------- loading ----------

  /** GET the thread (no Twilio cost) and render it; resolves when done, never rejects. */
  async function load() {
    if (!patientId) return;
    const loadId = ++thread.loadId;
    if (!thread.loaded) setState("loading", "Loading the conversation…");
    try {
      // Off screen, peek without marking the texts read (the badge stays until they are seen).
      const peek = onScreen() ? "" : "?markRead=0";
      const data = await api(`/patients/${encodeURIComponent(patientId)}/thread${peek}`);
      if (loadId !== thread.loadId) return;
      apply(data);
    } catch (error) {
      if (loadId !== thread.loadId || thread.loaded) return;
      setState("error", `Could not load the conversation: ${errorText(error)}`, true);
    }
  }

  function apply(data) {
    const firstLoad = !thread.loaded;
    thread.loaded = true;
    thread.patient = data.patient || null;
    thread.phones = Array.isArray(data.phones) ? data.phones : [];
    const arrived = firstLoad ? [] : (Array.isArray(data.messages) ? data.messages : [])
      .filter((message) => message.direction === "inbound" && !thread.messages.has(message.sid))
      .map((message) => message.sid);
    const fresh = new Map();
    for (const message of Array.isArray(data.messages) ? data.messages : []) {
      fresh.set(message.sid, merge(thread.messages.get(message.sid), message));
    }
    // A bubble inserted from a send response may be newer than this answer: keep it.
    for (const [sid, message] of thread.messages) {
      if (!fresh.has(sid) && message.localOnly) fresh.set(sid, message);
    }
    thread.messages = fresh;
    renderAll(firstLoad);
    renderChoices();
    renderQuickReplies(Array.isArray(data.quickReplies) ? data.quickReplies : []);
    inboundArrived(arrived);
    changed();
  }

  /** Combine what we knew and what arrived; a status never moves backwards. */
  function merge(known, incoming) {
    if (!known) return { ...incoming };
    const result = { ...known, ...incoming, localOnly: false };
    const rank = (status) => STATUS_RANK[status] ?? 0;
    if (rank(known.status) > rank(incoming.status)) {
      result.status = known.status;
      result.errorCode = known.errorCode ?? incoming.errorCode ?? null;
      result.errorExplanation = known.errorExplanation ?? incoming.errorExplanation ?? null;
    }
    if (!incoming.sentBy && known.sentBy) result.sentBy = known.sentBy;
    return result;
  }

  /** Refresh soon (off screen the load only peeks, so nothing is marked read unseen). */
  function scheduleRefresh() {
    clearTimeout(thread.refreshTimer);
    thread.refreshTimer = setTimeout(load, 300);
  }

  // ---------- read state ----------

  /** The clinician can see the conversation: Send tab selected and the page visible. */
  function onScreen() {
    return thread.shown && document.visibilityState !== "hidden";
  }

  /** Inbound texts that were not in the thread before: read now if on screen, else marked New. */
  function inboundArrived(sids) {
    if (!sids.length) return;
    if (onScreen()) {
      scheduleRead();
      return;
    }
    for (const sid of sids) thread.fresh.add(sid);
    thread.unseen = true;
    renderNewMarks();
  }

  function scheduleRead() {
    clearTimeout(thread.readTimer);
    thread.readTimer = setTimeout(markRead, READ_DEBOUNCE_MS);
  }

  async function markRead() {
    if (!patientId) return;
    if (!onScreen()) {
      thread.readPending = true; // read when the thread shows again, not texts that came meanwhile
      return;
    }
    thread.readPending = false;
    try {
      await api(`/patients/${encodeURIComponent(patientId)}/read`, { method: "POST" });
    } catch (error) {
      // Still unread: the next arrival on screen, the next showing or the next open retries.
    }
  }

  /** Called whenever the Send tab or the page's visibility changes. */
  function screenChanged() {
    const now = onScreen();
    if (now === thread.wasOnScreen) return;
    thread.wasOnScreen = now;
    if (!thread.loaded) return; // the first load is the open, which marks read
    if (now) {
      if (thread.unseen || thread.readPending) {
        thread.unseen = false;
        scheduleRead();
      }
    } else if (!thread.unseen) {
      thread.fresh.clear(); // seen: the New divider goes once the clinician looks away
    }
    renderNewMarks();
  }

  /** The New divider above the oldest fresh text, and the dot on the Send tab. */
  function renderNewMarks() {
    const first = ordered().find((message) => thread.fresh.has(message.sid));
    const node = first ? thread.nodes.get(first.sid) : null;
    if (node) {
      if (!thread.divider) {
        thread.divider = el("li", { className: "new-divider", role: "separator", "data-testid": "thread-new-divider" },
          el("span", {}, "New"));
      }
      if (node.previousSibling !== thread.divider) node.before(thread.divider);
    } else if (thread.divider) {
      thread.divider.remove();
    }
    const dot = $("tab-send-new");
    if (dot) dot.hidden = !thread.unseen;
    // Screen readers hear it; empty otherwise so the tab's name stays "Send".
    const spoken = $("tab-send-new-text");
    if (spoken) spoken.textContent = thread.unseen ? " (new texts)" : "";
  }

  // ---------- rendering the conversation ----------

  function setState(kind, text, retry = false) {
    const line = $("thread-state");
    line.className = `state ${kind}`;
    line.replaceChildren(text);
    if (retry) {
      line.append(" ", el("button", { type: "button", className: "button link", "data-testid": "thread-retry", onclick: load }, "Try again"));
    }
    line.hidden = !text;
  }

  function ordered() {
    return [...thread.messages.values()].sort((a, b) => (Date.parse(a.created) || 0) - (Date.parse(b.created) || 0));
  }

  function renderAll(scroll) {
    const list = $("thread-list");
    const box = $("thread");
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
    const messages = ordered();
    for (const [sid, node] of thread.nodes) {
      if (!thread.messages.has(sid)) {
        node.remove();
        thread.nodes.delete(sid);
        thread.drawn.delete(sid);
      }
    }
    for (const message of messages) {
      // Redraw a bubble only when what it shows changed (keeps images and scroll steady).
      const drawn = JSON.stringify([message, senderText(message), thread.phones.length]);
      if (thread.drawn.get(message.sid) === drawn) continue;
      const node = thread.nodes.get(message.sid);
      const fresh = bubble(message);
      if (node) node.replaceWith(fresh);
      thread.nodes.set(message.sid, fresh);
      thread.drawn.set(message.sid, drawn);
    }
    list.append(...messages.map((message) => thread.nodes.get(message.sid)));
    renderNewMarks();
    if (messages.length) setState("", "");
    else if (thread.phones.length === 0) setState("empty", `No phone number on ${firstName()}'s chart. You can still text another number below.`);
    else setState("empty", `No texts with ${firstName()} yet`);
    if (scroll || nearBottom) scrollToNewest();
  }

  function scrollToNewest() {
    const box = $("thread");
    box.scrollTop = box.scrollHeight;
  }

  /** Add or replace one message (live event or send response) and keep the view at the newest. */
  function upsert(message, { localOnly = false } = {}) {
    if (!message || !message.sid) return;
    const isNew = !thread.messages.has(message.sid);
    const merged = merge(thread.messages.get(message.sid), message);
    if (localOnly && isNew) merged.localOnly = true;
    thread.messages.set(message.sid, merged);
    renderAll(isNew);
    changed();
  }

  function applyStatus(event) {
    const known = thread.messages.get(event.sid);
    if (!known) {
      scheduleRefresh();
      return;
    }
    upsert({ ...known, status: event.status, errorCode: event.errorCode ?? null, errorExplanation: event.errorExplanation ?? null });
  }

  function phoneOf(number) {
    return thread.phones.find((phone) => phone.number === number) || null;
  }

  function senderText(message) {
    if (message.direction === "outbound") {
      const who = message.sentBy || (message.localOnly ? "You" : "Practice");
      return `${who} · ${kit.practiceLabel(message.practiceNumber, true)}`;
    }
    const phone = phoneOf(message.patientNumber);
    return phone ? `${phone.use || "phone"} ${message.patientNumber}` : String(message.patientNumber || "unknown number");
  }

  function bubble(message) {
    const outbound = message.direction === "outbound";
    const failed = ["failed", "undelivered"].includes(message.status) || Boolean(message.errorCode);
    const status = String(message.status || "unknown");
    const node = el("li", { className: `bubble ${outbound ? "outbound" : "inbound"}${failed ? " failed" : ""}`,
      "data-testid": "thread-message", "data-sid": message.sid, "data-direction": outbound ? "outbound" : "inbound" },
      el("div", { className: "bubble-meta" },
        el("span", { className: "sender", "data-testid": "bubble-sender",
          title: outbound ? `from ${message.practiceNumber} to ${message.patientNumber}` : `from ${message.patientNumber} to ${message.practiceNumber}` }, senderText(message)),
        el("time", { datetime: message.created || null, "data-testid": "bubble-time" }, kit.formatTime(message.created))),
      message.body && el("p", { className: "bubble-body", "data-testid": "bubble-body" }, message.body),
      el("div", { className: "bubble-media", "data-testid": "bubble-media", hidden: true }),
      el("div", { className: "bubble-foot" },
        message.shared && el("span", { className: "chip shared", "data-testid": "bubble-shared",
          title: "This number is on more than one patient's chart" }, "shared number"),
        outbound && thread.phones.length > 1 && message.patientNumber && el("span", { className: "muted to" }, `to ${senderToText(message)}`),
        el("span", { className: `badge ${kit.statusTone(status)}`, "data-testid": "bubble-status", "data-status": status }, status)),
      failed && el("p", { className: "bubble-error", "data-testid": "bubble-error" },
        message.errorExplanation || (message.errorCode ? `Error ${message.errorCode}` : "Not delivered")));
    showMedia(message, node.querySelector(".bubble-media"));
    return node;
  }

  function senderToText(message) {
    const phone = phoneOf(message.patientNumber);
    return phone && phone.use ? phone.use : String(message.patientNumber);
  }

  /** Inbound media come with the message; outbound media are listed once, when first shown. */
  function showMedia(message, box) {
    if (Array.isArray(message.media) && message.media.length) {
      fillMedia(box, message.media);
      return;
    }
    if (message.direction !== "outbound" || !(message.mediaCount > 0) || thread.mediaRequested.has(message.sid)) return;
    thread.mediaRequested.add(message.sid);
    api(`/medias/${encodeURIComponent(message.sid)}`).then((data) => {
      const media = Array.isArray(data.media) ? data.media : [];
      const known = thread.messages.get(message.sid);
      if (!known || !media.length) return;
      known.media = media;
      const node = thread.nodes.get(message.sid);
      if (node) fillMedia(node.querySelector(".bubble-media"), media);
    }, () => {
      thread.mediaRequested.delete(message.sid);
    });
  }

  function fillMedia(box, media) {
    box.replaceChildren(...media.map((item, index) => kit.mediaView(item, index)));
    box.hidden = false;
  }

  // ---------- To picker ----------

  function bestChoice() {
    const usable = thread.phones.filter((phone) => !phone.optedOut);
    const pick = usable.find((phone) => phone.use === "mobile") || usable[0] || thread.phones[0];
    return pick ? pick.number : OTHER;
  }

  function renderChoices() {
    const box = $("send-to-choices");
    if (!patientId) {
      box.hidden = true;
      $("send-to-other").hidden = false;
      return;
    }
    const known = thread.choice === OTHER || thread.phones.some((phone) => phone.number === thread.choice);
    if (!known) thread.choice = bestChoice();
    // Polling redraws often: rebuild the radios only when they would change (keeps focus).
    const labels = thread.phones.map((phone) => (phone.optedOutFrom || []).map((number) => kit.practiceLabel(number)));
    const drawn = JSON.stringify([thread.phones, thread.choice, labels]);
    if (drawn === thread.choicesDrawn) return;
    thread.choicesDrawn = drawn;
    const options = thread.phones.map((phone) => choice(phone.number, phone.number, phoneBadges(phone), phone.optedOut));
    options.push(choice(OTHER, "Other number", [], false));
    box.replaceChildren(el("legend", { className: "field" }, "To"), ...options);
    $("send-to-label").textContent = "Number (international format)";
    box.hidden = false;
    $("send-to-other").hidden = thread.choice !== OTHER;
  }

  function phoneBadges(phone) {
    const badges = [["use", phone.use || "phone", "neutral"]];
    if (phone.optedOut) badges.push(["opted-out", "opted out", "bad"]);
    for (const practice of phone.optedOutFrom || []) {
      badges.push(["opted-out-from", `opted out of ${kit.practiceLabel(practice)}`, "bad"]);
    }
    if (!phone.hasConsent) badges.push(["no-consent", "no consent", "warn"]);
    if (phone.shared) badges.push(["shared", "shared number", "neutral"]);
    return badges;
  }

  function choice(value, title, badges, blocked) {
    const id = `send-to-choice-${value.replace(/\W/g, "")}`;
    return el("label", { className: `choice${blocked ? " blocked" : ""}`, for: id, "data-testid": "send-to-option", "data-number": value },
      el("input", { type: "radio", name: "send-to-choice", id, value, checked: thread.choice === value,
        "data-testid": "send-to-choice", onchange: () => choose(value) }),
      el("span", { className: "choice-number" }, title),
      badges.map(([kind, text, tone]) => el("span", { className: `badge ${tone}`, "data-testid": "send-to-badge", "data-badge": kind }, text)));
  }

  function choose(value) {
    thread.choice = value;
    $("send-to-other").hidden = value !== OTHER;
    if (value === OTHER) $("send-to").focus();
    changed();
  }

  /** The number the composer will text (or "" / the raw input when Other is chosen). */
  function recipient() {
    if (!patientId || thread.choice === OTHER || !thread.loaded) return null;
    return thread.choice;
  }

  /**
   * What the composer must say about this recipient and sender: {refusal} stops the send,
   * {notice} is shown but allows it. `number` is E.164 or "".
   */
  function judge(number, senderNumber) {
    if (!patientId || !number || !thread.loaded) return { refusal: "", notice: "" };
    const phone = phoneOf(number);
    if (!phone) return { refusal: "", notice: `${number} is not on this patient's chart.` };
    if (phone.optedOut) {
      return { refusal: `${firstName()}'s chart marks ${number} as opted out of texts. Sending is off for this number.`, notice: "" };
    }
    if (senderNumber && (phone.optedOutFrom || []).includes(senderNumber)) {
      return {
        refusal: `${number} opted out of texts from ${kit.practiceLabel(senderNumber)} (replied STOP). ` +
          "Choose another From number; the patient can text START to opt back in.",
        notice: "",
      };
    }
    if (!phone.hasConsent) return { refusal: "", notice: `${firstName()} has not consented to texts at this number: you will be asked to confirm.` };
    return { refusal: "", notice: "" };
  }

  // ---------- quick replies ----------

  function renderQuickReplies(replies) {
    const box = $("quick-replies");
    const usable = replies.filter((reply) => reply && reply.name && typeof reply.text === "string");
    box.replaceChildren(el("span", { className: "field inline" }, "Quick replies"),
      ...usable.map((reply) => el("button", { type: "button", className: "button chip-button", "data-testid": "quick-reply",
        title: reply.text, onclick: () => useQuickReply(reply) }, reply.name)));
    box.hidden = usable.length === 0;
  }

  function useQuickReply(reply) {
    const text = $("send-text");
    text.value = reply.text;
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
    text.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // ---------- live updates ----------

  function socketUrl() {
    // Inside the chart's srcdoc iframe `location` is about:srcdoc; the base URL is the chart's.
    let origin = null;
    for (const candidate of [() => document.baseURI, () => window.location.href, () => window.parent.location.href]) {
      try {
        const url = new URL(candidate());
        if (url.protocol === "http:" || url.protocol === "https:") {
          origin = url;
          break;
        }
      } catch (unavailable) {
        origin = null;
      }
    }
    if (!origin) return null;
    const scheme = origin.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${origin.host}/plugin-io/ws/twilio_sms_mms/patient_${encodeURIComponent(patientId)}/`;
  }

  function connect() {
    clearTimeout(thread.reconnectTimer);
    const url = socketUrl();
    if (!url || typeof WebSocket !== "function") {
      startPolling();
      return;
    }
    let socket;
    try {
      socket = new WebSocket(url);
    } catch (refused) {
      socketLost();
      return;
    }
    thread.socket = socket;
    socket.addEventListener("open", () => {
      if (thread.socket !== socket) return;
      thread.socketOpen = true;
      thread.reconnectAttempt = 0;
      stopPolling();
      setLive("live", "Live");
      scheduleRefresh(); // catch up on anything sent between the first load and now
    });
    socket.addEventListener("message", (event) => {
      if (thread.socket === socket) receive(event.data);
    });
    socket.addEventListener("close", () => {
      if (thread.socket !== socket) return;
      thread.socket = null;
      thread.socketOpen = false;
      socketLost();
    });
  }

  function socketLost() {
    startPolling();
    const wait = RECONNECT_MS[Math.min(thread.reconnectAttempt, RECONNECT_MS.length - 1)];
    thread.reconnectAttempt += 1;
    clearTimeout(thread.reconnectTimer);
    thread.reconnectTimer = setTimeout(connect, wait);
  }

  function startPolling() {
    setLive("polling", "Checking every 5 s");
    if (thread.pollTimer) return;
    thread.pollTimer = setInterval(load, POLL_MS);
  }

  function stopPolling() {
    clearInterval(thread.pollTimer);
    thread.pollTimer = null;
  }

  function setLive(kind, text) {
    const line = $("live-state");
    line.dataset.state = kind;
    line.textContent = text;
    line.title = kind === "live" ? "New texts and delivery updates appear by themselves" : "Live updates are unavailable; the conversation is refreshed every 5 seconds";
  }

  function receive(raw) {
    let event = null;
    try {
      event = JSON.parse(raw);
    } catch (notJson) {
      return;
    }
    if (!event || typeof event !== "object") return;
    if (event.type === "message" && event.message) {
      const isNew = Boolean(event.message.sid) && !thread.messages.has(event.message.sid);
      upsert(event.message);
      // An inbound text may be STOP/START: the opt-out badges come from the thread route.
      if (event.message.direction === "inbound") {
        scheduleRefresh();
        if (isNew) inboundArrived([event.message.sid]);
      }
    } else if (event.type === "status" && event.sid) {
      applyStatus(event);
    }
  }

  // ---------- wiring ----------

  function start() {
    if (!patientId) {
      $("thread").hidden = true;
      $("thread-head").hidden = true;
      renderChoices();
      return;
    }
    document.addEventListener("visibilitychange", screenChanged);
    load().then(() => {
      thread.wasOnScreen = onScreen();
      connect();
    });
  }

  return {
    start,
    load,
    recipient,
    judge,
    patientName: firstName,
    hasPatient: () => Boolean(patientId),
    onChange: (listener) => thread.listeners.push(listener),
    /** Show a just-sent message at once (status queued); live updates take it from there. */
    insertSent(sent, text) {
      upsert({
        sid: sent.sid, direction: "outbound", practiceNumber: sent.from, patientNumber: sent.to, body: text,
        status: sent.status || "queued", errorCode: null, errorExplanation: null, sentBy: null,
        created: sent.created || new Date().toISOString(), mediaCount: sent.mediaCount || 0, media: [], shared: false,
      }, { localOnly: true });
      if (!thread.socketOpen) scheduleRefresh();
    },
    /** The number's status as last known in the thread, or null. */
    status: (sid) => (thread.messages.get(sid) || {}).status || null,
    scrollToNewest,
    /** The Send tab was selected (true) or left (false). */
    setShown(shown) {
      thread.shown = Boolean(shown);
      screenChanged();
    },
    rerender() {
      if (!thread.loaded) return;
      renderAll(false);
      renderChoices();
    },
  };
}
