'use strict';
// GET /version (misc.Version): public, no token, no scope.

const getVersion = async ({ sb }) => ({ status: 200, body: { version: sb.flavor.version } });

const routes = [{ operationId: 'getVersion', access: 'public', handler: getVersion }];

module.exports = { routes };
