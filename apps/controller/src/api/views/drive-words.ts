/**
 * The words an operator reads for a drive's state: what is happening and
 * what a person must do, from the facts its agent published, the
 * quarantine, the runs waiting and the agent's liveness.
 */
import type { DriveStatus, QuarantineInfo } from '@tower/jobs';
import type { AgentView, DriveView } from '../../shared/api-types.js';

/** A quarantine entry as stored (the API adds `by`). */
export type StoredQuarantine = QuarantineInfo & { readonly by?: string };

/** Media class names as an operator reads them. */
export const CLASS_NAMES: Record<string, string> = { cd: 'CD', dvd: 'DVD', 'dvd-dl': 'DVD DL', bd: 'BD', 'bd-dl': 'BD DL' };

/** What a person must do for a state, in words. */
export function attention(
  state: DriveView['state'], s: DriveStatus, q: StoredQuarantine | null, classes: readonly string[], agentId: string, agent: AgentView | undefined,
): { message: string | null; needsAttention: boolean } {
  switch (state) {
    case 'done':
      return s.autoLoader === true ? { message: 'Good disc: the auto-loader takes it out', needsAttention: false } : { message: 'Take the disc out', needsAttention: true };
    case 'failed':
      return s.autoLoader === true
        ? { message: 'Coaster: the auto-loader puts it in the reject bin', needsAttention: false }
        : { message: 'Coaster: take it out and discard it', needsAttention: true };
    case 'wrong-media':
      return { message: `Wrong disc: insert a blank ${classes.length > 0 ? classes.join(' or ') : 'disc'}`, needsAttention: true };
    case 'empty':
      if (s.autoLoader === true) return { message: 'The auto-loader is loading a blank', needsAttention: false };
      return classes.length > 0 ? { message: 'Insert a blank disc', needsAttention: true } : { message: null, needsAttention: false };
    case 'quarantined':
      return { message: `Quarantined: ${q?.reason ?? s.message ?? 'check the drive'}`, needsAttention: true };
    case 'offline':
      if (agentId === '') return { message: 'No agent has reported this drive', needsAttention: true };
      // The agent answers but its drive does not (gone from the bus, unplugged, powered off).
      if (agent?.online === true) return { message: 'The drive does not answer: check its cable and power', needsAttention: true };
      return { message: `Agent ${agentId}${agent?.host ? ` on ${agent.host}` : ''} is not responding`, needsAttention: true };
    case 'busy':
      if (s.state === 'quarantined') return { message: 'Released: waiting for its agent to look at the drive', needsAttention: false };
      return { message: s.message ?? null, needsAttention: false };
    default:
      return { message: null, needsAttention: false };
  }
}
