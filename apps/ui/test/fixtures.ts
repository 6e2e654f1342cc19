import type { DriveView, FeedSnapshot, RunView } from '../src/lib/contract';

export function drive(over: Partial<DriveView> & Pick<DriveView, 'id'>): DriveView {
  return {
    agentId: 'agent-a',
    label: over.id.toUpperCase(),
    position: 0,
    state: 'blank',
    mediaType: 'CD-R',
    percent: null,
    speedX: null,
    speedMBps: null,
    etaSeconds: null,
    phase: null,
    activity: null,
    phaseSeconds: null,
    bufferPercent: null,
    runId: null,
    copy: null,
    discLabel: null,
    message: null,
    needsAttention: false,
    passed: 0,
    failed: 0,
    quarantine: null,
    updatedAt: 1000,
    ...over,
  };
}

export function run(over: Partial<RunView> & Pick<RunView, 'id'>): RunView {
  return {
    imageId: 'img1',
    imageName: 'sample.iso',
    label: null,
    mediaClass: 'cd',
    copies: 4,
    status: 'running',
    statusReason: null,
    verify: 'all',
    priority: 100,
    passed: 0,
    failed: 0,
    inProgress: 0,
    remaining: 4,
    surplus: 0,
    cancelled: 0,
    interrupted: 0,
    discsPerHour: null,
    etaSeconds: null,
    createdAt: 1,
    completedAt: null,
    createdBy: 'op',
    ...over,
  };
}

export function snapshot(over: Partial<FeedSnapshot> = {}): FeedSnapshot {
  return { drives: [], runs: [], agents: [], masters: [], at: 5000, ...over };
}
