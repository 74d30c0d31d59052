/**
 * Live updates of a patient's thread: a WebSocket with reconnect and backoff, and polling
 * while the socket is down. Emits events; knows nothing of the DOM or the store.
 */

export const POLL_MS = 5000;
export const RECONNECT_MS = [5000, 15000, 30000, 60000];

/**
 * Start watching. `url` is the socket URL or null (then only polling);
 * `onEvent(event)` gets each parsed JSON event; `onState("live" | "polling")` the mode;
 * `poll()` refreshes the thread; `onOpen()` runs when the socket (re)opens (catch up).
 * `WebSocketImpl`, `timers` are injected for tests. Returns {stop}.
 */
export function watchThread({
  url,
  onEvent,
  onState,
  poll,
  onOpen = () => {},
  WebSocketImpl = globalThis.WebSocket,
  timers = globalThis,
}) {
  let socket = null;
  let attempt = 0;
  let pollTimer = null;
  let reconnectTimer = null;
  let stopped = false;

  function startPolling() {
    onState("polling");
    if (pollTimer === null) pollTimer = timers.setInterval(poll, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer !== null) timers.clearInterval(pollTimer);
    pollTimer = null;
  }

  function lost() {
    if (stopped) return;
    startPolling();
    const wait = RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)];
    attempt += 1;
    timers.clearTimeout(reconnectTimer);
    reconnectTimer = timers.setTimeout(connect, wait);
  }

  function connect() {
    if (stopped) return;
    if (!url || typeof WebSocketImpl !== "function") {
      startPolling();
      return;
    }
    let current;
    try {
      current = new WebSocketImpl(url);
    } catch {
      lost();
      return;
    }
    socket = current;
    current.addEventListener("open", () => {
      if (socket !== current) return;
      attempt = 0;
      stopPolling();
      onState("live");
      onOpen();
    });
    current.addEventListener("message", (message) => {
      if (socket !== current) return;
      const event = parseEvent(message.data);
      if (event) onEvent(event);
    });
    current.addEventListener("close", () => {
      if (socket !== current) return;
      socket = null;
      lost();
    });
  }

  connect();
  return {
    stop() {
      stopped = true;
      stopPolling();
      timers.clearTimeout(reconnectTimer);
      if (socket) socket.close();
      socket = null;
    },
  };
}

/** A live event as an object with a string `type`, or null for anything else. */
export function parseEvent(raw) {
  try {
    const event = JSON.parse(raw);
    return event && typeof event === "object" && typeof event.type === "string" ? event : null;
  } catch {
    return null;
  }
}
