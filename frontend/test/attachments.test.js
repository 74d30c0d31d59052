import assert from "node:assert/strict";
import { test } from "node:test";
import { attachmentActions, filesIn, fit, mb, refusal, TOTAL_MAX } from "../src/attachments.js";

const file = (name, type, size = 1000) => ({ name, type, size });

test("JPEG, PNG, GIF and PDF may be attached; HEIC is refused with 'export it as JPEG'", () => {
  for (const type of ["image/jpeg", "image/png", "image/gif", "application/pdf"]) {
    assert.equal(refusal(file("a", type)), "");
  }
  assert.match(refusal(file("IMG_1.HEIC", "image/heic")), /export it as JPEG/);
  assert.match(refusal(file("IMG_2.heic", "")), /export it as JPEG/); // browsers often give no type
  assert.match(refusal(file("x.svg", "image/svg+xml")), /only JPEG, PNG, GIF and PDF/);
  assert.match(refusal(file("notes.txt", "text/plain")), /notes\.txt/);
});

test("at most the limit's files, and a file over the remaining budget is refused with sizes", () => {
  const ten = Array.from({ length: 11 }, (_, n) => file(`${n}.png`, "image/png"));
  const counted = fit(ten, [], 10);
  assert.equal(counted.kept.length, 10);
  assert.equal(counted.note, "At most 10 files per message.");

  const have = [{ size: 4_200_000 }];
  const big = fit([file("scan.pdf", "application/pdf", 900_000), file("a.gif", "image/gif", 700_000)], have, 10);
  assert.deepEqual(
    big.kept.map((f) => f.name),
    ["a.gif"],
  );
  assert.equal(big.note, "scan.pdf is 0.9 MB; 0.8 MB is left.");
  const small = fit([file("a.pdf", "application/pdf", 700_000)], [{ size: 4_200_000 }], 10);
  assert.equal(small.kept.length, 1);
  assert.equal(small.note, "");
  assert.equal(mb(TOTAL_MAX), "5.0 MB");
});

test("attach uploads what fits and keeps ids; remove drops one; a refusal uploads nothing", async () => {
  let state = { composer: { text: "x" } };
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
  const actions = attachmentActions({ store, api, merge, max: 10 });

  await actions.addFiles([new File(["IMG"], "IMG_3.HEIC", { type: "image/heic" })]);
  assert.equal(posted.length, 0);
  assert.match(state.composer.fileNote, /export it as JPEG/);

  await actions.addFiles([new File(["%PDF"], "Wound care.pdf", { type: "application/pdf" })]);
  assert.deepEqual(posted, [["Wound care.pdf"]]);
  assert.deepEqual(
    filesIn(state.composer).map((f) => [f.id, f.name]),
    [["0123456789abcdef", "Wound care.pdf"]],
  );

  actions.dropFile(0);
  assert.deepEqual(filesIn(state.composer), []);
});
