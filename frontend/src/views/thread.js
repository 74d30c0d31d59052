/**
 * The patient's conversation (Send tab, above the composer): bubbles oldest first, the New
 * divider, delivery status, deleted and may-have-been-sent messages, live state.
 */
import { Component, createRef } from "preact";
import { delegate, html, perActions } from "../html.js";
import { messageKey } from "../store.js";
import { MediaList, Phone, StatusBadge, Time } from "./common.js";
import { ScheduleNote } from "./schedule.js";

const NEAR_BOTTOM_PX = 60;
const NEAR_TOP_PX = 40;

const threadHandlers = perActions((actions) =>
  delegate({ "retry-thread": () => actions.loadThread(), "earlier-thread": () => actions.loadEarlier() }),
);

/**
 * Keeps the newest text in view: on the first load, when the tab shows, and when a text
 * arrives while the clinician is at the bottom of the conversation. Scrolling to the top loads
 * earlier messages, and what the clinician was reading stays where it was.
 */
export class ThreadView extends Component {
  box = createRef();
  nearBottom = true;
  drawnNewest = null;

  onScroll = (event) => {
    const node = event.currentTarget;
    this.nearBottom = node.scrollHeight - node.scrollTop - node.clientHeight < NEAR_BOTTOM_PX;
    if (node.scrollTop < NEAR_TOP_PX && this.props.state.thread.earlier) this.props.actions.loadEarlier();
  };

  componentDidMount() {
    this.keepNewestInView(null);
  }

  /** Earlier messages are about to go on top: remember the distance from the bottom. */
  getSnapshotBeforeUpdate(previous) {
    const before = previous.state.thread.messages;
    const after = this.props.state.thread.messages;
    const prepended = before.length && after.length > before.length && messageKey(after[0]) !== messageKey(before[0]);
    const node = this.box.current;
    return node && prepended && newestKey(after) === newestKey(before) ? node.scrollHeight - node.scrollTop : null;
  }

  componentDidUpdate(previous, _state, fromBottom) {
    if (fromBottom == null) this.keepNewestInView(previous.state);
    else this.box.current.scrollTop = this.box.current.scrollHeight - fromBottom;
  }

  keepNewestInView(before) {
    const { state } = this.props;
    const node = this.box.current;
    if (!node || state.tab !== "send") return;
    const newest = newestKey(state.thread.messages);
    const tabShown = before?.tab !== "send";
    if (tabShown || newest !== this.drawnNewest || this.nearBottom) node.scrollTop = node.scrollHeight;
    this.drawnNewest = newest;
  }

  render({ state, actions, fmt }) {
    const { thread, config } = state;
    const messages = thread.messages;
    if (!config.patientId) return null;
    const firstName = thread.patient?.firstName || "the patient";
    const fresh = new Set(thread.fresh);
    const firstFresh = messages.find((message) => fresh.has(messageKey(message)));
    return html`<div class="thread-view" onClick=${threadHandlers(actions)}>
      <div class="thread-head">
        <h2 id="thread-title" data-testid="thread-title">Conversation</h2>
        <${LiveState} live=${thread.live} />
      </div>
      <div ref=${this.box} onScroll=${this.onScroll} class="thread" role="log" aria-labelledby="thread-title" tabindex="0" data-testid="thread">
        <${ThreadState} thread=${thread} firstName=${firstName} />
        <${Earlier} thread=${thread} />
        <ol class="thread-list" data-testid="thread-list">
          ${messages.map((message) => [
            message === firstFresh &&
              html`<li key="new-divider" class="new-divider" role="separator" data-testid="thread-new-divider"><span>New</span></li>`,
            html`<${Bubble}
              key=${messageKey(message)}
              message=${message}
              state=${state}
              fmt=${fmt}
              isOwnUrl=${actions.isOwnUrl}
              actions=${actions}
            />`,
          ])}
        </ol>
      </div>
    </div>`;
  }
}

const newestKey = (messages) => (messages.length ? messageKey(messages[messages.length - 1]) : null);

function LiveState({ live }) {
  const title =
    live === "live"
      ? "New texts and delivery updates appear by themselves"
      : live === "polling"
        ? "Live updates are unavailable; the conversation is refreshed every 5 seconds"
        : "";
  const text = live === "live" ? "Live" : live === "polling" ? "Checking every 5 s" : "";
  return html`<span class="live" data-testid="live-state" data-state=${live || ""} title=${title}>${text}</span>`;
}

