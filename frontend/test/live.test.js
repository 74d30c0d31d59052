import assert from "node:assert/strict";
import { test } from "node:test";
import { POLL_MS, parseEvent, RECONNECT_MS, watchThread } from "../src/live.js";

function fakeTimers() {
  const timers = { now: 0, queue: [], id: 0 };
  timers.setTimeout = (fn, ms) => {
    timers.queue.push({ id: ++timers.id, at: timers.now + ms, fn });
    return timers.id;
  };
  timers.setInterval = (fn, ms) => {
    const id = ++timers.id;
    const tick = () => {
      fn();
      timers.queue.push({ id, at: timers.now + ms, fn: tick });
    };
    timers.queue.push({ id, at: timers.now + ms, fn: tick });
    return id;
  };
  timers.clearTimeout = timers.clearInterval = (id) => {
    timers.queue = timers.queue.filter((item) => item.id !== id);
  };
  timers.advance = (ms) => {
    const end = timers.now + ms;
    for (;;) {
      timers.queue.sort((a, b) => a.at - b.at);
      const next = timers.queue[0];
      if (!next || next.at > end) break;
      timers.queue.shift();
      timers.now = next.at;
      next.fn();
    }
    timers.now = end;
  };
  return timers;
}

function fakeSockets() {
  const made = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.listeners = {};
      made.push(this);
    }
    addEventListener(type, fn) {
      this.listeners[type] = fn;
    }
    emit(type, data) {
      this.listeners[type]?.(data);
    }
    close() {
      this.closed = true;
    }
  }
  return { FakeSocket, made };
}

test("a closed socket falls back to polling, reconnects with backoff and stops polling when live", () => {
  const timers = fakeTimers();
  const { FakeSocket, made } = fakeSockets();
  const states = [];
  let polls = 0;
  const events = [];
  watchThread({
    url: "ws://x/",
    onEvent: (event) => events.push(event),
    onState: (state) => states.push(state),
    poll: () => {
      polls += 1;
    },
    WebSocketImpl: FakeSocket,
    timers,
  });
  made[0].emit("close");
  assert.deepEqual(states, ["polling"]);
  timers.advance(RECONNECT_MS[0] - 1);
  assert.equal(made.length, 1);
  assert.equal(polls, Math.floor((RECONNECT_MS[0] - 1) / POLL_MS));
  timers.advance(1);
  assert.equal(made.length, 2, "reconnects after the first backoff");
  made[1].emit("close");
  timers.advance(RECONNECT_MS[1] - 1);
  assert.equal(made.length, 2, "the second wait is longer");
  timers.advance(1);
  made[2].emit("open");
  assert.equal(states.at(-1), "live");
  const before = polls;
  timers.advance(POLL_MS * 3);
  assert.equal(polls, before, "no polling while live");
  made[2].emit("message", { data: '{"type": "status", "sid": "SM1"}' });
  made[2].emit("message", { data: "not json" });
  assert.deepEqual(events, [{ type: "status", sid: "SM1" }]);
});

test("without a socket URL the thread is polled", () => {
  const timers = fakeTimers();
  const states = [];
  let polls = 0;
  watchThread({
    url: null,
    onEvent: () => {},
    onState: (state) => states.push(state),
    poll: () => {
      polls += 1;
    },
    timers,
  });
  timers.advance(POLL_MS * 2);
  assert.deepEqual([states, polls], [["polling"], 2]);
});

test("events without a type are dropped", () => {
  assert.equal(parseEvent("[]"), null);
  assert.equal(parseEvent('{"sid": 1}'), null);
  assert.deepEqual(parseEvent('{"type": "deleted", "sid": "SM1"}'), { type: "deleted", sid: "SM1" });
});
