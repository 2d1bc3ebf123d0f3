'use strict';
// Entry point (`runs.main` of action.yml, as dist/index.js): the wasm-bindgen module sits in
// ./core, built by scripts/build-dist.sh.

require('./main.js').runAction({
  proc: process,
  loadCore: () => require('./core/gitops_action.js'),
});
