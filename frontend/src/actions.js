/**
 * What each user action and each server event does: call the API, then change the store with
 * the store's pure functions. No DOM: the views draw whatever the store holds.
 */
import { attachmentActions } from "./attachments.js";
import { bestRecipient } from "./consent.js";
import { describeDraft, OTHER } from "./draft.js";
import { normalisePhone, plural } from "./format.js";
import { byNumber } from "./readiness.js";
import { scheduleActions, usableServices } from "./schedule.js";
import {
  applyDeleted,
  applyEarlierAnswer,
  applyMessageEvent,
  applyStatusEvent,
  applyThreadAnswer,
  draftSignature,
  inboundArrived,
  messageKey,
  resolvedSend,
  screenChanged,
  sentBubble,
} from "./store.js";

const REFRESH_DEBOUNCE_MS = 300;
const READ_DEBOUNCE_MS = 400;
const STATUS_POLL_EVERY_MS = 2000;
const STATUS_POLL_FOR_MS = 30000;
// After a send that may have gone out, the thread is re-read (the server resolves it then).
const UNKNOWN_RECHECK_MS = [3000, 10000, 30000, 60000];
const FIELD_OF_INPUT = { toText: "numberTo", text: "text", callback: "callbackUrl" };
const UNKNOWN_NOTICE = "The message may have been sent: check the conversation before sending it again.";

/**
 * The app's actions. `tools`: {count, e164, limits, fmt} (see draft.js); `makeKey()` makes a
 * clientRequestId; `timers` is window (or a fake); `isVisible()` says if the page is visible.
 */
