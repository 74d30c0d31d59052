/**
 * The plugin's JSON API: one function per route, relative URLs, and the one place where an
 * `{"error": {...}}` answer becomes an ApiError. Knows nothing of the DOM.
 */

export const DEFAULT_API_BASE = "/plugin-io/api/twilio_sms_mms";
const SOCKET_PATH = "/plugin-io/ws/twilio_sms_mms";

/** A refused or failed request: `status` 0 means the server was not reached. */
export class ApiError extends Error {
  constructor(message, { status = 0, twilioCode = null, field = null, reason = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.twilioCode = twilioCode ?? null;
    this.field = field || null;
    this.reason = reason || null;
  }

  /** The message with Twilio's code when there is one, for a line of text. */
  get text() {
    return this.twilioCode ? `${this.message} (Twilio error ${this.twilioCode})` : this.message;
  }
}

/** The ApiError for an answer that is not 2xx (`data` is its parsed JSON or null). */
export function errorFromAnswer(status, statusText, data) {
  const detail = data && typeof data.error === "object" && data.error ? data.error : {};
  let message = detail.message || (data && typeof data.error === "string" ? data.error : "");
  // A 401 carrying a Twilio code is Twilio refusing the plugin's credentials, not the session.
  if (status === 401 && !detail.twilioCode) {
    message = "Your Canvas session has expired. Reload the chart and try again.";
  }
  if (!message) message = `${`The server answered ${status} ${statusText || ""}`.trim()}.`;
  return new ApiError(message, {
    status,
    twilioCode: detail.twilioCode,
    field: detail.field,
    reason: detail.reason,
  });
}

/**
 * The API client. `fetch` is injected for tests; `onServiceProblem(message)` hears 503s and
 * Twilio's credential refusals (the app shows them in the banner).
 */
export function createApi({ base = DEFAULT_API_BASE, fetch: fetchImpl, onServiceProblem } = {}) {
  const apiBase = String(base || DEFAULT_API_BASE).replace(/\/+$/, "");
  const doFetch = fetchImpl || ((...args) => globalThis.fetch(...args));
  const id = encodeURIComponent;

  /** Resolves with {status, data}; rejects with an ApiError. */
  async function call(path, { method = "GET", body } = {}) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await doFetch(apiBase + path, init);
    } catch {
      throw new ApiError("Could not reach the server. Check the connection and try again.");
    }
    let data = null;
    try {
      data = JSON.parse(await response.text());
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = errorFromAnswer(response.status, response.statusText, data);
      if (onServiceProblem && (response.status === 503 || error.twilioCode === 20003)) {
        onServiceProblem(error.message);
      }
      throw error;
    }
    if (data === null || typeof data !== "object") {
      throw new ApiError("The server sent an answer this page cannot read.", { status: response.status });
    }
    return { status: response.status, data };
  }
  const get = async (path) => (await call(path)).data;

  return {
    base: apiBase,
    /** True for the plugin's own URLs (media src/href come only from these). */
    isOwnUrl: (url) => typeof url === "string" && url.startsWith(`${apiBase}/`),
    phoneList: () => get("/phone_list"),
    phoneReadiness: (refresh) => get(`/phone_readiness${refresh ? "?refresh=1" : ""}`),
    messageList: (number, direction, { pageSize, page } = {}) => {
      const query = new URLSearchParams();
      if (pageSize) query.set("pageSize", String(pageSize));
      if (page) query.set("page", page);
      const suffix = query.toString() ? `?${query}` : "";
      return get(`/message_list/${id(number)}/${direction === "to" ? "to" : "from"}${suffix}`);
    },
    message: (sid) => get(`/message/${id(sid)}`),
    medias: (sid) => get(`/medias/${id(sid)}`),
    deleteMessage: async (sid) => (await call(`/message_delete/${id(sid)}`, { method: "DELETE" })).data,
    /** POST /message_cancel/<sid>: {sid, status: "canceled"}; 409 (Twilio 30409) once it left. */
    cancelMessage: async (sid) => (await call(`/message_cancel/${id(sid)}`, { method: "POST", body: {} })).data,
    /** POST /sms_send: resolves with {status: 201|202, data}. */
    send: (payload) => call("/sms_send", { method: "POST", body: payload }),
    /** POST /attachments (multipart `files`): resolves with {attachments: [{id, contentType, size}]}. */
    upload: async (form) => (await call("/attachments", { method: "POST", body: form })).data,
    setInboundWebhook: async (phoneSid, url, method) =>
      (await call(`/inbound_webhook/${id(phoneSid)}`, { method: "POST", body: { url, method } })).data,
    /** The patient's thread; `markRead: false` peeks without clearing the badge; `cursor` (an
     * earlierCursor) reads the page before: {messages, earlierCursor}. */
    thread: (patientId, { markRead = true, cursor = "" } = {}) => {
      const query = new URLSearchParams(markRead ? {} : { markRead: "0" });
      if (cursor) query.set("cursor", cursor);
      return get(`/patients/${id(patientId)}/thread${query.toString() ? `?${query}` : ""}`);
    },
    markRead: async (patientId) => (await call(`/patients/${id(patientId)}/read`, { method: "POST" })).data,
    unmatched: () => get("/unmatched"),
    /** The practice inbox: {filter, q, cursor} → {conversations, nextCursor, unreadConversations}. */
    inbox: ({ filter = "all", q = "", cursor = "" } = {}) => {
      const query = new URLSearchParams({ filter });
      if (q) query.set("q", q);
      if (cursor) query.set("cursor", cursor);
      return get(`/inbox?${query}`);
    },
    /** take / done / reopen / assign {staffId} / link {patientId, addContactPoint}. */
    triage: async (key, action, body = {}) =>
      (await call(`/inbox/conversations/${id(key)}/${action}`, { method: "POST", body })).data,
    numberThread: (key, cursor = "") =>
      get(`/inbox/conversations/${id(key)}/thread${cursor ? `?cursor=${id(cursor)}` : ""}`),
    staff: () => get("/inbox/staff"),
    findPatients: (q) => get(`/inbox/patients?${new URLSearchParams({ q })}`),
  };
}

/**
 * The live-updates socket of a patient, on the page's own origin (ws: or wss:), or null.
 * `locations` are tried in order: inside the chart's srcdoc iframe `location` is about:srcdoc
 * and the base URL is the chart's.
 */
export function socketUrl(patientId, locations) {
  return channelUrl(`patient_${encodeURIComponent(patientId)}`, locations);
}

/** The socket URL of any channel of the plugin (e.g. `inbox`), or null. */
export function channelUrl(channel, locations) {
  for (const candidate of locations) {
    let url = null;
    try {
      url = new URL(candidate());
    } catch {
      url = null;
    }
    if (url && (url.protocol === "http:" || url.protocol === "https:")) {
      const scheme = url.protocol === "https:" ? "wss:" : "ws:";
      return `${scheme}//${url.host}${SOCKET_PATH}/${channel}/`;
    }
  }
  return null;
}
