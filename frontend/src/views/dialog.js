/**
 * The in-page dialogs both pages show (delete confirmation, consent question), kept apart from
 * the chart's shell so the inbox page carries no more than it needs.
 */
import { Component, createRef } from "preact";
import { delegate, html, perActions } from "../html.js";

const dialogHandlers = perActions((actions) =>
  delegate({
    "dialog-cancel": () => actions.closeDialog(false),
    "dialog-ok": () => actions.closeDialog(true),
  }),
);

const DIALOGS = {
  confirm: { ok: "Delete", okClass: "button danger", okTestid: "confirm-delete" },
  consent: { ok: "Send anyway", okClass: "button primary", okTestid: "consent-send" },
};

/**
 * The in-page dialog, shown modal while `state.dialog` is {kind: "confirm" | "consent", text};
 * Escape (the dialog's own close) counts as Cancel.
 */
export class Dialog extends Component {
  node = createRef();
  cancel = createRef();

  componentDidMount() {
    this.sync();
  }

  componentDidUpdate() {
    this.sync();
  }

  sync() {
    const element = this.node.current;
    if (this.props.state.dialog && !element.open) {
      element.showModal();
      this.cancel.current.focus();
    } else if (!this.props.state.dialog && element.open) {
      element.close();
    }
  }

  onClose = () => {
    if (this.props.state.dialog) this.props.actions.closeDialog(false);
  };

  render({ state, actions }) {
    const dialog = state.dialog || this.last || { kind: "confirm", text: "" };
    this.last = dialog;
    const { kind, text } = dialog;
    const look = DIALOGS[kind];
    return html`<dialog ref=${this.node} class="confirm" aria-labelledby="dialog-text" data-testid=${`${kind}-dialog`} onClose=${this.onClose} onClick=${dialogHandlers(actions)}>
      <p id="dialog-text" data-testid=${`${kind}-text`}>${text}</p>
      <div class="actions">
        <button ref=${this.cancel} type="button" class="button secondary" data-action="dialog-cancel" data-testid=${`${kind}-cancel`}>Cancel</button>
        <button type="button" class=${look.okClass} data-action="dialog-ok" data-testid=${look.okTestid}>${look.ok}</button>
      </div>
    </dialog>`;
  }
}
