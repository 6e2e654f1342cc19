/**
 * AttemptView from the run store's attempt records.
 */
import { setLabel } from '@tower/jobs';
import type { AttemptRecord } from '@tower/jobs';
import type { AttemptView } from '../../shared/api-types.js';

/** The API view of one attempt. Error output is kept whole. */
export function toAttemptView(a: AttemptRecord): AttemptView {
  const err = a.error;
  return {
    id: a.id,
    runId: a.runId,
    copy: a.copy,
    driveId: a.driveId,
    driveLabel: a.driveLabel ?? null,
    ...(a.merge === undefined ? {} : { merge: a.merge }),
    ...(a.set === undefined ? {} : { set: { ...a.set, label: setLabel(a.set) } }),
    agentId: a.agentId,
    mediaType: a.mediaType ?? null,
    imageSha256: a.imageSha256,
    startedAt: a.startedAt,
    endedAt: a.endedAt ?? null,
    bytes: a.bytes ?? null,
    averageSpeedX: a.averageSpeedX ?? null,
    verifyPolicy: a.verifyPolicy,
    verifyResult: a.verifyResult ?? null,
    outcome: a.outcome ?? null,
    counted: a.counted === true,
    surplus: a.surplus === true,
    error: err === undefined
      ? null
      : { code: err.code, message: err.message, ...(err.tool?.output === undefined ? {} : { output: err.tool.output }) },
  };
}
