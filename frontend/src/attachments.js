/**
 * Files attached in the composer (issue 11): which may be sent, photos made smaller in the
 * browser, the total against Twilio's limit, and the upload. The server checks all of it again.
 */

/** Twilio's limit for all media of one message together (services/attachments.py). */
export const TOTAL_MAX = 5e6;
export const mb = (size) => `${(size / 1e6).toFixed(1)} MB`;
/** The draft's uploaded files: [{id, name, size, contentType, preview}] (none before the first). */
export const filesIn = (composer) => composer.files || [];

/** Why a file cannot be attached, or "". */
export const refusal = ({ name, type }) =>
  /hei[cf]/i.test(type + name)
    ? `${name}: HEIC photos cannot be sent by MMS; export it as JPEG first.`
    : /^(image\/(jpeg|png|gif)|application\/pdf)$/.test(type)
      ? ""
      : `${name}: only JPEG, PNG, GIF and PDF files can be attached.`;

/** The files that fit beside `have` (at most `max` files, TOTAL_MAX bytes), and the last refusal. */
export function fit(list, have, max) {
  let used = have.reduce((sum, file) => sum + file.size, 0);
  let note = "";
  const kept = list.filter((file) => {
    const why =
      refusal(file) ||
      (have.length >= max && `At most ${max} files per message.`) ||
      (used + file.size > TOTAL_MAX && `${file.name} is ${mb(file.size)}; ${mb(TOTAL_MAX - used)} is left.`);
    note = why || note;
    if (!why) used += have.push(file) && file.size;
    return !why;
  });
  return { kept, note };
}

// Pixels (issue 11), not a copy of the body's character limit that happens to be equal.
const LONGEST_SIDE_PX = 1_600;

/** A JPEG or PNG longer than LONGEST_SIDE_PX (or over 1 MB) redrawn as a JPEG at 0.8. */
export async function shrink(file) {
  const bitmap = /^image\/(jpeg|png)$/.test(file.type) && (await createImageBitmap(file).catch(() => null));
  if (!bitmap) return file;
  const scale = Math.min(1, LONGEST_SIDE_PX / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.size < 1e6) return file;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
  return blob && blob.size < file.size
    ? new File([blob], file.name.replace(/\.\w+$/, ".jpg"), { type: blob.type })
    : file;
}

/** The composer's actions: attach (shrink, check, upload) and remove one file. */
export function attachmentActions({ store, api, merge, max }) {
  const current = () => filesIn(store.get().composer);
  return {
    async addFiles(list) {
      const { kept, note } = fit(await Promise.all([...list].map(shrink)), [...current()], max);
      merge("composer", { fileNote: note });
      if (!kept.length) return;
      const form = new FormData();
      for (const file of kept) form.append("files", file, file.name);
      try {
        const { attachments } = await api.upload(form);
        const added = attachments.map((item, index) => ({
          ...item,
          name: kept[index].name,
          preview: item.contentType[0] === "i" ? URL.createObjectURL(kept[index]) : "",
        }));
        merge("composer", { files: [...current(), ...added] });
      } catch (error) {
        merge("composer", { fileNote: `Not attached: ${error.text}` });
      }
    },
    dropFile(index) {
      merge("composer", { files: current().filter((_, at) => at !== index), fileNote: "" });
    },
  };
}
