// The sidebar's route for repair cases (plaid-item-repair): one store's open cases, soonest due first, with the
// Item's user. Answers carry case-overview.ts's fields only: no link token, no Hosted Link URL.
import type { Express, RequestHandler } from 'express';
import { caseOverviewOf } from '../../plaid/repair/case-overview';
import { answering, ROUTE_ROOT, storeNamed, storeLabel, type RouteRequest } from './routes';

async function openCases(req: RouteRequest): Promise<object> {
  const node = storeNamed(req.params.storeId ?? '');
  const store = await node.usableStore();
  const cases = await store.repairCases({ open: true });
  const records = new Map((cases.length > 0 ? await store.list() : []).map((record) => [record.item_id, record]));
  return { store: { id: node.id, name: storeLabel(node) }, cases: cases.map((c) => caseOverviewOf(c, records.get(c.item_id))) };
}

/** Adds the cases route to the editor's admin app, behind `permission`. */
export function mountCaseRoutes(httpAdmin: Express, permission: RequestHandler): void {
  httpAdmin.get(`${ROUTE_ROOT}/:storeId/cases`, permission, answering(openCases));
}
