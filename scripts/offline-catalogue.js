// Preloaded into `node-red-dev validate` by scripts/validate.js. The validator downloads the
// Node-RED flow library catalogue (catalogue.nodered.org) to look for similar package names (P08)
// and duplicate node type names (N01). That host is not reachable offline, so this answers the
// request locally with an EMPTY catalogue: those two checks then pass without proving anything,
// and validate.js says so. Every other request (the npm registry) goes through unchanged.
'use strict';
const Module = require('module');
const CATALOGUE = 'https://catalogue.nodered.org/catalogue.json';
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const m = load.apply(this, arguments);
  if (request === 'axios' && m && typeof m.get === 'function' && !m.__relOffline) {
    const get = m.get.bind(m);
    m.get = (url, ...rest) => (url === CATALOGUE ? Promise.resolve({ status: 200, data: { modules: [] } }) : get(url, ...rest));
    m.__relOffline = true;
  }
  return m;
};
