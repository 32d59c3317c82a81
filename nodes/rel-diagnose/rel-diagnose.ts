/**
 * rel-diagnose: the features from rel-vibration in, the faults a vibration analyst would name
 * out (msg.payload.diagnosis), each with a confidence, a severity and the evidence. Optional last
 * output (config `dashboard`): the faults as ui-table rows. Thin glue over
 * nodes/core/signal/diagnose.ts.
 */
import { diagnose, readFeatures, type Diagnosis } from '../core/signal/diagnose';
import { configNum } from '../core/node-config';
import { object, own } from '../core/validate';
import { defineNode } from '../shared/node';
import { tableMessage } from '../shared/dashboard';
import type { NodeDef, NodeMessage, RedApi } from '../shared/red';
import { status } from '../shared/status';

interface DiagnoseDef extends NodeDef {
  detect?: number | string;
  /** One more output, the last: the faults as rows for ui-table. */
  dashboard?: boolean | string;
}

const SHORT: Record<string, string> = {
  'bearing-outer-race': 'outer race',
  'bearing-inner-race': 'inner race',
  'bearing-ball': 'ball',
  'bearing-cage': 'cage',
  imbalance: 'imbalance',
  misalignment: 'misalignment',
  looseness: 'looseness',
};

/**
 * The dashboard message: one ui-table row per fault {mode, confidence 0-1, severity, evidence},
 * most confident first, or one row {mode: 'normal', confidence: null, severity: 'normal', evidence:
 * the notes}; topic = the asset (msg.payload.asset) or "diagnosis".
 */
function dashboardMsg(asset: unknown, d: Diagnosis): NodeMessage {
  const rows = d.faults.length
    ? d.faults.map((f) => ({ mode: f.mode, confidence: f.confidence, severity: f.severity, evidence: f.evidence }))
    : [{ mode: 'normal', confidence: null, severity: 'normal', evidence: d.notes.length ? d.notes.join('; ') : 'no fault rule fired' }];
  const m = tableMessage(rows, typeof asset === 'string' && asset ? asset : 'diagnosis', 2);
  if (typeof asset === 'string' && asset) m.asset = asset;
  return m;
}

export = function (RED: RedApi) {
  defineNode<DiagnoseDef>(RED, 'rel-diagnose', (node, config) => {
    const dash = config.dashboard === true || config.dashboard === 'true';
    // The form's Detection field (empty: 4).
    const detect = configNum(config.detect, 'detect', 4, { min: 2, max: 100, expected: 'a number from 2 to 100 (Detection: times a defect line stands above the spectrum floor)' });
    return {
      input: (msg, send) => {
        const p = object(msg.payload, 'msg.payload');
        const features = readFeatures(own(p, 'features'), 'msg.payload.features');
        const diagnosis = diagnose(features, { detect, confirm: Math.min(3, detect), strong: 2 * detect });
        msg.payload = { ...p, diagnosis };
        send(dash ? ([msg, dashboardMsg(own(p, 'asset'), diagnosis)] as never) : msg);
        const top = diagnosis.faults[0];
        if (!top) {
          // no fault pattern, but the level is not acceptable (ISO zone C or D): say so in yellow
          if (diagnosis.zoneWarning) status.warn(node, `no pattern · zone ${features.isoZone} · ${features.velocityRms.toFixed(2)} mm/s`);
          else status.ok(node, 'normal');
        }
        else {
          const text = `${SHORT[top.mode]} ${Math.round(top.confidence * 100)}% · ${top.severity}`;
          if (top.severity === 'alarm') status.error(node, text);
          else status.warn(node, text);
        }
      },
    };
  });
};
