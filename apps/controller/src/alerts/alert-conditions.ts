/**
 * The one place that says which alert conditions hold, from the facts the
 * controller already has: the drive views (their state, words, quarantine
 * and loader stock), the agents' liveness and the blank stock. A run's end
 * is an event, not a condition: see `runEndAlert`.
 *
 * Each drive gives at most one condition, the most pressing: quarantined,
 * then its loader's empty input or full reject bin, then any other state
 * that needs a person (take a disc out, put one in, wrong media, a full
 * output). An offline drive gives none: its agent's silence is the alert.
 */
import type { RunRecord } from '@tower/jobs';
import type { AgentView, DriveView } from '../shared/api-types.js';
import type { AlertConditionName } from '../shared/alert-schemas.js';
import type { StockLevelView } from '../shared/stock-schemas.js';

/** A condition that holds now, for one subject. */
export interface HeldCondition {
  /** `<condition>:<subject>`. */
  readonly key: string;
  readonly condition: AlertConditionName;
  readonly subject: string;
  /** In words, for a person. */
  readonly message: string;
}

/** The facts the conditions are derived from. */
export interface AlertFacts {
  readonly drives: readonly DriveView[];
  readonly agents: readonly AgentView[];
  readonly stock: readonly StockLevelView[];
}

const held = (condition: AlertConditionName, subject: string, message: string): HeldCondition => ({ key: `${condition}:${subject}`, condition, subject, message });

/** Every condition that holds, at most one per drive. */
export function deriveConditions(facts: AlertFacts): HeldCondition[] {
  const out: HeldCondition[] = [];
  for (const d of facts.drives) {
    const c = driveCondition(d);
    if (c !== null) out.push(c);
  }
  for (const a of facts.agents) {
    if (!a.online) {
      const drives = a.driveIds.length === 1 ? '1 drive' : `${a.driveIds.length} drives`;
      out.push(held('agent-silent', a.id, `Agent ${a.id} on ${a.host || 'an unknown host'} has gone silent: its ${drives} are offline`));
    }
  }
  for (const s of facts.stock) {
    if (s.low && s.threshold !== null) {
      out.push(held('stock-low', s.mediaType, `${s.mediaType} blank stock is low: ${Math.max(0, s.onHand)} on hand (alert at ${s.threshold})`));
    }
  }
  return out;
}

/** The one condition of a drive, or null. */
export function driveCondition(d: DriveView): HeldCondition | null {
  const name = d.label === '' ? d.id : d.label;
  if (d.state === 'offline') return null;
  if (d.state === 'quarantined' || d.quarantine !== null) {
    return held('drive-quarantined', d.id, `${name} is quarantined: ${d.quarantine?.reason ?? d.message ?? 'taken out of service'}`);
  }
  const need = d.loader?.needsPerson ?? null;
  if (need === 'input-empty') return held('loader-input-empty', d.id, `${name}: ${d.message ?? 'its loader has no blank disc left: load blanks'}`);
  if (need === 'reject-full') return held('loader-reject-full', d.id, `${name}: ${d.message ?? 'its loader\'s reject bin is full: empty it'}`);
  if (d.needsAttention) return held('drive-needs-person', d.id, `${name}: ${d.message ?? 'needs a person'}`);
  return null;
}

/** The alert of a run that ended (completed or failed), or null for any other state. */
export function runEndAlert(run: RunRecord, label: string | null): HeldCondition | null {
  const name = label === null || label === '' ? `Run ${run.id}` : `Run ${run.id} (${label})`;
  const c = run.counters;
  if (run.status === 'completed') {
    return held('run-completed', run.id, `${name} completed: ${c.passed} of ${run.copies} good discs, ${c.failed + c.interrupted} coasters${c.surplus > 0 ? `, ${c.surplus} surplus` : ''}`);
  }
  if (run.status === 'failed') {
    return held('run-failed', run.id, `${name} failed: ${run.statusReason ?? 'stopped'}; ${c.passed} of ${run.copies} good discs`);
  }
  return null;
}
