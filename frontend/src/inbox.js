/**
 * The practice inbox's entry point: the conversation list (filters, search, cursor pages,
 * triage) beside the selected conversation, whose thread and composer are the chart app's own
 * (same store shape, same actions, with `config.patientId` switched to the selected patient).
 * The Staff `inbox` channel keeps the list current.
 */
import { channelUrl } from "./api.js";
import { callingCode, formatPhone } from "./format.js";
import { watchThread } from "./live.js";
import { baseState, freshComposer, startPage } from "./page.js";
import { emptyThread, olderKnown } from "./store.js";
import { InboxView } from "./views/inbox.js";

const SEARCH_DEBOUNCE_MS = 300;

function initialState(config) {
  return baseState(
    { ...config, patientId: "" },
    {
      log: { pages: [], unmatched: { status: "idle", messages: [] } },
      inbox: {
        staffId: config.staffId,
        filter: "unread",
        q: "",
        rows: [],
        next: null,
        status: "loading",
        error: "",
        selected: null,
        numberThread: null,
        numberEarlier: null,
        staff: [],
        unreadConversations: 0,
        linkResults: [],
        linkAdd: false,
      },
    },
  );
}

function formatters(state) {
  const first = state.phones.list[0];
  const code = (first && callingCode(first.phoneNumber)) || "1";
  const phone = (number) => formatPhone(number, code);
  return {
    phone,
    phoneLabel: (item) =>
      (item.label && item.label !== item.phoneNumber ? `${item.label} · ` : "") + phone(item.phoneNumber),
    practiceLabel: (number) => (number ? phone(number) : "unknown number"),
  };
}

