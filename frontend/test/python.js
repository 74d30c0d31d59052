/**
 * The Python side, asked at test time: the shared values (client_values()) and the segment
 * rule (services/segments.py), so the JS tests compare against the one source, never a copy.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VENV_PYTHON = join(ROOT, ".venv", "bin", "python");
const PYTHON = process.env.PYTHON || (existsSync(VENV_PYTHON) ? VENV_PYTHON : "python3");

export function runPython(code, input = "") {
  return JSON.parse(execFileSync(PYTHON, ["-c", code], { cwd: ROOT, input, encoding: "utf8" }));
}

/** app_config["shared"] exactly as the chart app hands it to the page. */
export const shared = runPython(
  "import json; from twilio_sms_mms.constants.client_values import client_values; print(json.dumps(client_values()))",
);

/** services/segments.py's verdict for each body: [{encoding, units, segments}]. */
export function pythonSegments(bodies) {
  return runPython(
    [
      "import json, sys",
      "from twilio_sms_mms.services.segments import segmentation",
      "out = [segmentation(body) for body in json.load(sys.stdin)]",
      "print(json.dumps([{'encoding': s.encoding, 'units': s.units, 'segments': s.segments} for s in out]))",
    ].join("\n"),
    JSON.stringify(bodies),
  );
}
