'use strict';
// The wasm half of scripts/bench-engine.sh: the three measurements of benches/engine.rs (same
// files, same expressions, same version, same rounds) through the shipped wasm core, called
// directly as `run({inputs: {mode: 'apply', ...}}, host)` with an in-memory host, so no disk I/O
// is timed. Then the comparison table with the native figures and the targets.
//
// Usage: node scripts/bench/engine-wasm.js CORPUS_DIR [NATIVE_OUTPUT_FILE] [DIST_DIR]
//   NATIVE_OUTPUT_FILE: what `cargo bench --bench engine` printed (its `native` and
//   `native-apply` lines).
//
// What a wasm figure covers: the whole `mode: apply` step minus the shim — request decoding,
// settings and expression parsing, path checks, the engine's parse + evaluate + splice + verify,
// and what apply adds after the edit (a unified diff of the file, the `changes`/`diff` outputs,
// the summary, the outcome's conversion to JS). benches/engine.rs (opt-level 3) times the same
// apply step natively (`native-apply`, the ratio's base) and `engine::edit` alone (`native`,
// the figure the 50 MB/s target is about). The wasm is the shipped release build: opt-level
// "z", the YAML parser at 3 (Cargo.toml).

const fs = require('node:fs');
const path = require('node:path');

const [corpus, nativeFile, distArg] = process.argv.slice(2);
const dist = path.resolve(distArg || path.join(__dirname, '..', '..', 'dist'));
const core = require(path.join(dist, 'core', 'gitops_action.js'));

const WS = '/bench-workspace'; // a virtual workspace: every path below it is served from memory

/** Every file below `dir` whose path ends with `nameEnds`, in the order benches/engine.rs walks. */
function find(dir, nameEnds, out = []) {
  const entries = fs.readdirSync(dir).map((n) => path.join(dir, n));
  entries.sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
  for (const p of entries) {
    if (fs.statSync(p).isDirectory()) find(p, nameEnds, out);
    else if (p.endsWith(nameEnds)) out.push(p);
  }
  return out;
}

