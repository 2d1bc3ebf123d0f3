'use strict';
// Entry point (`runs.main` of action.yml, as dist/index.js): the wasm-bindgen module sits in
// ./core, built by scripts/build-dist.sh.

// V8 flags for a short-lived wasm run, set before the core is compiled: validate each function
// when it is first called, and keep functions on the baseline compiler (Liftoff) until they
// have run long (large files). Validating all of the module up front, and optimizing every
// warm function on the background threads, cost a 10 KB apply ~20 ms of its start-up on two
// cores (scripts/bench-coldstart.sh).
const v8 = require('node:v8');
v8.setFlagsFromString('--wasm-lazy-validation');
v8.setFlagsFromString('--wasm-tiering-budget=100000000');

const { runAction } = require('./main.js');
const { writeStdout } = require('./stdout.js');

runAction({
  proc: process,
  print: (line) => writeStdout(`${line}\n`),
  loadCore: () => require('./core/gitops_action.js'),
});
