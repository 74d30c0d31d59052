/**
 * Files attached in the composer (issue 11): which may be sent, photos made smaller in the
 * browser, the total against Twilio's limit, and the upload. The limits come from
 * app_config.shared (`limits.mediaMaxCount`, `limits.mediaMaxBytes`, `attachments`); the
 * server checks all of it again.
 */

/** A size as the composer shows it, in decimal units like Twilio's limit (services/attachments.py). */
export const mb = (size) => (size < 1e5 ? `${Math.ceil(size / 1e3)} kB` : `${(size / 1e6).toFixed(1)} MB`);
/** The draft's uploaded files: [{id, name, size, contentType, preview}] (none before the first). */
export const filesIn = (composer) => composer.files || [];
/** True for a destination outside the US and Canada (Twilio sends MMS there as a link). */
export const abroad = (number) => /^\+(?!1)/.test(number || "");

/** Why a file cannot be attached, or "". `types`: the accepted content types. */
export const refusal = ({ name, type }, types) =>
  /hei[cf]/i.test(type + name)
    ? `${name}: HEIC photos cannot be sent by MMS; export it as JPEG first.`
    : types.includes(type)
      ? ""
      : `${name}: only JPEG, PNG, GIF and PDF files can be attached.`;

/**
 * The files of `list` that fit beside `have` (at most `limits.mediaMaxCount` files and
 * `limits.mediaMaxBytes` bytes together), and the last refusal ("" when all fit).
 */
export function fit(list, have, { limits, attachments }) {
  const max = limits.mediaMaxCount;
  let count = have.length;
  let used = have.reduce((sum, file) => sum + file.size, 0);
  let note = "";
  const kept = list.filter((file) => {
    const why =
      refusal(file, attachments.types) ||
      (count >= max && `At most ${max} files per message.`) ||
      (used + file.size > limits.mediaMaxBytes &&
        `${file.name} is ${mb(file.size)}; ${mb(limits.mediaMaxBytes - used)} is left of ${mb(limits.mediaMaxBytes)}.`);
    note = why || note;
    if (!why) {
      count += 1;
      used += file.size;
    }
    return !why;
  });
  return { kept, note };
}

/**
 * A JPEG or PNG longer than `photoMaxSide` (or heavier than `photoRedrawOver`) redrawn as a
 * JPEG of `photoQuality` on white; anything else, or a redraw that is not smaller, as it was.
 */
export async function shrink(file, { photoMaxSide, photoQuality, photoRedrawOver }) {
  const bitmap = /^image\/(jpeg|png)$/.test(file.type) && (await createImageBitmap(file).catch(() => null));
  if (!bitmap) return file;
  const scale = Math.min(1, photoMaxSide / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.size <= photoRedrawOver) return file;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", photoQuality));
  return blob && blob.size < file.size
    ? new File([blob], file.name.replace(/(\.\w+)?$/, ".jpg"), { type: blob.type })
    : file;
}

/**
 * The composer's actions: attach (refuse, shrink, check, upload) and remove one file. A sender
 * known to have no MMS refuses before anything is read or uploaded.
 */
export function attachmentActions({ store, api, merge }) {
  const current = () => filesIn(store.get().composer);
  const note = (fileNote) => merge("composer", { fileNote, attaching: false });
  return {
    async addFiles(list) {
      const { shared, phones, composer } = store.get();
      const sender = phones.list.find((phone) => phone.sid === composer.fromSid);
      if (sender && !sender.capabilities?.mms) return note(NO_MMS);
      merge("composer", { fileNote: "", attaching: true });
      try {
        const { types } = shared.attachments;
        const shrunk = await Promise.all(
          [...list].map((file) => (refusal(file, types) ? file : shrink(file, shared.attachments))),
        );
        const { kept, note: why } = fit(shrunk, current(), shared);
        if (!kept.length) return note(why);
        const form = new FormData();
        for (const file of kept) form.append("files", file, file.name);
        const { attachments } = await api.upload(form);
        const added = attachments.map((item, index) => ({
          ...item,
          name: kept[index].name,
          preview: item.contentType.startsWith("image/") ? URL.createObjectURL(kept[index]) : "",
        }));
        merge("composer", { files: [...current(), ...added] });
        note(why);
      } catch (error) {
        // An ApiError from the upload, or the browser failing to read or redraw a file.
        note(`Not attached: ${error.text || error.message}`);
      }
    },
    dropFile(index) {
      merge("composer", { files: current().filter((_, at) => at !== index), fileNote: "" });
    },
  };
}

export const NO_MMS = "This number cannot send photos or PDFs (no MMS): choose another From number.";
