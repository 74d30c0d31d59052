/**
 * The app's state and the pure functions that change it: the thread (merge, order, status
 * rank, read marks, live events), pending sends, the Log's pages. No DOM, no requests.
 */

/** A tiny observable store: `update(fn)` replaces the state with fn(state) and notifies. */
export function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    update(change) {
      const next = change(state);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener(state);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

// ---------- status order (values from app_config.shared) ----------

/** The status rules from `shared`: {rank(status), isFinal(status), advances(current, next)}. */
export function statusRules(shared) {
  const ranks = shared.statusRank || {};
  const finals = new Set(shared.finalStatuses || []);
  const rank = (status) => (Object.hasOwn(ranks, status) ? ranks[status] : -2);
  const isFinal = (status) => finals.has(status);
  /** True when `next` is progress over `current` (a final status only moves from delivered to read). */
  const advances = (current, next) => {
    if (current === next) return false;
    if (isFinal(current) && !(current === "delivered" && next === "read")) return false;
    return rank(next) > rank(current);
  };
  return { rank, isFinal, advances };
}

// ---------- thread messages ----------

/** A message's identity: its sid, or its send's clientRequestId while the sid is unknown. */
export function messageKey(message) {
  return message.sid ? message.sid : `request:${message.clientRequestId || ""}`;
}

function sameMessage(a, b) {
  if (a.sid && b.sid) return a.sid === b.sid;
  return Boolean(a.clientRequestId) && a.clientRequestId === b.clientRequestId;
}

/** Combine what we knew and what arrived: a status never moves backwards, a deletion stays. */
export function mergeMessage(rules, known, incoming) {
  if (!known) return { ...incoming };
  const result = { ...known, ...incoming, localOnly: false };
  if (!rules.advances(known.status, incoming.status) && known.status !== incoming.status) {
    result.status = known.status;
    result.errorCode = known.errorCode ?? incoming.errorCode ?? null;
    result.errorExplanation = known.errorExplanation ?? incoming.errorExplanation ?? null;
  }
  if (!incoming.sentBy && known.sentBy) result.sentBy = known.sentBy;
  if (!result.sid && known.sid) result.sid = known.sid;
  if (known.deleted || incoming.deleted) Object.assign(result, deletedFields());
  return result;
}

function deletedFields() {
  return { deleted: true, body: "", media: [], mediaCount: 0 };
}

/** Oldest first by creation time (stable for equal times). */
export function orderMessages(messages) {
  return [...messages].sort((a, b) => (Date.parse(a.created) || 0) - (Date.parse(b.created) || 0));
}

/** The list with `incoming` merged into the same message, or added. */
export function upsertMessage(rules, messages, incoming) {
  const index = messages.findIndex((message) => sameMessage(message, incoming));
  if (index === -1) return orderMessages([...messages, { ...incoming }]);
  const next = [...messages];
  next[index] = mergeMessage(rules, messages[index], incoming);
  return orderMessages(next);
}

export const emptyThread = () => ({
  loaded: false,
  error: "",
  patient: null,
  phones: [],
  messages: [],
  quickReplies: [],
  fresh: [],
  unseen: false,
  earlier: null, // the cursor of the page before the oldest message shown (null: none)
  loadingEarlier: false,
  earlierError: "",
});

const time = (message) => Date.parse(message.created) || 0;

/**
 * Known messages a newer first page does not hold and that are not newer than it: earlier pages
 * already read, and texts pushed off the first page by newer ones. They stay in the thread.
 */
export function olderKnown(known, incoming) {
  const oldest = incoming.length ? Math.min(...incoming.map(time)) : Number.NEGATIVE_INFINITY;
  return known.filter((message) => time(message) <= oldest && !incoming.some((other) => sameMessage(message, other)));
}

/**
 * The thread after a GET /patients/<id>/thread answer, and the keys of inbound texts that
 * were not there before (none on the first load). Bubbles only this page knows (a send's
 * answer newer than the thread) are kept.
 */
export function applyThreadAnswer(rules, thread, data) {
  const incoming = Array.isArray(data.messages) ? data.messages : [];
  const arrived = thread.loaded
    ? incoming
        .filter((message) => message.direction === "inbound")
        .filter((message) => !thread.messages.some((known) => sameMessage(known, message)))
        .map(messageKey)
    : [];
  const merged = incoming.map((message) =>
    mergeMessage(
      rules,
      thread.messages.find((known) => sameMessage(known, message)),
      message,
    ),
  );
  const kept = thread.messages.filter(
    (known) => known.localOnly && !incoming.some((message) => sameMessage(known, message)),
  );
  const older = olderKnown(
    thread.messages.filter((known) => !known.localOnly),
    incoming,
  );
  return {
    thread: {
      ...thread,
      loaded: true,
      error: "",
      patient: data.patient || null,
      phones: Array.isArray(data.phones) ? data.phones : [],
      quickReplies: (Array.isArray(data.quickReplies) ? data.quickReplies : []).filter(
        (reply) => reply?.name && typeof reply.text === "string",
      ),
      messages: orderMessages([...older, ...merged, ...kept]),
      // Earlier pages already read keep their cursor; otherwise the first page's.
      earlier: older.length ? thread.earlier : (data.earlierCursor ?? null),
    },
    arrived,
  };
}

/** A page of earlier messages (GET …/thread?cursor=): put before what the thread holds. */
export function applyEarlierAnswer(thread, data) {
  const incoming = (Array.isArray(data.messages) ? data.messages : []).filter(
    (message) => !thread.messages.some((known) => sameMessage(known, message)),
  );
  return {
    ...thread,
    messages: orderMessages([...incoming, ...thread.messages]),
    earlier: data.earlierCursor ?? null,
    loadingEarlier: false,
  };
}

/** A live `{"type": "status"}` event; `known` is false when the thread has no such message. */
export function applyStatusEvent(rules, thread, event) {
  const known = thread.messages.find((message) => message.sid === event.sid);
  if (!known) return { thread, known: false };
  const update = {
    ...known,
    status: event.status,
    errorCode: event.errorCode ?? null,
    errorExplanation: event.errorExplanation ?? null,
  };
  return { thread: { ...thread, messages: upsertMessage(rules, thread.messages, update) }, known: true };
}

/** A live `{"type": "message"}` event (a new text, or an unknown send resolved). */
export function applyMessageEvent(rules, thread, message) {
  const isNew = !thread.messages.some((known) => sameMessage(known, message));
  return { thread: { ...thread, messages: upsertMessage(rules, thread.messages, message) }, isNew };
}

/** A live `{"type": "deleted"}` event or a delete this page made: body and media gone. */
export function applyDeleted(thread, sid) {
  if (!thread.messages.some((message) => message.sid === sid)) return thread;
  return {
    ...thread,
    messages: thread.messages.map((message) => (message.sid === sid ? { ...message, ...deletedFields() } : message)),
  };
}

/** The bubble a send's answer (201, or 202 with status unknown) shows until the thread has it. */
export function sentBubble(answer, text) {
  const sent = answer.message || {};
  return {
    sid: sent.sid || null,
    clientRequestId: answer.clientRequestId || null,
    direction: "outbound",
    practiceNumber: sent.from,
    patientNumber: sent.to,
    body: text,
    status: sent.status || "queued",
    errorCode: null,
    errorExplanation: null,
    sentBy: null,
    created: sent.created || new Date().toISOString(),
    mediaCount: sent.mediaCount || 0,
    media: [],
    shared: false,
    deleted: false,
    notice: answer.notice || "",
    sendAt: sent.sendAt || null,
    localOnly: true,
  };
}

// ---------- read state ----------

/**
 * Inbound texts arrived: on screen they are read at once (`read: true`: call POST /read);
 * off screen they are marked fresh (the New divider) and unseen (the dot on the Send tab).
 */
export function inboundArrived(thread, keys, onScreen) {
  if (!keys.length) return { thread, read: false };
  if (onScreen) return { thread, read: true };
  return { thread: { ...thread, fresh: [...thread.fresh, ...keys], unseen: true }, read: false };
}

/** The thread came on screen (`read: true` when there is something to mark read) or went off it. */
export function screenChanged(thread, onScreen) {
  if (onScreen) {
    return thread.unseen ? { thread: { ...thread, unseen: false }, read: true } : { thread, read: false };
  }
  // Seen: the New divider goes once the clinician looks away.
  return { thread: thread.unseen ? thread : { ...thread, fresh: [] }, read: false };
}

// ---------- sends ----------

/** The payload a send is judged the same by (the idempotency key covers exactly this). */
export function draftSignature(payload) {
  const { clientRequestId, confirmNoConsent, ...rest } = payload;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

/**
 * Whether an `unknown` send has resolved in the thread: null while it has not (or the
 * thread does not have it), else the message as the thread now knows it.
 */
export function resolvedSend(thread, clientRequestId) {
  const message = thread.messages.find((item) => item.clientRequestId === clientRequestId);
  if (!message || message.status === "unknown") return null;
  return message;
}

// ---------- the Log ----------

export const logTime = (message) => message.sent || message.created || "";

/** The Log's messages newest first, a message listed once even if two pages carry it. */
export function logMessages(pages) {
  const seen = new Map();
  for (const message of pages) seen.set(message.sid, message);
  return [...seen.values()].sort((a, b) => (Date.parse(logTime(b)) || 0) - (Date.parse(logTime(a)) || 0));
}
