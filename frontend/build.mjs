/**
 * Bundles frontend/src into the one script and one stylesheet templates/sms_app.html inlines:
 *   node frontend/build.mjs           write twilio_sms_mms/static/sms_app.{js,css}
 *   node frontend/build.mjs --check   fail if the committed files differ from a fresh build
 * Either way the output is refused if it holds a Django/Jinja marker ({{, {%, {#: Django renders
 * the template that includes it) or a closing </script or </style tag.
 * Scripts: esbuild bundles and minifies, then terser compresses once more (about 1% smaller).
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { minify } from "terser";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const STATIC = join(ROOT, "twilio_sms_mms", "static");
export const OUTPUTS = {
  script: join(STATIC, "sms_app.js"),
  stylesheet: join(STATIC, "sms_app.css"),
  // The practice inbox (templates/inbox_app.html): its own entry, the same modules.
  inboxScript: join(STATIC, "inbox_app.js"),
  inboxStylesheet: join(STATIC, "inbox_app.css"),
};
const FORBIDDEN = [
  ["{{", "a Django variable marker"],
  ["{%", "a Django tag marker"],
  ["{#", "a Django comment marker"],
  ["</script", "a closing script tag"],
  ["</style", "a closing style tag"],
];

const COMMON = {
  bundle: true,
  minify: true,
  write: false,
  logLevel: "silent",
  legalComments: "none",
  charset: "utf8",
  target: ["chrome109", "firefox115", "safari16"],
};

/**
 * Drops the indentation after each newline of the sources: minifying keeps template literals as
 * written, and in html`` templates indentation after a newline is never content (htm trims
 * whitespace that holds a newline).
 */
const dropIndentation = {
  name: "drop-indentation",
  setup(build) {
    build.onLoad({ filter: /[\\/]frontend[\\/]src[\\/].*\.js$/ }, async ({ path }) => ({
      // htm drops a newline between tags and expressions: `>`, `}` or a backtick then `<`/`${`.
      contents: (await readFile(path, "utf8")).replace(/\n[ \t]+/g, "\n").replace(/([>}`])\n(?=<|\$\{)/g, "$1"),
      loader: "js",
    }));
  },
};

/**
 * Property names that never leave the page (actions, API client methods, view state): esbuild
 * shortens them. Never list a key of app_config or of the API's JSON, a DOM or Preact name
 * (dataset.tab is one), a component prop (html`` attribute names stay strings), nor a name the
 * code also reaches by a string (patch("composer"), composer[input.name]): the offline bundle
 * test (tests/browser/test_bundle_offline.py) renders the bundle and fails on such a mistake.
 */
const PAGE_ONLY_NAMES = [
  ...["selectTab", "screenMayHaveChanged", "loadPhones", "loadThread", "scheduleRefresh", "liveEvent"],
  ...["liveState", "editDraft", "chooseRecipient", "normaliseRecipient", "applyQuickReply", "deleteMessage"],
  ...["closeDialog", "chooseLog", "loadLog", "openMessage", "closeDetail", "showUnmatched", "hideUnmatched"],
  ...["editWebhook", "saveWebhook", "pointAtPlugin", "phoneList", "messageList", "setInboundWebhook"],
  ...["medias", "stateKind", "stateText", "shownDirection", "fieldError", "deleteError", "deleting"],
  ...["noteIsError", "localOnly", "recipientLine", "mediaProblem", "mediaLine", "perSegment"],
  ...["forcingChar", "drawnNewest", "nearBottom", "keepNewestInView", "practiceLabel", "phoneLabel"],
  ...["unseen", "fresh", "canSend", "senders", "counted", "blocked", "refusal", "refused", "loaded"],
  ...["dialog", "view", "detail", "pages", "stale", "unmatched", "choice", "result", "signature"],
  ...["config", "banner", "warnings", "tools", "count", "e164", "arrived", "known", "isNew", "isFinal"],
  ...["advances", "onServiceProblem", "hasPatient", "recipientLine", "counter", "mediaUrls", "payload"],
  ...["chosen", "note", "phoneReadiness"],
];

/** terser after esbuild: two compress passes over the whole IIFE (property names stay as they are). */
const TERSER = { compress: { passes: 2 }, mangle: true, toplevel: true, format: { comments: false } };

const scriptOf = async (entry) => {
  const built = await esbuild.build({
    ...COMMON,
    entryPoints: [join(ROOT, entry)],
    format: "iife",
    plugins: [dropIndentation],
    mangleProps: new RegExp(`^(${PAGE_ONLY_NAMES.join("|")})$`),
  });
  return (await minify(built.outputFiles[0].text, TERSER)).code;
};
const stylesheetOf = async (entry) =>
  (await esbuild.build({ ...COMMON, entryPoints: [join(ROOT, entry)] })).outputFiles[0].text;

/** The bundles as {script, stylesheet, inboxScript, inboxStylesheet} strings. */
export async function buildBundle() {
  const [script, stylesheet, inboxScript, inboxStylesheet] = await Promise.all([
    scriptOf("frontend/src/app.js"),
    stylesheetOf("frontend/src/styles.css"),
    scriptOf("frontend/src/inbox.js"),
    stylesheetOf("frontend/src/inbox.css"),
  ]);
  return { script, stylesheet, inboxScript, inboxStylesheet };
}

/** Problems that make a bundle unfit for the template, as sentences. */
export function templateProblems(name, text) {
  return FORBIDDEN.filter(([marker]) => text.includes(marker)).map(
    ([marker, what]) => `${name} contains "${marker}" (${what}); change the source so the bundle does not`,
  );
}

async function main() {
  const check = process.argv.includes("--check");
  const bundle = await buildBundle();
  const problems = Object.entries(bundle).flatMap(([name, text]) => templateProblems(name, text));
  for (const [name, path] of Object.entries(OUTPUTS)) {
    const where = relative(ROOT, path);
    if (!check) {
      await writeFile(path, bundle[name]);
      console.log(`wrote ${where} (${Buffer.byteLength(bundle[name])} bytes)`);
      continue;
    }
    const committed = await readFile(path, "utf8").catch(() => null);
    if (committed !== bundle[name]) problems.push(`${where} is not the build of frontend/src: run \`make frontend\``);
  }
  if (problems.length) {
    for (const problem of problems) console.error(problem);
    process.exit(1);
  }
  if (check) console.log("bundle is fresh");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