export function createActions({ store, api, rules, tools, makeKey, timers = globalThis, isVisible = () => true }) {
  const patch = (key, change) => store.update((state) => ({ ...state, [key]: change(state[key], state) }));
  const merge = (key, change) => patch(key, (value) => ({ ...value, ...change }));
  const fileActions = attachmentActions({ store, api, merge });
  const patientId = () => store.get().config.patientId;

  // ---------- dialogs ----------

  let answerDialog = null;
  /** Ask in the page; resolves true only when the clinician presses the dialog's OK button. */
  function ask(kind, text) {
    if (answerDialog) answerDialog(false);
    store.update((state) => ({ ...state, dialog: { kind, text } }));
    return new Promise((resolve) => {
      answerDialog = resolve;
    });
  }

  function closeDialog(ok) {
    const resolve = answerDialog;
    answerDialog = null;
    store.update((state) => (state.dialog ? { ...state, dialog: null } : state));
    if (resolve) resolve(Boolean(ok));
  }

  // ---------- tabs and read state ----------

  let wasOnScreen = false;
  let readTimer = null;
  let readPending = false;

  /** The clinician can see the conversation: Send tab selected and the page visible. */
  const onScreen = () => store.get().tab === "send" && isVisible();

  function selectTab(name) {
    store.update((state) => (state.tab === name ? state : { ...state, tab: name }));
    screenMayHaveChanged();
    if (name === "log") logShown();
  }

  function screenMayHaveChanged() {
    const now = onScreen();
    if (now === wasOnScreen) return;
    wasOnScreen = now;
    if (!store.get().thread.loaded) return; // the first load is the open, which marks read
    const changed = screenChanged(store.get().thread, now);
    patch("thread", () => changed.thread);
    if (now && (changed.read || readPending)) scheduleRead();
  }

  function scheduleRead() {
    timers.clearTimeout(readTimer);
    readTimer = timers.setTimeout(markRead, READ_DEBOUNCE_MS);
  }

  async function markRead() {
    if (!patientId()) return;
    if (!onScreen()) {
      readPending = true; // read when the thread shows again, not texts that came meanwhile
      return;
    }
    readPending = false;
    try {
      await api.markRead(patientId());
    } catch {
      // Still unread: the next arrival on screen, the next showing or the next open retries.
    }
  }

  function arrived(keys) {
    const result = inboundArrived(store.get().thread, keys, onScreen());
    patch("thread", () => result.thread);
    if (result.read) scheduleRead();
  }

  // ---------- the phone list (fetched once per open, shared by the tabs) ----------

  let phonesPromise = null;

  function loadPhones(force = false) {
    if (phonesPromise && !force) return phonesPromise;
    patch("phones", (phones) => ({ ...phones, status: "loading", list: force ? [] : phones.list, error: "" }));
    phonesPromise = api
      .phoneList()
      .then(phonesLoaded, (error) => merge("phones", { status: "error", error: error.text, list: [] }));
    // In parallel; no verdict shown when Twilio's Messaging API cannot be read.
    api.phoneReadiness(force).then(
      (data) =>
        store.update((state) => ({
          ...state,
          ready: byNumber(data.readiness),
          services: usableServices(data.services),
        })),
      () => {},
    );
    return phonesPromise;
  }

  function phonesLoaded(data) {
    const list = Array.isArray(data.phones) ? data.phones : [];
    store.update((state) => {
      const pluginUrls = { ...(data.pluginUrls || {}), ...(state.config.pluginUrls || {}) };
      const senders = list.filter((phone) => phone.capabilities?.sms);
      const kept = [...senders, ...(state.services || [])].some((item) => item.sid === state.composer.fromSid);
      const fromSid = kept ? state.composer.fromSid : senders[0] ? senders[0].sid : null;
      const logNumber = list.some((phone) => phone.phoneNumber === state.log.number)
        ? state.log.number
        : list[0]
          ? list[0].phoneNumber
          : "";
      return {
        ...state,
        phones: { status: "ready", list, error: "", pluginUrls },
        phoneCards: {},
        composer: { ...state.composer, fromSid, callback: state.composer.callback || pluginUrls.status || "" },
        log: { ...state.log, number: logNumber, stale: state.log.stale || logNumber !== state.log.number },
      };
    });
    if (store.get().tab === "log") logShown();
  }

  // ---------- the patient's thread ----------

  let threadLoadId = 0;
  let refreshTimer = null;
  let liveMode = "";

  /** GET the thread (no Twilio cost) and apply it; never rejects. Off screen it only peeks. */
  async function loadThread() {
    if (!patientId()) return;
    const loadId = ++threadLoadId;
    let data;
    try {
      data = await api.thread(patientId(), { markRead: onScreen() });
    } catch (error) {
      if (loadId === threadLoadId && !store.get().thread.loaded) {
        merge("thread", { error: error.text });
      }
      return;
    }
    if (loadId !== threadLoadId) return;
    const firstLoad = !store.get().thread.loaded;
    const result = applyThreadAnswer(rules, store.get().thread, data);
    patch("thread", () => result.thread);
    if (firstLoad) wasOnScreen = onScreen();
    arrived(result.arrived);
    threadChanged();
  }

  /** The clinician scrolled to the top (or pressed Earlier messages): read the page before. */
  async function loadEarlier() {
    const patient = patientId();
    const { earlier, loadingEarlier } = store.get().thread;
    if (!patient || !earlier || loadingEarlier) return;
    merge("thread", { loadingEarlier: true, earlierError: "" });
    let data = null;
    let failure = "";
    try {
      data = await api.thread(patient, { cursor: earlier });
    } catch (error) {
      failure = error.text;
    }
    if (patientId() !== patient) return; // another conversation is shown now
    patch("thread", (thread) =>
      data && thread.earlier === earlier
        ? applyEarlierAnswer(thread, data)
        : { ...thread, loadingEarlier: false, earlierError: failure },
    );
    fetchOutboundMedia();
  }

  function scheduleRefresh() {
    timers.clearTimeout(refreshTimer);
    refreshTimer = timers.setTimeout(loadThread, REFRESH_DEBOUNCE_MS);
  }

  /** After any change of the thread: the To choice, outbound media, a send that may have gone. */
  function threadChanged() {
    store.update((state) => {
      const { thread, composer } = state;
      const known = composer.choice === OTHER || thread.phones.some((phone) => phone.number === composer.choice);
      if (known || !thread.loaded) return state;
      return { ...state, composer: { ...composer, choice: bestRecipient(thread.phones) || OTHER } };
    });
    fetchOutboundMedia();
    settleUnknownSend();
  }

  const mediaRequested = new Set();
  /** Inbound media come with the message; outbound media are listed once, when first shown. */
  function fetchOutboundMedia() {
    for (const message of store.get().thread.messages) {
      const wanted = message.direction === "outbound" && message.sid && message.mediaCount > 0;
      if (!wanted || message.deleted || message.media?.length || mediaRequested.has(message.sid)) {
        continue;
      }
      mediaRequested.add(message.sid);
      api.medias(message.sid).then(
        (data) => patch("media", (media) => ({ ...media, [message.sid]: Array.isArray(data.media) ? data.media : [] })),
        () => mediaRequested.delete(message.sid),
      );
    }
  }

  function liveEvent(event) {
    if (event.type === "message" && event.message) {
      const result = applyMessageEvent(rules, store.get().thread, event.message);
      patch("thread", () => result.thread);
      // An inbound text may be STOP/START: the opt-out badges come from the thread route.
      if (event.message.direction === "inbound") {
        scheduleRefresh();
        if (result.isNew) arrived([messageKey(event.message)]);
      }
      threadChanged();
    } else if (event.type === "status" && event.sid) {
      const result = applyStatusEvent(rules, store.get().thread, event);
      if (result.known) patch("thread", () => result.thread);
      else scheduleRefresh();
    } else if (event.type === "deleted" && event.sid) {
      messageDeleted(event.sid);
    }
  }

  function liveState(mode) {
    liveMode = mode;
    patch("thread", (thread) => (thread.live === mode ? thread : { ...thread, live: mode }));
  }

  // ---------- the composer ----------

  let sendingNow = false;
  let statusPollTimer = null;
  let unknownTimer = null;

  function editDraft(name, value) {
    patch("composer", (composer) => {
      const clears = composer.fieldError && fieldOf(name).includes(composer.fieldError.field);
      return { ...composer, [name]: value, fieldError: clears ? null : composer.fieldError };
    });
  }

  const fieldOf = (name) => (name === "fromSid" ? ["numberFrom", "numberFromSid"] : [FIELD_OF_INPUT[name]]);

  function chooseRecipient(value) {
    merge("composer", { choice: value });
  }

  function normaliseRecipient() {
    const number = normalisePhone(store.get().composer.toText);
    if (tools.e164.test(number)) merge("composer", { toText: number });
  }

  function applyQuickReply(index) {
    const reply = store.get().thread.quickReplies[index];
    if (reply) editDraft("text", reply.text);
  }

  /** Send the draft once: a second click while it is on its way does nothing. */
  async function send() {
    if (sendingNow) return;
    normaliseRecipient();
    store.update((current) => ({ ...current, now: Date.now() })); // Send later's window is now's
    const state = store.get();
    const draft = describeDraft(state, tools);
    if (!draft.canSend) return;
    await submit({ ...draft.payload, clientRequestId: state.composer.key });
  }

  async function submit(payload) {
    sendingNow = true;
    timers.clearTimeout(statusPollTimer);
    merge("composer", { sending: true, fieldError: null, result: { kind: "sending" } });
    let answer = null;
    let failure = null;
    try {
      answer = await api.send(payload);
    } catch (error) {
      failure = error;
    }
    sendingNow = false;
    merge("composer", { sending: false });
    if (failure) return sendFailed(payload, failure);
    const sent = answer.data.message || {};
    if (answer.status === 202 || sent.status === "unknown") return sendUncertain(payload, answer.data);
    return sendSucceeded(payload, answer.data);
  }

  async function sendFailed(payload, error) {
    const freshKey = { key: makeKey() };
    if (error.reason === "consent_required" && !payload.confirmNoConsent) {
      merge("composer", { ...freshKey, result: null });
      const onChart = store.get().thread.phones.some((phone) => phone.number === payload.numberTo);
      const name = store.get().thread.patient?.firstName || "The patient";
      const question = onChart
        ? `${name} has not consented to texts at this number. Send anyway?`
        : `${error.message} Send anyway?`;
      if (await ask("consent", question)) {
        await submit({ ...payload, clientRequestId: store.get().composer.key, confirmNoConsent: true });
      } else {
        merge("composer", { result: { kind: "not-sent" } });
      }
      return;
    }
    if (error.reason === "send_in_progress") {
      // The same draft is on its way (another tab, an earlier click): keep its key.
      showSendError("This text is already being sent. Check the conversation in a moment.");
      scheduleRefresh();
      return;
    }
    merge("composer", {
      ...freshKey,
      fieldError: error.field ? { field: error.field, message: error.message } : null,
    });
    if (error.reason === "idempotency_conflict") {
      showSendError(`${error.message} Check the conversation; pressing Send again sends this text as a new one.`);
      scheduleRefresh();
      return;
    }
    showSendError(`Not sent: ${error.text}`);
    if (error.reason === "opted_out" || error.twilioCode === 21610) loadThread();
  }

  function showSendError(text) {
    merge("composer", { result: { kind: "error", text } });
  }

  function sendSucceeded(payload, data) {
    const sent = data.message || {};
    merge("composer", {
      key: makeKey(),
      text: "",
      files: [],
      fileNote: "",
      unknown: null,
      later: false,
      result: {
        kind: "sent",
        sendAt: sent.sendAt || null,
        sid: sent.sid || null,
        status: sent.status,
        to: sent.to || payload.numberTo,
        segments: sent.segments,
        encoding: sent.encoding,
      },
    });
    if (sent.sid && patientId()) {
      patch("thread", (thread) => applyMessageEvent(rules, thread, sentBubble(data, payload.text)).thread);
      threadChanged();
      if (liveMode !== "live") scheduleRefresh();
    } else if (sent.sid) {
      pollStatus(sent.sid);
    }
    const { log } = store.get();
    if (log.number === payload.numberFrom && log.direction === "from") {
      merge("log", { stale: true });
      if (store.get().tab === "log") loadLog();
    }
  }

  /** A 202: the send may have left. Keep the draft, block sending it again until it resolves. */
  function sendUncertain(payload, data) {
    merge("composer", {
      unknown: { key: payload.clientRequestId, signature: draftSignature(payload) },
      result: { kind: "unknown", notice: data.notice || UNKNOWN_NOTICE },
    });
    if (patientId()) {
      patch("thread", (thread) => applyMessageEvent(rules, thread, sentBubble(data, payload.text)).thread);
      recheckUnknown(0);
    }
  }

  function recheckUnknown(attempt) {
    timers.clearTimeout(unknownTimer);
    if (!store.get().composer.unknown) return;
    const wait = UNKNOWN_RECHECK_MS[Math.min(attempt, UNKNOWN_RECHECK_MS.length - 1)];
    unknownTimer = timers.setTimeout(async () => {
      await loadThread();
      recheckUnknown(attempt + 1);
    }, wait);
  }

  /** The thread now knows what became of a send that may have left: settle the composer. */
  function settleUnknownSend() {
    const { composer, thread } = store.get();
    if (!composer.unknown) return;
    const message = resolvedSend(thread, composer.unknown.key);
    if (!message) return;
    timers.clearTimeout(unknownTimer);
    const state = store.get();
    const unchanged = draftSignature(describeDraft(state, tools).payload) === composer.unknown.signature;
    if (message.sid) {
      patch("composer", (current) => ({
        ...current,
        key: makeKey(),
        unknown: null,
        text: unchanged ? "" : current.text,
        files: unchanged ? [] : current.files,
        result: { kind: "sent", sid: message.sid, status: message.status, to: message.patientNumber },
      }));
    } else {
      merge("composer", {
        key: makeKey(),
        unknown: null,
        result: { kind: "error", text: "The last text was not sent. You can send the draft again." },
      });
    }
  }

  /** Without a thread (no patient), watch the new message's status for a while. */
  function pollStatus(sid) {
    const started = Date.now();
    const tick = async () => {
      let message = null;
      try {
        message = (await api.message(sid)).message;
      } catch {
        message = null;
      }
      const result = store.get().composer.result;
      if (!result || result.sid !== sid) return;
      const done = message && rules.isFinal(message.status);
      let note = "";
      let noteIsError = false;
      if (done && message.errorCode) {
        note = `Error ${message.errorCode}: ${message.errorExplanation || message.errorMessage || "not delivered"}`;
        noteIsError = true;
      } else if (done) {
        note = "Final status.";
      } else if (Date.now() - started >= STATUS_POLL_FOR_MS) {
        note = "Still waiting for the carrier; check the Log tab later.";
      }
      const status = message?.status ? message.status : result.status;
      patch("composer", (composer) => ({ ...composer, result: { ...composer.result, status, note, noteIsError } }));
      if (!note) statusPollTimer = timers.setTimeout(tick, STATUS_POLL_EVERY_MS);
    };
    statusPollTimer = timers.setTimeout(tick, STATUS_POLL_EVERY_MS);
  }

  // ---------- deleting (administrators, final statuses) ----------

  async function deleteMessage(sid) {
    if (!(await ask("confirm", "Delete this message from Twilio? This cannot be undone."))) return;
    const inDetail = () => store.get().log.detail && store.get().log.detail.sid === sid;
    if (inDetail()) patchDetail({ deleting: true, deleteError: "" });
    try {
      await api.deleteMessage(sid);
    } catch (error) {
      const text = `Could not delete: ${error.text}`;
      patchDetail({ deleting: false, deleteError: text });
      return;
    }
    const wasOpen = inDetail();
    messageDeleted(sid);
    if (wasOpen) {
      merge("log", {
        view: "list",
        detail: null,
        stateKind: "notice",
        stateText: "Message deleted.",
      });
    }
  }

  /** A message is gone at Twilio: shown as deleted in the thread, dropped from the Log's list. */
  function messageDeleted(sid) {
    patch("thread", (thread) => applyDeleted(thread, sid));
    patch("log", (log) => ({ ...log, pages: log.pages.filter((message) => message.sid !== sid) }));
  }

  const patchDetail = (change) => patch("log", (log) => ({ ...log, detail: { ...log.detail, ...change } }));

  // ---------- the Log ----------

  let logRequestId = 0;
  let unmatchedRequestId = 0;

  /** The Log costs a Twilio request: it loads when the clinician looks at it. */
  function logShown() {
    const { log, phones } = store.get();
    if (log.stale && phones.status === "ready") loadLog();
    else if (phones.status === "ready" && !phones.list.length) {
      merge("log", {
        stateKind: "empty",
        stateText: "This Twilio account has no phone numbers yet.",
      });
    }
  }

  function chooseLog(change) {
    merge("log", { ...change });
    loadLog();
  }

  async function loadLog(append = false) {
    const { log } = store.get();
    if (!log.number) {
      merge("log", {
        stale: false,
        pages: [],
        nextPage: null,
        stateKind: "empty",
        stateText: "This Twilio account has no phone numbers yet.",
      });
      return;
    }
    const requestId = ++logRequestId;
    patch("log", (current) => ({
      ...current,
      stale: false,
      view: "list",
      detail: null,
      pages: append ? current.pages : [],
      nextPage: append ? current.nextPage : null,
      stateKind: "loading",
      stateText: append ? "Loading more messages…" : "Loading messages…",
    }));
    try {
      const data = await api.messageList(log.number, log.direction, {
        pageSize: store.get().shared.limits.pageSizeDefault,
        page: append ? log.nextPage : undefined,
      });
      if (requestId !== logRequestId) return;
      patch("log", (current) => {
        const pages = [...current.pages, ...(Array.isArray(data.messages) ? data.messages : [])];
        const nextPage = data.nextPage ?? null;
        const count = new Set(pages.map((message) => message.sid)).size;
        return {
          ...current,
          pages,
          nextPage,
          shownDirection: log.direction,
          stateKind: count ? "" : "empty",
          stateText: count ? `${plural(count, "message")}${nextPage ? " (more available)" : ""}` : "No messages yet",
        };
      });
    } catch (error) {
      if (requestId !== logRequestId) return;
      merge("log", {
        stateKind: "error",
        stateText: `Could not load messages: ${error.text}`,
      });
    }
  }

  async function openMessage(sid) {
    merge("log", { view: "detail", detail: { sid, status: "loading" } });
    try {
      const data = await api.message(sid);
      if (!store.get().log.detail || store.get().log.detail.sid !== sid) return;
      patchDetail({
        status: "ready",
        message: data.message || {},
        media: Array.isArray(data.media) ? data.media : [],
        deleting: false,
        deleteError: "",
      });
    } catch (error) {
      if (!store.get().log.detail || store.get().log.detail.sid !== sid) return;
      patchDetail({ status: "error", error: error.text });
    }
  }

  function closeDetail() {
    merge("log", { view: "list", detail: null });
  }

  async function showUnmatched() {
    const requestId = ++unmatchedRequestId;
    merge("log", {
      view: "unmatched",
      detail: null,
      unmatched: { status: "loading", messages: [] },
    });
    try {
      const data = await api.unmatched();
      if (requestId !== unmatchedRequestId) return;
      const messages = Array.isArray(data.messages) ? data.messages : [];
      merge("log", { unmatched: { status: "ready", messages } });
    } catch (error) {
      if (requestId !== unmatchedRequestId) return;
      merge("log", { unmatched: { status: "error", messages: [], error: error.text } });
    }
  }

  function hideUnmatched() {
    unmatchedRequestId += 1;
    merge("log", { view: "list" });
  }

  // ---------- Phones (administrators set inbound webhooks) ----------

  const patchCard = (sid, change) =>
    patch("phoneCards", (cards) => ({ ...cards, [sid]: { ...(cards[sid] || {}), ...change } }));

  function editWebhook(sid, change) {
    patchCard(sid, change);
  }

  function saveWebhook(sid) {
    const phone = store.get().phones.list.find((item) => item.sid === sid);
    if (!phone) return Promise.resolve();
    const card = store.get().phoneCards[sid] || {};
    const webhook = phone.inboundWebhook || {};
    const url = String(card.url ?? webhook.url ?? "").trim();
    const method = card.method ?? (webhook.method || "POST").toUpperCase();
    return setWebhook(phone, url, method);
  }

  function pointAtPlugin(sid) {
    const phone = store.get().phones.list.find((item) => item.sid === sid);
    const inbound = store.get().phones.pluginUrls.inbound;
    return phone && inbound ? setWebhook(phone, inbound, "POST") : Promise.resolve();
  }

  async function setWebhook(phone, url, method) {
    patchCard(phone.sid, { saving: true, kind: "hint", message: "Saving…" });
    try {
      const data = await api.setInboundWebhook(phone.sid, url, method);
      const updated = data.phone || phone;
      patch("phones", (phones) => ({
        ...phones,
        list: phones.list.map((item) => (item.sid === updated.sid ? updated : item)),
      }));
      merge("phoneCards", { [phone.sid]: { kind: "hint ok", message: "Saved." } });
    } catch (error) {
      patchCard(phone.sid, { saving: false, kind: "hint error", message: `Not saved: ${error.text}` });
    }
  }

  return {
    isOwnUrl: api.isOwnUrl,
    selectTab,
    screenMayHaveChanged,
    loadPhones,
    loadThread,
    loadEarlier,
    scheduleRefresh,
    liveEvent,
    liveState,
    editDraft,
    chooseRecipient,
    normaliseRecipient,
    applyQuickReply,
    send,
    deleteMessage,
    closeDialog,
    chooseLog,
    loadLog,
    openMessage,
    closeDetail,
    showUnmatched,
    hideUnmatched,
    editWebhook,
    saveWebhook,
    pointAtPlugin,
    ...fileActions,
    ...scheduleActions({
      store,
      api,
      merge,
      patch,
      reread: (sid) => {
        scheduleRefresh();
        if (store.get().log.detail?.sid === sid) openMessage(sid);
      },
    }),
  };
}