/** The keyboard's way to earlier messages (scrolling to the top does the same). */
function Earlier({ thread }) {
  const label = thread.loadingEarlier
    ? "Loading earlier messages…"
    : `${thread.earlierError ? "Could not load them. Try again: e" : "E"}arlier messages`;
  return (
    thread.earlier &&
    html`<p class="earlier"><button type="button" class="button link" data-action="earlier-thread" aria-busy=${thread.loadingEarlier} data-testid="thread-earlier">${label}</button></p>`
  );
}

function ThreadState({ thread, firstName }) {
  let kind = "";
  let text = "";
  if (!thread.loaded && thread.error) {
    kind = "error";
    text = `Could not load the conversation: ${thread.error}`;
  } else if (!thread.loaded) {
    kind = "loading";
    text = "Loading the conversation…";
  } else if (thread.messages.length === 0) {
    kind = "empty";
    text =
      thread.phones.length === 0
        ? `No phone number on ${firstName}'s chart. You can still text another number below.`
        : `No texts with ${firstName} yet`;
  }
  return html`<p class=${`state ${kind}`} role="status" data-testid="thread-state" hidden=${!text}>
    ${text}
    ${kind === "error" && html` <button type="button" class="button link" data-action="retry-thread" data-testid="thread-retry">Try again</button>`}
  </p>`;
}

function Bubble({ message, state, fmt, isOwnUrl, actions }) {
  const outbound = message.direction === "outbound";
  const status = String(message.status || "unknown");
  const failed = ["failed", "undelivered"].includes(status) || Boolean(message.errorCode);
  const unknown = status === "unknown";
  const phones = state.thread.phones;
  const chartPhone = phones.find((phone) => phone.number === message.patientNumber);
  const media = message.media?.length ? message.media : state.media[message.sid] || [];
  const classes = ["bubble", outbound ? "outbound" : "inbound", failed && "failed", unknown && "uncertain"];
  return html`<li
    class=${classes.filter(Boolean).join(" ")}
    data-testid="thread-message"
    data-sid=${message.sid || ""}
    data-direction=${outbound ? "outbound" : "inbound"}
  >
    <div class="bubble-meta">
      <span class="sender" data-testid="bubble-sender" title=${outbound ? `from ${message.practiceNumber} to ${message.patientNumber}` : `from ${message.patientNumber} to ${message.practiceNumber}`}>
        ${outbound ? `${message.sentBy || (message.localOnly ? "You" : "Practice")} · ${fmt.practiceLabel(message.practiceNumber, true)}` : html`${chartPhone ? `${chartPhone.use || "phone"} ` : ""}<${Phone} number=${message.patientNumber} fmt=${fmt} />`}
      </span>
      <${Time} iso=${message.created} now=${state.now} testid="bubble-time" />
    </div>
    ${
      message.deleted
        ? html`<p class="bubble-deleted" data-testid="bubble-deleted">Message deleted</p>`
        : message.body && html`<p class="bubble-body" data-testid="bubble-body">${message.body}</p>`
    }
    ${!message.deleted && html`<${MediaList} media=${media} isOwnUrl=${isOwnUrl} className="bubble-media" testid="bubble-media" />`}
    <div class="bubble-foot">
      ${message.shared && html`<span class="chip shared" data-testid="bubble-shared" title="This number is on more than one patient's chart">shared number</span>`}
      ${outbound && phones.length > 1 && message.patientNumber && html`<span class="muted to">to ${chartPhone?.use ? chartPhone.use : fmt.phone(message.patientNumber)}</span>`}
      <${StatusBadge} status=${status} testid="bubble-status" />
    </div>
    <${ScheduleNote} message=${message} state=${state} actions=${actions} />
    ${unknown && html`<p class="bubble-notice" role="status" data-testid="bubble-notice">May have been sent: check the conversation before sending it again.</p>`}
    ${failed && html`<p class="bubble-error" data-testid="bubble-error">${message.errorExplanation || (message.errorCode ? `Error ${message.errorCode}` : "Not delivered")}</p>`}
  </li>`;
}
