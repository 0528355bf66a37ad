// Writes tests/fixtures/lz/lz-string.json: inputs and what the npm lz-string package's
// compressToUTF16 makes of them. The Rust tests check that lz-str writes the same characters and
// reads these back. Run after changing the cases: node scripts/make-lz-fixtures.mjs
import { writeFileSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import LZString from "lz-string";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const operator = JSON.parse(readFileSync(join(root, "tests/fixtures/dashboard/v3-operator.json"), "utf8"));
const widgets = {};
for (let i = 0; i < 420; i++) {
  widgets[`w${i}`] = { ...operator.widgets.w1, config: { metric: `metric_${i}`, note: `fleet ${i} ✈️ 🚀 𝔉 über café` } };
}
const large = JSON.stringify({ ...operator, widgets });

const cases = [
  ["ascii", "Flightdeck dashboard state"],
  ["non-bmp", "emoji 🚀✈️🛰️, math 𝔉𝔩𝔦𝔤𝔥𝔱, CJK 飞行甲板, combining é and e\u0301"],
  ["empty", ""],
  [`dashboard-${Math.round(Buffer.byteLength(large) / 1024)}kb`, large],
];
const fixtures = cases.map(([name, input]) => ({ name, input, compressed: LZString.compressToUTF16(input) }));
writeFileSync(join(root, "tests/fixtures/lz/lz-string.json"), JSON.stringify(fixtures, null, 1) + "\n");
console.log(fixtures.map((f) => `${f.name}: ${f.input.length} → ${f.compressed.length} UTF-16 units`).join("\n"));
