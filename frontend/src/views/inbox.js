/**
 * The practice inbox page: the conversation list (filters, search, rows, more) and the selected
 * conversation (triage bar, then the chart app's ThreadView and ComposerView). A narrow page
 * shows one of the two at a time.
 */
import { plural } from "../format.js";
import { delegate, html, perActions } from "../html.js";
import { Time } from "./common.js";
import { ComposerView } from "./composer.js";
import { Dialog } from "./dialog.js";
import { ThreadView } from "./thread.js";

const FILTERS = [
  ["unread", "Unread"],
  ["mine", "Assigned to me"],
  ["unassigned", "Unassigned"],
  ["done", "Done"],
  ["all", "All"],
];

const listHandlers = perActions(({ inbox }) => ({
  click: delegate({
    filter: (element) => inbox.chooseFilter(element.dataset.filter),
    select: (element) => inbox.select(element.dataset.key),
    more: () => inbox.load(true),
    retry: () => inbox.load(false),
  }),
  input: delegate({ search: (element) => inbox.search(element.value) }),
}));

const paneHandlers = perActions(({ inbox }) => ({
  click: delegate({
    back: () => inbox.back(),
    take: () => inbox.triage("take"),
    done: () => inbox.triage("done"),
    reopen: () => inbox.triage("reopen"),
    link: (element) => inbox.triage("link", { patientId: element.dataset.patient, addContactPoint: inbox.addNumber() }),
    "earlier-number": () => inbox.earlierNumber(),
  }),
  change: delegate({
    assign: (element) => inbox.triage("assign", { staffId: element.value || null }),
    "add-number": (element) => inbox.patch(() => ({ linkAdd: element.checked })),
  }),
  input: delegate({ "find-patient": (element) => inbox.findPatients(element.value) }),
}));

export function InboxView(props) {
  const { state } = props;
  const { inbox } = state;
  return html`<div class=${`inbox${inbox.selected ? " has-selection" : ""}`} data-live=${state.thread.live} data-testid="inbox">
    <div class="banner" role="alert" hidden=${state.banner.length === 0}>
      ${state.banner.map((line) => html`<p key=${line}>${line}</p>`)}
    </div>
    <div class="warnings" role="status" data-testid="config-warnings" hidden=${state.warnings.length === 0}>
      ${state.warnings.map((line) => html`<p key=${line}>${line}</p>`)}
    </div>
    <div class="inbox-body">
      <${ConversationList} ...${props} />
      <${ConversationPane} ...${props} />
    </div>
    <${Dialog} state=${state} actions=${props.actions} />
  </div>`;
}

function ConversationList({ state, actions, fmt }) {
  const { inbox } = state;
  const handlers = listHandlers(actions);
  return html`<aside class="inbox-list" aria-label="Conversations" onClick=${handlers.click} onInput=${handlers.input}>
    <h1 class="inbox-title">Inbox <span class="inbox-count" data-testid="inbox-unread">${inbox.unreadConversations ? plural(inbox.unreadConversations, "unread conversation") : ""}</span></h1>
    <div class="inbox-filters" role="group" aria-label="Filter">
      ${FILTERS.map(
        ([name, label]) =>
          html`<button key=${name} type="button" class="chip" data-action="filter" data-filter=${name} aria-pressed=${String(inbox.filter === name)} data-testid=${`filter-${name}`}>${label}</button>`,
      )}
    </div>
    <input type="search" class="inbox-search" data-action="search" placeholder="Name or last digits" aria-label="Search conversations" value=${inbox.q} data-testid="inbox-search" />
    ${inbox.status === "error" && html`<p class="note error">${inbox.error} <button type="button" class="button link" data-action="retry">Try again</button></p>`}
    ${inbox.status === "ready" && inbox.rows.length === 0 && html`<p class="note" data-testid="inbox-empty">No conversations here.</p>`}
    <ul class="inbox-rows">
      ${inbox.rows.map((row) => html`<li key=${row.id}><${Row} row=${row} state=${state} fmt=${fmt} /></li>`)}
    </ul>
    ${inbox.next && html`<button type="button" class="button secondary" data-action="more" data-testid="inbox-more">Earlier conversations</button>`}
  </aside>`;
}

