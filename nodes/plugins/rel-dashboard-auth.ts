/**
 * The Node-RED plugin of this package (package.json node-red.plugins): logins and inbound caps on
 * the Dashboard 2.0 pages (see nodes/shared/dashboard-auth). Node-RED loads plugins before nodes,
 * so its HTTP routes sit in front of the dashboard's.
 */
import { installDashboardAuth } from '../shared/dashboard-auth';
import type { RedApi } from '../shared/red';

export = function (RED: RedApi) {
  installDashboardAuth(RED);
};
