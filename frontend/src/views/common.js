/** Small pieces every view draws: status badges, times, phone numbers, media items. */
import { formatSize, fullTime, relativeTime } from "../format.js";
import { html } from "../html.js";

const STATUS_TONES = {
  delivered: "good",
  received: "good",
  read: "good",
  partially_delivered: "warn",
  sent: "info",
  sending: "info",
  queued: "neutral",
  accepted: "neutral",
  scheduled: "neutral",
  receiving: "neutral",
  unknown: "warn",
  failed: "bad",
  undelivered: "bad",
  canceled: "bad",
};

export const statusTone = (status) => STATUS_TONES[status] || "neutral";

export function StatusBadge({ status, testid = "status-badge" }) {
  const text = String(status || "unknown");
  return html`<span class=${`badge ${statusTone(text)}`} data-testid=${testid} data-status=${text}>${text}</span>`;
}

/** A relative time ("2 min ago") with the full date on hover and the ISO value in datetime. */
export function Time({ iso, now, testid }) {
  if (!iso) return html`<time data-testid=${testid}></time>`;
  return html`<time datetime=${iso} title=${fullTime(iso)} data-testid=${testid}>${relativeTime(iso, new Date(now))}</time>`;
}

/** A phone number as a clinician reads it; E.164 in the title and data-number. */
export function Phone({ number, fmt, className = "phone" }) {
  if (!number) return html`<span class=${className}>unknown number</span>`;
  return html`<span class=${className} title=${number} data-number=${number}>${fmt.phone(number)}</span>`;
}

/** One media item: only the API's own URLs become src/href; anything else is a line of text. */
export function MediaItem({ item, index, isOwnUrl }) {
  const type = String(item.contentType || "application/octet-stream");
  if (!isOwnUrl(item.url)) {
    return html`<p class="chip">Attachment ${index + 1} (${type}) is not available</p>`;
  }
  if (type.startsWith("image/")) {
    return html`<a href=${item.url} target="_blank" rel="noopener" class="media-image">
      <img src=${item.url} alt=${`Image ${index + 1} (${type})`} loading="lazy" data-testid="media-image" />
    </a>`;
  }
  if (type.startsWith("audio/")) {
    return html`<audio src=${item.url} controls preload="none" data-testid="media-audio"></audio>`;
  }
  if (type.startsWith("video/")) {
    return html`<video src=${item.url} controls preload="metadata" data-testid="media-video"></video>`;
  }
  const size = formatSize(item.size);
  return html`<a href=${item.url} download="" class="download" data-testid="media-download">
    ${type === "application/pdf" ? "PDF document" : `Download ${type}`}${size ? ` (${size})` : ""}
  </a>`;
}

export function MediaList({ media, isOwnUrl, className, testid }) {
  if (!media?.length) return null;
  return html`<div class=${className} data-testid=${testid}>
    ${media.map((item, index) => html`<${MediaItem} key=${item.sid || index} item=${item} index=${index} isOwnUrl=${isOwnUrl} />`)}
  </div>`;
}
