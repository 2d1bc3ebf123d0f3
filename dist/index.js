'use strict';
// Entry point (`runs.main` of action.yml, as dist/index.js): the wasm-bindgen module sits in
// ./core, built by scripts/build-dist.sh.

const { runAction } = require('./main.js');
const { writeStdout } = require('./stdout.js');

runAction({
  proc: process,
  print: (line) => writeStdout(`${line}\n`),
  loadCore: () => require('./core/gitops_action.js'),
});