/** What the inbox's own controls do (the thread and composer use the chart app's actions). */
function inboxActions({ store, api, chart, config }) {
  const patch = (change) => store.update((state) => ({ ...state, inbox: { ...state.inbox, ...change(state.inbox) } }));
  let listId = 0;

  async function load(more = false) {
    const { filter, q, next } = store.get().inbox;
    const id = ++listId;
    if (!more) patch(() => ({ status: "loading" }));
    try {
      const data = await api.inbox({ filter, q, cursor: more ? next : "" });
      if (id !== listId) return;
      patch((inbox) => ({
        rows: more ? [...inbox.rows, ...data.conversations] : data.conversations,
        next: data.nextCursor,
        status: "ready",
        error: "",
        unreadConversations: data.unreadConversations,
      }));
      // Polled while the socket is down: the open conversation catches up the same way.
      const open = store.get().inbox.rows.find((row) => row.id === store.get().inbox.selected);
      if (open?.unread && store.get().config.patientId) chart.loadThread();
    } catch (error) {
      if (id === listId) patch(() => ({ status: "error", error: error.text || error.message }));
    }
  }

  let searchTimer = null;
  function search(q) {
    patch(() => ({ q }));
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => load(false), SEARCH_DEBOUNCE_MS);
  }

  function chooseFilter(filter) {
    patch(() => ({ filter }));
    load(false);
  }

  async function select(key) {
    const row = store.get().inbox.rows.find((item) => item.id === key);
    if (!row) return;
    patch(() => ({ selected: key, numberThread: null, numberEarlier: null, linkResults: [] }));
    store.update((state) => ({
      ...state,
      config: { ...state.config, patientId: row.patientId || "" },
      thread: { ...emptyThread(), live: state.thread.live },
      composer: { ...freshComposer(config), fromSid: state.composer.fromSid, toText: row.patientId ? "" : row.number },
    }));
    if (row.patientId) await chart.loadThread();
    else await loadNumberThread(key);
  }

  /** The newest page of an unknown number's texts, or (with `cursor`) the page before. */
  async function loadNumberThread(key, cursor = "") {
    try {
      const data = await api.numberThread(key, cursor);
      if (store.get().inbox.selected !== key) return;
      patch(({ numberThread: known = [], numberEarlier }) => {
        if (cursor) {
          const earlier = cursor === numberEarlier ? data.earlierCursor : numberEarlier;
          return { numberThread: [...data.messages, ...known], numberEarlier: earlier };
        }
        const older = olderKnown(known || [], data.messages);
        return {
          numberThread: [...older, ...data.messages],
          numberEarlier: older.length ? numberEarlier : data.earlierCursor,
        };
      });
    } catch (error) {
      patch(() => ({ error: error.text || error.message }));
    }
  }

  function back() {
    patch(() => ({ selected: null }));
    store.update((state) => ({ ...state, config: { ...state.config, patientId: "" } }));
  }

  async function triage(action, body) {
    const key = store.get().inbox.selected;
    if (!key) return;
    try {
      const data = await api.triage(key, action, body);
      upsert([data.conversation], key === data.conversation.id ? [] : [key]);
      if (action === "link") select(data.conversation.id);
    } catch (error) {
      patch(() => ({ error: error.text || error.message }));
    }
  }

  async function loadStaff() {
    try {
      const data = await api.staff();
      patch(() => ({ staff: data.staff }));
    } catch {
      // The assign menu stays empty; Take it still works.
    }
  }

  async function findPatients(q) {
    if (q.trim().length < 2) return patch(() => ({ linkResults: [] }));
    try {
      const data = await api.findPatients(q);
      patch(() => ({ linkResults: data.patients }));
    } catch {
      patch(() => ({ linkResults: [] }));
    }
  }

  /** Rows changed (live or by a triage answer): replace them, keep the list ordered. */
  function upsert(rows, removed = []) {
    patch((inbox) => {
      const changed = new Map(rows.map((row) => [row.id, row]));
      const kept = inbox.rows.filter((row) => !changed.has(row.id) && !removed.includes(row.id));
      const merged = [...kept, ...rows].filter((row) => fits(inbox, row));
      merged.sort((a, b) => (a.lastAt < b.lastAt ? 1 : a.lastAt > b.lastAt ? -1 : 0));
      return { rows: merged };
    });
  }

  function fits(inbox, row) {
    if (row.id === inbox.selected) return true;
    const open = row.status === "open";
    const wanted = {
      unread: row.unread > 0,
      mine: open && row.assignee?.id === inbox.staffId,
      unassigned: open && !row.assignee,
      done: !open,
      all: true,
    }[inbox.filter];
    return wanted && matches(inbox.q, row);
  }

  function liveEvent(event) {
    if (event.type !== "conversations") return;
    patch(() => ({ unreadConversations: event.unreadConversations }));
    upsert(event.conversations || [], event.removed || []);
    const selected = store.get().inbox.selected;
    if (!(event.conversations || []).some((row) => row.id === selected)) return;
    // The open conversation shows the new text (and reading it clears its unread count).
    if (store.get().config.patientId) chart.loadThread();
    else loadNumberThread(selected);
  }

  const addNumber = () => store.get().inbox.linkAdd;
  const earlierNumber = () => {
    const { selected, numberEarlier } = store.get().inbox;
    if (numberEarlier) loadNumberThread(selected, numberEarlier);
  };
  return {
    load,
    search,
    chooseFilter,
    select,
    back,
    triage,
    loadStaff,
    findPatients,
    liveEvent,
    patch,
    addNumber,
    earlierNumber,
  };
}

/** The server's search rule, for rows that arrive live: digits match the number's end. */
function matches(q, row) {
  const text = q.trim().toLowerCase();
  if (!text) return true;
  const digits = text.replace(/[^0-9]/g, "");
  if (/^[0-9][0-9 ().-]*$/.test(text)) return row.number.endsWith(digits);
  return row.name.toLowerCase().includes(text);
}

function start() {
  const page = startPage({
    initialState,
    View: InboxView,
    formatters,
    extendActions: ({ store, api, chart, config }) => ({
      ...chart,
      inbox: inboxActions({ store, api, chart, config }),
    }),
    missingText: "This page is missing its configuration. Reload Canvas.",
  });
  if (!page) return;
  const { chart, actions } = page;
  const { inbox } = actions;

  chart.loadPhones();
  inbox.load();
  inbox.loadStaff();
  const locations = [() => document.baseURI, () => window.location.href, () => window.parent.location.href];
  watchThread({
    url: channelUrl("inbox", locations),
    onEvent: inbox.liveEvent,
    onState: chart.liveState,
    poll: () => inbox.load(false),
    onOpen: () => inbox.load(false), // catch up on what changed while the socket was down
  });
}

start();
