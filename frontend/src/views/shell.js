/**
 * The page around the views: the banners, the three tabs (arrow keys move between them), the
 * panels, and the in-page dialogs (delete confirmation, consent question: views/dialog.js).
 */
import { delegate, html, perActions } from "../html.js";
import { ComposerView } from "./composer.js";
import { Dialog } from "./dialog.js";
import { LogView } from "./log.js";
import { PhonesView } from "./phones.js";
import { ThreadView } from "./thread.js";

const TABS = [
  ["log", "Log"],
  ["send", "Send"],
  ["phones", "Phones"],
];

const shellHandlers = perActions((actions) => ({
  click: delegate({ tab: (element) => actions.selectTab(element.dataset.tab) }),
  keydown: delegate({
    tab: (element, event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      const index = TABS.findIndex(([name]) => name === element.dataset.tab);
      const next = TABS[(index + step + TABS.length) % TABS.length][0];
      actions.selectTab(next);
      const tab = event.currentTarget.querySelector(`#tab-${next}`);
      if (tab) tab.focus();
    },
  }),
}));

export function Shell(props) {
  const { state, actions } = props;
  const handlers = shellHandlers(actions);
  const unseen = state.thread.unseen;
  return html`<div class="shell">
    <div class="banner" role="alert" data-testid="banner" hidden=${state.banner.length === 0}>
      ${state.banner.map((line) => html`<p key=${line}>${line}</p>`)}
    </div>
    <div class="warnings" role="status" data-testid="config-warnings" hidden=${state.warnings.length === 0}>
      ${state.warnings.map((line) => html`<p key=${line}>${line}</p>`)}
    </div>
    <div class="tabs" role="tablist" aria-label="Texting" onClick=${handlers.click} onKeyDown=${handlers.keydown}>
      ${TABS.map(
        ([name, label]) => html`<button
          key=${name}
          type="button"
          role="tab"
          id=${`tab-${name}`}
          data-tab=${name}
          data-action="tab"
          aria-controls=${`panel-${name}`}
          aria-selected=${String(state.tab === name)}
          tabindex=${state.tab === name ? 0 : -1}
          data-testid=${`tab-${name}`}
        >
          ${label}
          ${name === "send" && html`<span class="tab-new" title="New texts" data-testid="tab-send-new" hidden=${!unseen}></span><span class="visually-hidden">${unseen ? " (new texts)" : ""}</span>`}
        </button>`,
      )}
    </div>
    <main>
      <${Panel} name="log" state=${state}><${LogView} ...${props} /><//>
      <${Panel} name="send" state=${state}>
        <${ThreadView} ...${props} />
        <${ComposerView} ...${props} />
      <//>
      <${Panel} name="phones" state=${state}><${PhonesView} ...${props} /><//>
    </main>
    <${Dialog} state=${state} actions=${actions} />
  </div>`;
}

function Panel({ name, state, children }) {
  return html`<section id=${`panel-${name}`} class="panel" role="tabpanel" aria-labelledby=${`tab-${name}`} data-testid=${`panel-${name}`} hidden=${state.tab !== name}>
    ${children}
  </section>`;
}
