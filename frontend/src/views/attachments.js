/**
 * The composer's attachments: Attach (file picker), each file with a thumbnail (or "PDF"), name,
 * size and ×, the total against Twilio's limit, warnings and refusals. Drop and paste on the
 * whole form go through `fileHandlers` (views/composer.js).
 */
import { abroad, filesIn, mb, NO_MMS } from "../attachments.js";
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
  // Text copied from a document may carry a picture of itself too: then the text is pasted.
  paste: (event) => event.clipboardData?.types.includes("text/plain") || add(actions, event.clipboardData, event),
  change: delegate({
    attach: (input) => {
      add(actions, { files: [...input.files] });
      input.value = "";
    },
  }),
  click: delegate({ unattach: (button) => actions.dropFile(Number(button.dataset.index)) }),
}));

/** `mms`: the sender can send attachments; `to`: the recipient's number as the draft has it. */
export function AttachmentsView({ composer, actions, shared, mms, to }) {
  const { change, click } = fileHandlers(actions);
  const files = filesIn(composer);
  const total = files.reduce((sum, file) => sum + file.size, 0);
  const max = shared.limits.mediaMaxBytes;
  const note = composer.attaching
    ? "Preparing and uploading…"
    : composer.fileNote || (files.length > 0 && !mms ? NO_MMS : "");
  return html`<div class="attachments" onChange=${change} onClick=${click} data-testid="attachments">
    ${mms && html`<label class="button">Attach<input type="file" multiple accept=${shared.attachments.types.join(",")} data-action="attach" data-testid="attach-input" /></label>`}
    <span class="hint" data-testid="attach-total">${files.length ? `${mb(total)} of ${mb(max)}` : mms ? "or drop or paste photos and PDFs" : "This number cannot send photos or PDFs (no MMS)."}</span>
    ${files.map(
      (file, index) => html`<div key=${file.id} class="chip" data-testid="attachment">
        ${file.preview ? html`<img src=${file.preview} alt="" />` : "PDF"} ${file.name} (${mb(file.size)})
        <button type="button" class="button link" aria-label=${`Remove ${file.name}`} data-action="unattach" data-index=${index} data-testid="attachment-remove">×</button>
      </div>`,
    )}
    ${files.some((file) => file.contentType === "application/pdf") && html`<p class="warning" data-testid="attach-pdf-warning">Some phones receive a PDF as a link.</p>`}
    ${abroad(to) && files.length > 0 && html`<p class="warning" data-testid="attach-abroad">Outside the US and Canada, Twilio sends attachments as a link.</p>`}
    <p class=${composer.attaching ? "hint" : "hint error"} role="status" data-testid="attach-note">${note}</p>
  </div>`;
}
