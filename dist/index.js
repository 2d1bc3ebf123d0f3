'use strict';
// Entry point (`runs.main` of action.yml, as dist/index.js): the wasm-bindgen module sits in
// ./core, built by scripts/build-dist.sh.

// Runners run the `node` of the job's container whatever `runs.using` says; act_runner
// registrations before 2024-03-29 default `ubuntu-latest` to node:16 images. Checked first, in
// syntax every Node parses, so an old Node gets this message rather than a syntax error.
var nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 20) {
  process.stdout.write(
    '::error::gitops-action needs Node.js 20 or newer in the job container, and this job runs Node ' +
      process.version +
      ". The runner's label picks the image: a runner registered before 2024-03 maps ubuntu-latest to " +
      'docker://node:16-bullseye. Change the label to an image with Node 20 (e.g. ' +
      'ubuntu-latest:docker://docker.gitea.com/runner-images:ubuntu-latest, or docker://node:20-bookworm) ' +
      'in the runner\'s .runner file or config.yaml labels, or set the job\'s container: to one.\n'
  );
  process.exitCode = 1;
  return;
}

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
