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
  ...["toggleLater", "editLater", "cancelScheduled", "cancelMessage", "problem", "busy"],
  ...["loadEarlier", "loadingEarlier", "earlierError", "earlierNumber", "numberEarlier"],
];

/** What no bundle may contain: Preact's HTML prop, or an assignment of markup to an element. */
const HTML_SINKS = [/dangerously\w*HTML/, /\.(inner|outer)HTML\s*\+?=/, /insertAdjacent\w*HTML/];

/**
 * Preact can insert HTML when a vnode carries its "dangerously set" HTML prop. Our sources never pass it
 * (Biome rule + tests), and the bundle must not be able to either: the prop is renamed to a name no
 * template can write, and the one assignment to innerHTML writes text instead. The build fails if
 * a Preact upgrade changes either spot, rather than skipping it silently.
 */
const PREACT_HTML_SINK = [
  [/"dangerously\w*HTML"/g, '"\\u0000noHtml"'],
  [/(\w+)\.inner\w+=(\w+)\.__html/g, "$1.textContent=$2.__html"],
];
const withoutHtmlSink = {
  name: "without-html-sink",
  setup(build) {
    build.onLoad({ filter: /[\\/]preact[\\/]dist[\\/]preact\.mjs$/ }, async ({ path }) => {
      let contents = await readFile(path, "utf8");
      for (const [pattern, replacement] of PREACT_HTML_SINK) {
        if (!pattern.test(contents)) throw new Error(`Preact changed: ${pattern} not found in ${path}`);
        contents = contents.replace(pattern, replacement);
      }
      return { contents, loader: "js" };
    });
  },
};

/** terser after esbuild: two compress passes over the whole IIFE (property names stay as they are). */
const TERSER = { compress: { passes: 2 }, mangle: true, toplevel: true, format: { comments: false } };

const scriptOf = async (entry) => {
  const built = await esbuild.build({
    ...COMMON,
    entryPoints: [join(ROOT, entry)],
    format: "iife",
    plugins: [dropIndentation, withoutHtmlSink],
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
  const found = FORBIDDEN.filter(([marker]) => text.includes(marker)).map(
    ([marker, what]) => `${name} contains "${marker}" (${what}); change the source so the bundle does not`,
  );
  const sinks = HTML_SINKS.filter((pattern) => pattern.test(text)).map(
    (pattern) => `${name} can insert HTML (${pattern}); it must only ever write text`,
  );
  return [...found, ...sinks];
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
