import assert from "node:assert/strict";
import { test } from "node:test";
import { abroad, attachmentActions, filesIn, fit, mb, refusal } from "../src/attachments.js";
import { shared } from "./python.js";

const file = (name, type, size = 1000) => ({ name, type, size });
const { types } = shared.attachments;
const { mediaMaxCount, mediaMaxBytes } = shared.limits;

test("JPEG, PNG, GIF and PDF may be attached; HEIC is refused with 'export it as JPEG'", () => {
  for (const type of ["image/jpeg", "image/png", "image/gif", "application/pdf"]) {
    assert.equal(refusal(file("a", type), types), "");
  }
  assert.match(refusal(file("IMG_1.HEIC", "image/heic"), types), /export it as JPEG/);
  assert.match(refusal(file("IMG_2.heic", ""), types), /export it as JPEG/); // browsers often give no type
  assert.match(refusal(file("x.svg", "image/svg+xml"), types), /only JPEG, PNG, GIF and PDF/);
  assert.match(refusal(file("notes.txt", "text/plain"), types), /notes\.txt/);
});

test("at most the limit's files, and a file over the remaining budget is refused with sizes", () => {
  const many = Array.from({ length: mediaMaxCount + 1 }, (_, n) => file(`${n}.png`, "image/png"));
  const counted = fit(many, [], shared);
  assert.equal(counted.kept.length, mediaMaxCount);
  assert.equal(counted.note, `At most ${mediaMaxCount} files per message.`);

  const have = [{ size: mediaMaxBytes - 800_000 }];
  const big = fit([file("scan.pdf", "application/pdf", 900_000), file("a.gif", "image/gif", 700_000)], have, shared);
  assert.deepEqual(
    big.kept.map((f) => f.name),
    ["a.gif"],
  );
  assert.equal(big.note, `scan.pdf is 0.9 MB; 0.8 MB is left of ${mb(mediaMaxBytes)}.`);
  const small = fit([file("a.pdf", "application/pdf", 700_000)], have, shared);
  assert.equal(small.kept.length, 1);
  assert.equal(small.note, "");
  assert.deepEqual([mb(2_345), mb(4_200_000)], ["3 kB", "4.2 MB"]);
});

test("MMS turns into a link outside the US and Canada", () => {
  assert.equal(abroad("+447700900123"), true);
  assert.equal(abroad("+15550123456"), false);
  assert.equal(abroad(""), false);
});

function harness({ mms = true } = {}) {
  const phone = { sid: "PN1", phoneNumber: "+15550100001", capabilities: { sms: true, mms } };
  let state = { shared, phones: { list: [phone] }, composer: { fromSid: "PN1", text: "x" } };
  const store = { get: () => state };
  const merge = (key, change) => {
    state = { ...state, [key]: { ...state[key], ...change } };
  };
  const posted = [];
  const api = {
    upload: async (form) => {
      posted.push(form.getAll("files").map((f) => f.name));
      return { attachments: [{ id: "0123456789abcdef", contentType: "application/pdf", size: 4 }] };
    },
  };
  return { actions: attachmentActions({ store, api, merge }), posted, composer: () => state.composer };
}

test("attach uploads what fits and keeps ids; remove drops one; a refusal uploads nothing", async () => {
  const { actions, posted, composer } = harness();

  await actions.addFiles([new File(["IMG"], "IMG_3.HEIC", { type: "image/heic" })]);
  assert.equal(posted.length, 0);
  assert.match(composer().fileNote, /export it as JPEG/);
  assert.equal(composer().attaching, false);

  await actions.addFiles([new File(["%PDF"], "Wound care.pdf", { type: "application/pdf" })]);
  assert.deepEqual(posted, [["Wound care.pdf"]]);
  assert.deepEqual(
    filesIn(composer()).map((f) => [f.id, f.name]),
    [["0123456789abcdef", "Wound care.pdf"]],
  );
  assert.equal(composer().fileNote, "");

  actions.dropFile(0);
  assert.deepEqual(filesIn(composer()), []);
});

test("a sender without MMS refuses before anything is uploaded", async () => {
  const { actions, posted, composer } = harness({ mms: false });
  await actions.addFiles([new File(["%PDF"], "sheet.pdf", { type: "application/pdf" })]);
  assert.equal(posted.length, 0);
  assert.match(composer().fileNote, /no MMS/);
});

test("a failed upload says why and leaves the composer ready to send", async () => {
  let composer = {};
  const failing = attachmentActions({
    store: { get: () => ({ shared, phones: { list: [] }, composer }) },
    api: {
      upload: async () => {
        throw Object.assign(new Error("400"), { text: "The files total 5.1 MB; the limit is 5.0 MB" });
      },
    },
    merge: (_key, change) => {
      composer = { ...composer, ...change };
    },
  });
  await failing.addFiles([new File(["%PDF"], "a.pdf", { type: "application/pdf" })]);
  assert.equal(composer.fileNote, "Not attached: The files total 5.1 MB; the limit is 5.0 MB");
  assert.equal(composer.attaching, false);
  assert.deepEqual(filesIn(composer), []);
});
