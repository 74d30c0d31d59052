/**
 * What the two pages (the chart pane and the practice inbox) share: reading app_config, the
 * state both start from, and the wiring of store, API client, actions and rendering. Each entry
 * (app.js, inbox.js) adds only what is its own.
 */
import { render } from "preact";
import { createActions } from "./actions.js";
import { createApi } from "./api.js";
import { describeDraft } from "./draft.js";
import { html } from "./html.js";
import { segmentCounter } from "./segments.js";
import { createStore, emptyThread, statusRules } from "./store.js";
import { knownZone } from "./zoned.js";

const CLOCK_TICK_MS = 30_000;

/** A clientRequestId for a draft; randomUUID needs a secure context, getRandomValues does not. */
export function makeKey() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The page's app_config, with every list and flag in a known shape. */
export function readConfig() {
  const node = document.getElementById("sms-app-config");
  const config = (node && JSON.parse(node.textContent || "null")) || {};
  const list = (value) => (Array.isArray(value) ? value.filter(Boolean).map(String) : []);
  return {
    apiBase: config.apiBase,
    patientId: String(config.patientId || ""),
    staffId: String(config.staffId || ""),
    isAdmin: config.isAdmin === true,
    pluginUrls: config.pluginUrls || {},
    problems: list(config.configProblems),
    warnings: list(config.configWarnings),
    shared: config.shared,
    zone: knownZone(config.practiceTimeZone), // PracticeTimeZone, from Python
  };
}

/** An empty composer with a new idempotency key. */
export function freshComposer(config) {
  return {
    key: makeKey(),
    fromSid: null,
    choice: null,
    toText: "",
    text: "",
    callback: config.pluginUrls.status || "",
    sending: false,
    fieldError: null,
    result: null,
    unknown: null,
  };
}

/** The state both pages start from (`extra` adds or replaces top-level parts). */
export function baseState(config, extra) {
  return {
    config: { patientId: config.patientId, isAdmin: config.isAdmin, pluginUrls: config.pluginUrls, zone: config.zone },
    shared: config.shared,
    tab: "send",
    now: Date.now(),
    banner: config.problems.length ? [`Twilio is not configured: ${config.problems.join("; ")}`] : [],
    warnings: config.warnings,
    dialog: null,
    phones: { status: "loading", list: [], error: "", pluginUrls: config.pluginUrls },
    phoneCards: {},
    media: {},
    thread: { ...emptyThread(), live: "" },
    composer: freshComposer(config),
    ...extra,
  };
}

/**
 * Wires a page: store, API client, the chart's actions (extended by `extendActions`), and a
 * render of `View` into #app on every change. Returns what the entry needs to go on, or null
 * when the page has no configuration.
 */
export function startPage({ initialState, View, formatters, extendActions, missingText }) {
  const config = readConfig();
  const root = document.getElementById("app");
  if (!config.shared) {
    root.textContent = missingText;
    return null;
  }
  const store = createStore(initialState(config));
  const showProblem = (message) =>
    store.update((state) =>
      state.banner.includes(message) ? state : { ...state, banner: [...state.banner, message] },
    );
  const api = createApi({ base: config.apiBase, onServiceProblem: showProblem });
  const rules = statusRules(config.shared);
  const tools = {
    count: segmentCounter(config.shared.segments),
    e164: new RegExp(config.shared.e164Pattern),
    limits: config.shared.limits,
    get fmt() {
      return formatters(store.get());
    },
  };
  const chart = createActions({
    store,
    api,
    rules,
    tools,
    makeKey,
    isVisible: () => document.visibilityState !== "hidden",
  });
  const actions = extendActions ? extendActions({ store, api, chart, config }) : chart;

  const draw = (state) => {
    const fmt = formatters(state);
    const draft = describeDraft(state, { ...tools, fmt });
    render(html`<${View} state=${state} actions=${actions} fmt=${fmt} rules=${rules} draft=${draft} />`, root);
  };
  store.subscribe(draw);
  draw(store.get());
  setInterval(() => store.update((state) => ({ ...state, now: Date.now() })), CLOCK_TICK_MS);
  return { config, store, api, chart, actions };
}
