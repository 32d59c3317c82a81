/**
 * rel-diagnose: the features from rel-vibration in, the faults a vibration analyst would name
 * out (msg.payload.diagnosis), each with a confidence, a severity and the evidence. Thin glue over
 * nodes/core/signal/diagnose.ts.
 */
import { diagnose, readFeatures } from '../core/signal/diagnose';
import { num, object, own } from '../core/validate';
import { defineNode } from '../shared/node';
import type { NodeDef, RedApi } from '../shared/red';
import { status } from '../shared/status';

interface DiagnoseDef extends NodeDef {
  detect?: number | string;
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

export = function (RED: RedApi) {
  defineNode<DiagnoseDef>(RED, 'rel-diagnose', (node, config) => {
    const detect = num(config.detect === '' || config.detect === undefined ? 4 : config.detect, 'detection threshold', { min: 2, max: 100 });
    return {
      input: (msg, send) => {
        const p = object(msg.payload, 'msg.payload');
        const features = readFeatures(own(p, 'features'), 'msg.payload.features');
        const diagnosis = diagnose(features, { detect, confirm: Math.min(3, detect), strong: 2 * detect });
        msg.payload = { ...p, diagnosis };
        send(msg);
        const top = diagnosis.faults[0];
        if (!top) status.ok(node, 'normal');
        else {
          const text = `${SHORT[top.mode]} ${Math.round(top.confidence * 100)}% · ${top.severity}`;
          if (top.severity === 'alarm') status.error(node, text);
          else status.warn(node, text);
        }
      },
    };
  });
};
