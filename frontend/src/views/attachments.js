/**
 * The composer's attachments: Attach (file picker), each file with a thumbnail (or "PDF"), name,
 * size and ×, the total against Twilio's limit, warnings and refusals. Drop and paste on the
 * whole form go through `fileHandlers` (views/composer.js).
 */
import { filesIn, mb, TOTAL_MAX } from "../attachments.js";
import { delegate, html, perActions } from "../html.js";

const add = (actions, transfer, event) => {
  if (transfer?.files?.length) {
    event?.preventDefault();
    actions.addFiles(transfer.files);
  }
};

export const fileHandlers = perActions((actions) => ({
  over: (event) => event.preventDefault(),
  drop: (event) => add(actions, event.dataTransfer, event),
  paste: (event) => add(actions, event.clipboardData, event),
  change: delegate({
    attach: (input) => {
      add(actions, { files: [...input.files] });
      input.value = "";
    },
  }),
  click: delegate({ unattach: (button) => actions.dropFile(Number(button.dataset.index)) }),
}));

export function AttachmentsView({ composer, actions, abroad }) {
  const { change, click } = fileHandlers(actions);
  const files = filesIn(composer);
  const total = files.reduce((sum, file) => sum + file.size, 0);
  return html`<div class="attachments" onChange=${change} onClick=${click}>
    <label class="button">Attach<input type="file" multiple hidden accept="image/jpeg,image/png,image/gif,application/pdf" data-action="attach" data-testid="attach-input" /></label>
    <span class="hint" data-testid="attach-total">${files.length ? `${mb(total)} of ${mb(TOTAL_MAX)}` : "or drop or paste photos and PDFs"}</span>
    ${files.map(
      (file, index) => html`<div key=${file.id} class="chip" data-testid="attachment">
        ${file.preview ? html`<img src=${file.preview} alt="" />` : "PDF"} ${file.name} (${mb(file.size)})
        <button type="button" class="link" aria-label=${`Remove ${file.name}`} data-action="unattach" data-index=${index}>×</button>
      </div>`,
    )}
    ${files.some((file) => file.contentType[0] === "a") && html`<p class="warning">Some phones receive a PDF as a link.</p>`}
    ${abroad && files.length > 0 && html`<p class="warning">Outside the US and Canada, Twilio sends attachments as a link.</p>`}
    <p class="hint error" role="status" data-testid="attach-note">${composer.fileNote}</p>
  </div>`;
}