/** The in-memory host: the method names of js-shim/host.js's createHost. */
function memoryHost(files) {
  const enoent = (p) => Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
  const host = {
    written: 0,
    errors: [],
    log(level, message) {
      if (level === 'error') host.errors.push(message);
    },
    readFile(p) {
      const bytes = files.get(p);
      if (!bytes) throw enoent(p);
      return bytes;
    },
    writeFile(p, data) {
      host.written += data.length; // a view into wasm memory: counted, not kept
    },
    realPath(p) {
      if (p === WS || files.has(p)) return p;
      throw enoent(p);
    },
    fetch: async () => {
      throw new Error('no network in the engine benchmark');
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    randomHex: (bytes) => '0'.repeat(2 * bytes),
    panic(message) {
      host.errors.push(`panic: ${message}`);
    },
  };
  return host;
}

async function applyOnce(rel, expression, host) {
  const response = await core.run(
    { inputs: { mode: 'apply', file: rel, yq_tpl: expression, version: '1.2.4' }, env: { GITHUB_WORKSPACE: WS }, cwd: WS },
    host,
  );
  if (!response || !response.ok || response.outputs.changed !== 'true') {
    throw new Error(`apply of ${rel} did not edit it: ${JSON.stringify(response?.error ?? response)} ${host.errors.join('; ')}`);
  }
}

/**
 * Best-of-`rounds` seconds to apply `expression` to every file once, after as many warm-up
 * rounds (V8 optimizes a wasm function in the background once it has run long, and uses the
 * optimized code from its next call: with one warm-up round the figures varied by half).
 */
async function time(rels, files, expression, rounds) {
  const host = memoryHost(files);
  for (let r = 0; r < rounds; r++) {
    for (const rel of rels) await applyOnce(rel, expression, host);
  }
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (const rel of rels) await applyOnce(rel, expression, host);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}

/** The `native-parse` (the parser alone), `native` (engine::edit alone) and `native-apply` (the
 * whole apply step) rows by label. */
function parseNative(text) {
  const rows = {};
  for (const line of text.split('\n')) {
    const m = /^native(-parse|-apply)?\s+(.+?)\s+(\d+) files\s+([\d.]+) KB\s+([\d.]+) ms\s+([\d.]+) MB\/s/.exec(line);
    const kind = { '-parse': 'parse', '-apply': 'apply' }[m?.[1]] ?? 'engine';
    if (m) (rows[m[2]] ??= {})[kind] = { files: Number(m[3]), kb: Number(m[4]), ms: Number(m[5]), mbs: Number(m[6]) };
  }
  return rows;
}

async function main() {
  const all = find(corpus, '.yaml');
  const crds = all.filter((p) => p.includes('/crds/') && fs.statSync(p).size > 500_000);
  const values = find(corpus, 'values.yaml');
  const sizes = new Map(values.map((p) => [p, fs.statSync(p).size]));
  // min_by_key: the first file with the smallest |size - 10240|
  const typical = values.reduce((best, p) => (Math.abs(sizes.get(p) - 10240) < Math.abs(sizes.get(best) - 10240) ? p : best), values[0]);

  const files = new Map(); // absolute virtual path -> bytes
  const toWs = (p) => path.relative(corpus, p).split(path.sep).join('/');
  for (const p of [...crds, ...values]) files.set(`${WS}/${toWs(p)}`, new Uint8Array(fs.readFileSync(p)));

  const cases = [
    ['CRDs (~1 MB each)', crds, '.metadata.annotations."gitops/version" = "{{VERSION}}"', 5],
    ['all values.yaml', values, '.gitopsVersion = "{{VERSION}}"', 5],
    ['values.yaml nearest 10 KB', [typical], '.gitopsVersion = "{{VERSION}}"', 200],
  ];
  const native = nativeFile && fs.existsSync(nativeFile) ? parseNative(fs.readFileSync(nativeFile, 'utf8')) : {};
  const wasmBytes = fs.statSync(path.join(dist, 'core', 'gitops_action_bg.wasm')).size;
  console.log(`wasm: ${path.relative(process.cwd(), path.join(dist, 'core'))} (${wasmBytes} bytes), node ${process.version}; nearest 10 KB: ${toWs(typical)} (${sizes.get(typical)} bytes)`);

  const results = [];
  for (const [label, paths, expression, rounds] of cases) {
    const bytes = paths.reduce((n, p) => n + fs.statSync(p).size, 0);
    const secs = await time(paths.map(toWs), files, expression, rounds);
    const wasm = { files: paths.length, kb: bytes / 1024, ms: secs * 1e3, mbs: bytes / secs / 1e6 };
    console.log(
      `wasm    ${label.padEnd(34)} ${String(wasm.files).padStart(6)} files ${wasm.kb.toFixed(1).padStart(9)} KB  ${wasm.ms.toFixed(3).padStart(8)} ms  ${wasm.mbs.toFixed(1).padStart(7)} MB/s`,
    );
    results.push({ label, wasm, native: native[label] });
  }

  const f = (x, w, d = 1) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d)).padStart(w);
  console.log('');
  console.log('                                 native engine   native apply     wasm apply     wasm/native');
  console.log('                                  MB/s  ms/file   MB/s  ms/file   MB/s  ms/file   (apply time)');
  const ratioOf = (wasm, n) => (n?.apply ? wasm.ms / n.apply.ms : undefined);
  for (const { label, wasm, native: n } of results) {
    const perFile = (row) => row && row.ms / row.files;
    console.log(
      `${label.padEnd(31)} ${f(n?.engine?.mbs, 6)} ${f(perFile(n?.engine), 8, 3)} ${f(n?.apply?.mbs, 6)} ${f(perFile(n?.apply), 8, 3)} ${f(wasm.mbs, 6)} ${f(perFile(wasm), 8, 3)}   ${f(ratioOf(wasm, n), 5, 2)}x`,
    );
  }

  console.log('');
  console.log('targets:');
  const met = (ok) => (ok === undefined ? 'n/a (no native figure)' : ok ? 'MET' : 'NOT MET');
  const line = (what, figure, ok) => console.log(`  ${what.padEnd(58)} ${figure.padStart(12)}  ${met(ok)}`);
  for (const { label, native: n } of results.slice(0, 2)) {
    line(`native engine >= 50 MB/s, ${label}`, `${f(n?.engine?.mbs, 7)} MB/s`, n?.engine && n.engine.mbs >= 50);
    if (n?.parse) console.log(`    (the parser alone: ${f(n.parse.mbs, 0)} MB/s; the engine reads the file twice, edit and verify: at most ${f(n.parse.mbs / 2, 0)} MB/s)`);
  }
  for (const { label, wasm, native: n } of results) {
    const ratio = ratioOf(wasm, n);
    line(`wasm within 2x of native (same apply), ${label}`, `${f(ratio, 7, 2)}x`, ratio === undefined ? undefined : ratio <= 2);
  }
  const t = results[2];
  const nativeMs = t.native?.engine && t.native.engine.ms / t.native.engine.files;
  line('< 1 ms for the ~10 KB file, native engine', `${f(nativeMs, 7, 3)} ms`, nativeMs === undefined ? undefined : nativeMs < 1);
  line('< 1 ms for the ~10 KB file, wasm apply', `${f(t.wasm.ms, 7, 3)} ms`, t.wasm.ms < 1);
  if (sizes.get(typical) > 12 * 1024) {
    console.log(`  (no values.yaml in the corpus is close to 10 KB: the nearest is ${(sizes.get(typical) / 1024).toFixed(1)} KB, so this row is a harder case than 10 KB)`);
  }
}

main().catch((e) => {
  console.error(`bench-engine (wasm): ${e.stack || e}`);
  process.exit(1);
});
