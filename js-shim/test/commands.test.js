'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { escapeData, escapeProperty, formatCommand } = require('../commands.js');

test('escapeData escapes %, CR and LF only', () => {
  assert.equal(escapeData('100%\r\ndone: a,b'), '100%25%0D%0Adone: a,b');
  assert.equal(escapeData(42), '42');
});

test('escapeProperty also escapes : and ,', () => {
  assert.equal(escapeProperty('C:\\a,b%\n'), 'C%3A\\a%2Cb%25%0A');
});

test('formatCommand joins properties in order and skips absent ones', () => {
  assert.equal(formatCommand('error', {}, 'boom'), '::error::boom');
  assert.equal(
    formatCommand('error', { file: 'a,b:c.yaml', line: 3, col: undefined }, 'x\ny'),
    '::error file=a%2Cb%3Ac.yaml,line=3::x%0Ay',
  );
  assert.equal(formatCommand('error', { file: 'f', line: 1, col: 2 }, 'm'), '::error file=f,line=1,col=2::m');
});
