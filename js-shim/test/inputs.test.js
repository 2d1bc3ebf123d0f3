'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { readInputs, secretsToMask } = require('../inputs.js');

test('input names are lower-cased, other variables ignored', () => {
  const inputs = readInputs({
    INPUT_GITOPS_FILE: 'deploy/values.yaml',
    INPUT_YQ_TPL: '.image.tag = "{{VERSION}}"',
    INPUT_MODE: 'update',
    INPUT_: 'nameless',
    PATH: '/bin',
    input_lower_prefix: 'no',
  });
  assert.deepEqual(inputs, {
    gitops_file: 'deploy/values.yaml',
    yq_tpl: '.image.tag = "{{VERSION}}"',
    mode: 'update',
  });
});

test('upper- and lower-case spellings map to one key; the upper-case one wins', () => {
  assert.deepEqual(readInputs({ INPUT_gitops_file: 'a' }), { gitops_file: 'a' });
  assert.deepEqual(readInputs({ INPUT_GITOPS_FILE: 'A', INPUT_gitops_file: 'a' }), { gitops_file: 'A' });
  assert.deepEqual(readInputs({ INPUT_gitops_file: 'a', INPUT_GITOPS_FILE: 'A' }), { gitops_file: 'A' });
});

test('a name with spaces arrives with underscores, as runners pass it', () => {
  assert.deepEqual(readInputs({ 'INPUT_MY_INPUT': 'v' }), { my_input: 'v' });
});

test('values are verbatim; whitespace-only values become empty', () => {
  const inputs = readInputs({
    INPUT_EMPTY: '',
    INPUT_BLANK: ' \t\n ',
    INPUT_PADDED: '  1.2.3 ',
    INPUT_UPDATES: '- file: a.yaml\n  yq_tpl: .a = 1\n- file: b.yaml\n',
    INPUT_CRLF: 'a\r\nb',
  });
  assert.equal(inputs.empty, '');
  assert.equal(inputs.blank, '');
  assert.equal(inputs.padded, '  1.2.3 ');
  assert.equal(inputs.updates, '- file: a.yaml\n  yq_tpl: .a = 1\n- file: b.yaml\n');
  assert.equal(inputs.crlf, 'a\r\nb');
});

test('an input named __proto__ stays an ordinary own key', () => {
  const inputs = readInputs({ INPUT___PROTO__: 'x' });
  assert.equal(Object.getPrototypeOf(inputs), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(inputs, '__proto__').value, 'x');
});

test('every input whose name contains "token" is masked, line by line, trimmed', () => {
  const masks = secretsToMask({
    token: 'ghs_abc',
    status_token: ' padded \n',
    my_token_pem: '-----BEGIN KEY-----\r\nAAAA\r\n\r\n   \r\n-----END KEY-----',
    repo: 'not-a-secret',
    tokenless: '',
    other_token: 'ghs_abc',
  });
  assert.deepEqual(masks, ['ghs_abc', 'padded', '-----BEGIN KEY-----', 'AAAA', '-----END KEY-----']);
});
