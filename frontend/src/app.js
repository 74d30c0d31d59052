/**
 * The chart-pane app's entry point and the only module that wires the others: it reads the
 * page's app_config, makes the API client, the store, the actions and the live updates, and
 * renders the views into #app.
 */
import { socketUrl } from "./api.js";
import { callingCode, formatPhone } from "./format.js";
import { watchThread } from "./live.js";
import { baseState, startPage } from "./page.js";
import { Shell } from "./views/shell.js";

function initialState(config) {
  return baseState(config, {
    tab: config.patientId ? "send" : "log",
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
  });
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
  const page = startPage({
    initialState,
    View: Shell,
    formatters,
    missingText: "This page is missing its configuration. Reload the chart.",
  });
  if (!page) return;
  const { config, store, chart: actions } = page;

  document.addEventListener("visibilitychange", actions.screenMayHaveChanged);
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
