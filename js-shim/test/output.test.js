'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { formatOutput, randomUuid, writeOutputs, writeSummary } = require('../output.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-output-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A uuid source that returns the given values in turn. */
const uuids = (...values) => () => values.shift();

/** Parses a $GITHUB_OUTPUT file the way the runner does (heredoc form only). */
function parseOutputFile(text) {
  const outputs = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && lines[i] !== ''; i++) {
    const [name, delimiter] = lines[i].split('<<');
    const value = [];
    for (i++; lines[i] !== delimiter; i++) value.push(lines[i]);
    outputs[name] = value.join('\n');
  }
  return outputs;
}

test('formatOutput uses the heredoc form with a ghadelimiter_ delimiter', () => {
  assert.equal(formatOutput('changed', 'true', uuids('u1')), 'changed<<ghadelimiter_u1\ntrue\nghadelimiter_u1\n');
  assert.equal(formatOutput('diff', 'a\nb\n', uuids('u1')), 'diff<<ghadelimiter_u1\na\nb\n\nghadelimiter_u1\n');
});

test('randomUuid gives distinct version-4 UUIDs', () => {
  const seen = new Set(Array.from({ length: 1000 }, randomUuid));
  assert.equal(seen.size, 1000);
  for (const u of seen) assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('formatOutput draws a new delimiter when the value or name contains it', () => {
  const value = 'x\nghadelimiter_u1\nforged<<y';
  assert.equal(formatOutput('diff', value, uuids('u1', 'u2')), `diff<<ghadelimiter_u2\n${value}\nghadelimiter_u2\n`);
  assert.equal(formatOutput('n_ghadelimiter_u1', 'v', uuids('u1', 'u3')), 'n_ghadelimiter_u1<<ghadelimiter_u3\nv\nghadelimiter_u3\n');
});

test('writeOutputs appends to GITHUB_OUTPUT, and the runner reads back the values', () => {
  const file = path.join(tmp, 'github_output');
  fs.writeFileSync(file, 'earlier<<EOF\n1\nEOF\n');
  const diff = '--- a/Chart.yaml\n+++ b/Chart.yaml\n-version: 1.0.0\n+version: 1.2.3\n';
  const lines = [];
  writeOutputs({ env: { GITHUB_OUTPUT: file, GITEA_OUTPUT: '/nonexistent/x' }, outputs: { changed: 'true', diff, empty: '' }, newUuid: () => 'fixed', print: (l) => lines.push(l) });
  assert.deepEqual(parseOutputFile(fs.readFileSync(file, 'utf8')), { earlier: '1', changed: 'true', diff, empty: '' });
  assert.deepEqual(lines, []);
});

test('writeOutputs falls back to GITEA_OUTPUT', () => {
  const file = path.join(tmp, 'gitea_output');
  writeOutputs({ env: { GITHUB_OUTPUT: '', GITEA_OUTPUT: file }, outputs: { status: 'success' }, newUuid: () => 'u', print: assert.fail });
  assert.equal(fs.readFileSync(file, 'utf8'), 'status<<ghadelimiter_u\nsuccess\nghadelimiter_u\n');
});

test('writeOutputs without an output file warns and prints the outputs', () => {
  const lines = [];
  writeOutputs({ env: {}, outputs: { changed: 'false', diff: 'a\nb' }, newUuid: assert.fail, print: (l) => lines.push(l) });
  assert.deepEqual(lines, [
    '::warning::GITHUB_OUTPUT is not set: the outputs are only printed',
    'output changed = "false"',
    'output diff = "a\\nb"',
  ]);
});

test('writeSummary appends Markdown to GITHUB_STEP_SUMMARY, else GITEA_STEP_SUMMARY', () => {
  const file = path.join(tmp, 'summary.md');
  fs.writeFileSync(file, '# before\n');
  writeSummary({ env: { GITHUB_STEP_SUMMARY: file }, summary: '| a | b |\n|---|---|', print: assert.fail });
  writeSummary({ env: { GITEA_STEP_SUMMARY: file }, summary: 'second\n', print: assert.fail });
  writeSummary({ env: { GITHUB_STEP_SUMMARY: file }, summary: '', print: assert.fail });
  assert.equal(fs.readFileSync(file, 'utf8'), '# before\n| a | b |\n|---|---|\nsecond\n');
});

test('writeSummary without a summary file prints a debug line', () => {
  const lines = [];
  writeSummary({ env: {}, summary: 'x', print: (l) => lines.push(l) });
  assert.deepEqual(lines, ['::debug::GITHUB_STEP_SUMMARY is not set: no job summary written']);
});