function Row({ row, state, fmt }) {
  const selected = state.inbox.selected === row.id;
  return html`<button type="button" class=${`inbox-row${row.unread ? " unread" : ""}`} data-action="select" data-key=${row.id} aria-current=${selected ? "true" : undefined} data-testid="inbox-row">
    <span class="inbox-row-top">
      <span class="inbox-name">${row.name || fmt.phone(row.number)}</span>
      <${Time} iso=${row.lastAt} now=${state.now} />
    </span>
    <span class="inbox-preview">${row.lastDirection === "outbound" ? "You: " : ""}${row.lastMessage}</span>
    <span class="inbox-row-meta">
      ${row.unread > 0 && html`<span class="inbox-unread" data-testid="inbox-row-unread">${row.unread}</span>`}
      <span class="inbox-assignee">${row.assignee ? row.assignee.name : "Unassigned"}</span>
      <span class=${`inbox-status ${row.status}`} data-testid="inbox-row-status">${row.status === "done" ? "Done" : "Open"}</span>
    </span>
  </button>`;
}

function ConversationPane(props) {
  const { state, actions, fmt } = props;
  const { inbox } = state;
  const row = inbox.rows.find((item) => item.id === inbox.selected);
  if (!row) return html`<section class="inbox-pane empty"><p class="note">Choose a conversation.</p></section>`;
  const handlers = paneHandlers(actions);
  const chartUrl = row.patientId ? `/patient/${encodeURIComponent(row.patientId)}` : "";
  return html`<section class="inbox-pane" aria-label="Conversation" onClick=${handlers.click} onChange=${handlers.change} onInput=${handlers.input}>
    <header class="inbox-pane-head">
      <button type="button" class="button link inbox-back" data-action="back">‹ Conversations</button>
      <h2 data-testid="pane-title">${row.name || fmt.phone(row.number)}</h2>
      ${chartUrl && html`<a href=${chartUrl} target="_top" class="link">Open chart</a>`}
      <div class="inbox-triage">
        <button type="button" class="button secondary" data-action="take" data-testid="take">Take it</button>
        <select data-action="assign" aria-label="Assign to" data-testid="assign">
          <option value="" selected=${!row.assignee}>Unassigned</option>
          ${inbox.staff.map((member) => html`<option key=${member.id} value=${member.id} selected=${row.assignee?.id === member.id}>${member.name}</option>`)}
        </select>
        ${
          row.status === "done"
            ? html`<button type="button" class="button secondary" data-action="reopen" data-testid="reopen">Reopen</button>`
            : html`<button type="button" class="button primary" data-action="done" data-testid="done">Done</button>`
        }
      </div>
    </header>
    ${inbox.error && html`<p class="note error" role="alert">${inbox.error}</p>`}
    ${row.patientId ? html`<${ThreadView} ...${props} />` : html`<${NumberThread} row=${row} state=${state} fmt=${fmt} />`}
    <${ComposerView} ...${props} />
  </section>`;
}

function NumberThread({ state }) {
  const { inbox } = state;
  return html`<div class="inbox-number">
    <p class="note">This number is on no patient's chart.</p>
    ${inbox.numberEarlier && html`<button type="button" class="button link" data-action="earlier-number" data-testid="number-earlier">Earlier messages</button>`}
    <ol class="thread-list">
      ${(inbox.numberThread || []).map(
        (message) => html`<li key=${message.sid} class=${`bubble ${message.direction}`}>
          <p class="bubble-text">${message.body}</p>
          <${Time} iso=${message.created} now=${state.now} />
        </li>`,
      )}
    </ol>
    <fieldset class="inbox-link">
      <legend>Link to patient</legend>
      <input type="search" data-action="find-patient" placeholder="Patient name" aria-label="Find a patient" data-testid="find-patient" />
      <label><input type="checkbox" data-action="add-number" checked=${inbox.linkAdd} data-testid="add-number" /> Also add this number to the chart</label>
      <ul>
        ${inbox.linkResults.map(
          (patient) =>
            html`<li key=${patient.id}><button type="button" class="button link" data-action="link" data-patient=${patient.id} data-testid="link-patient">${patient.name} (${patient.birthDate})</button></li>`,
        )}
      </ul>
    </fieldset>
  </div>`;
}
