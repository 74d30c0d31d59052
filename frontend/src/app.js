/**
 * The chart-pane app's entry point and the only module that wires the others: it reads the
 * page's app_config, makes the API client, the store, the actions and the live updates, and
 * renders the views into #app.
 */
import { render } from "preact";
import { createActions } from "./actions.js";
import { createApi, socketUrl } from "./api.js";
import { describeDraft } from "./draft.js";
import { callingCode, formatPhone } from "./format.js";
import { html } from "./html.js";
import { watchThread } from "./live.js";
import { segmentCounter } from "./segments.js";
import { createStore, emptyThread, statusRules } from "./store.js";
import { Shell } from "./views/shell.js";

const CLOCK_TICK_MS = 30_000;

/** A clientRequestId for a draft; randomUUID needs a secure context, getRandomValues does not. */
function makeKey() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function readConfig() {
  const node = document.getElementById("sms-app-config");
  const config = (node && JSON.parse(node.textContent || "null")) || {};
  return {
    apiBase: config.apiBase,
    patientId: String(config.patientId || ""),
    isAdmin: config.isAdmin === true,
    pluginUrls: config.pluginUrls || {},
    problems: Array.isArray(config.configProblems) ? config.configProblems.filter(Boolean) : [],
    warnings: Array.isArray(config.configWarnings) ? config.configWarnings.filter(Boolean).map(String) : [],
    shared: config.shared,
  };
}

function initialState(config, makeKey) {
  return {
    config: { patientId: config.patientId, isAdmin: config.isAdmin, pluginUrls: config.pluginUrls },
    shared: config.shared,
    tab: config.patientId ? "send" : "log",
    now: Date.now(),
    banner: config.problems.length ? [`Twilio is not configured: ${config.problems.join("; ")}`] : [],
    warnings: config.warnings,
    dialog: null,
    phones: { status: "loading", list: [], error: "", pluginUrls: config.pluginUrls },
    phoneCards: {},
    media: {},
    thread: { ...emptyThread(), live: "" },
    composer: {
      key: makeKey(),
      fromSid: null,
      choice: null,
      toText: "",
      text: "",
      media: "",
      callback: config.pluginUrls.status || "",
      sending: false,
      fieldError: null,
      result: null,
      unknown: null,
    },
    log: {
      number: "",
      direction: "from",
      shownDirection: "from",
      pages: [],
      nextPage: null,
      stale: true,
      view: "list",
      detail: null,
      stateKind: "loading",
      stateText: "Loading numbers…",
      unmatched: { status: "idle", messages: [] },
    },
  };
}

/** How numbers are shown: national for the practice's own country (from its first number). */
function formatters(state) {
  const first = state.phones.list[0];
  const practiceCode = (first && callingCode(first.phoneNumber)) || "1";
  const phone = (number) => formatPhone(number, practiceCode);
  const labelOf = (number) => {
    const match = state.phones.list.find((item) => item.phoneNumber === number);
    return match?.label && match.label !== number ? match.label : "";
  };
  return {
    phone,
    /** "Main line · (555) 010-0001" for a picker option. */
    phoneLabel: (item) =>
      labelOf(item.phoneNumber) ? `${item.label} · ${phone(item.phoneNumber)}` : phone(item.phoneNumber) || item.sid,
    /** "Main line (555) 010-0001", or just "Main line" when short. */
    practiceLabel: (number, short = false) => {
      const label = labelOf(number);
      if (!label) return number ? phone(number) : "unknown number";
      return short ? label : `${label} ${phone(number)}`;
    },
  };
}

function start() {
  const config = readConfig();
  const root = document.getElementById("app");
  if (!config.shared) {
    root.textContent = "This page is missing its configuration. Reload the chart.";
    return;
  }
  const store = createStore(initialState(config, makeKey));
  const showProblem = (message) =>
    store.update((state) =>
      state.banner.includes(message) ? state : { ...state, banner: [...state.banner, message] },
    );
  const api = createApi({ base: config.apiBase, onServiceProblem: showProblem });
  const rules = statusRules(config.shared);
  const count = segmentCounter(config.shared.segments);
  const e164 = new RegExp(config.shared.e164Pattern);
  const tools = {
    count,
    e164,
    limits: config.shared.limits,
    get fmt() {
      return formatters(store.get());
    },
  };
  const actions = createActions({
    store,
    api,
    rules,
    tools,
    makeKey,
    isVisible: () => document.visibilityState !== "hidden",
  });

  const draw = (state) => {
    const fmt = formatters(state);
    const draft = describeDraft(state, { count, e164, limits: config.shared.limits, fmt });
    render(html`<${Shell} state=${state} actions=${actions} fmt=${fmt} rules=${rules} draft=${draft} />`, root);
  };
  store.subscribe(draw);
  draw(store.get());

  document.addEventListener("visibilitychange", actions.screenMayHaveChanged);
  setInterval(() => store.update((state) => ({ ...state, now: Date.now() })), CLOCK_TICK_MS);
  actions.selectTab(store.get().tab);
  actions.loadPhones();
  if (config.patientId) {
    actions.loadThread().then(() => {
      const url = socketUrl(config.patientId, [
        () => document.baseURI,
        () => window.location.href,
        () => window.parent.location.href,
      ]);
      watchThread({
        url,
        onEvent: actions.liveEvent,
        onState: actions.liveState,
        poll: actions.loadThread,
        onOpen: actions.scheduleRefresh,
      });
    });
  }
}

start();
