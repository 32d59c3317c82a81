/** rel-pm's editor endpoints: import a spreadsheet into a deployed node, export its plans. */
import type { ImportReport } from '../core/cmms/pm';
import type { RedApi, RedNode } from '../shared/red';

export interface PmNode extends RedNode {
  importCsv?: (csv: string) => Promise<ImportReport>;
  exportCsv?: () => Promise<string>;
}

export function pmAdminRoutes(RED: RedApi): void {
  RED.httpAdmin.post('/rel-pm/:id/import', RED.auth.needsPermission('rel-pm.write'), async (req: any, res: any) => {
    const n = RED.nodes.getNode(String(req.params.id)) as PmNode | null;
    if (!n || !n.importCsv) return res.status(404).json({ error: 'rel-pm node not deployed: deploy it first, then import' });
    const csv = typeof req.body?.csv === 'string' ? req.body.csv : undefined;
    if (csv === undefined) return res.status(400).json({ error: 'body: expected {"csv": "..."}' });
    try {
      res.json(await n.importCsv(csv));
    } catch (e) {
      res.status(400).json({ error: e instanceof Error ? e.message : String(e) });
    }
  });
  RED.httpAdmin.get('/rel-pm/:id/export', RED.auth.needsPermission('rel-pm.read'), (req: any, res: any) => {
    const n = RED.nodes.getNode(String(req.params.id)) as PmNode | null;
    if (!n || !n.exportCsv) return res.status(404).json({ error: 'rel-pm node not deployed' });
    n.exportCsv().then(
      (csv) => {
        res.set('Content-Type', 'text/csv; charset=utf-8');
        res.set('Content-Disposition', 'attachment; filename="pm-plans.csv"');
        res.send(csv);
      },
      (e) => res.status(500).json({ error: e instanceof Error ? e.message : String(e) }),
    );
  });
}
