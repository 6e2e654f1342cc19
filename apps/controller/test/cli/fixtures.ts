/** Sample API views for CLI tests. */
import type { AttemptView, DriveStats, DriveView, FeedSnapshot, ImageView, RunView } from '../../src/shared/api-types.js';

export function makeDrive(over: Partial<DriveView> = {}): DriveView {
  return {
    id: 'sim:0', agentId: 'host-a', label: 'Top left', position: 0, state: 'blank', mediaType: 'CD-R',
    percent: null, speedX: null, speedMBps: null, etaSeconds: null, bufferPercent: null, runId: null, copy: null, discLabel: null,
    phase: null, activity: null, phaseSeconds: null, message: null, needsAttention: false, passed: 0, failed: 0, quarantine: null, updatedAt: 1_700_000_000_000,
    ...over,
  };
}

export function makeRun(over: Partial<RunView> = {}): RunView {
  return {
    id: 'run-1', imageId: 'img-1', imageName: 'Install disc', label: null, mediaClass: 'cd', copies: 2,
    status: 'running', statusReason: null, verify: 'all', priority: 100, passed: 0, failed: 0, inProgress: 1,
    remaining: 2, surplus: 0, cancelled: 0, interrupted: 0, discsPerHour: null, etaSeconds: null,
    createdAt: 1_700_000_000_000, completedAt: null, createdBy: 'operator',
    ...over,
  };
}

export function makeImage(over: Partial<ImageView> = {}): ImageView {
  return {
    id: 'img-1', name: 'Install disc', format: 'iso', sizeBytes: 734_003_200, sectors: 358_400,
    sha256: 'a'.repeat(64), volumeLabel: 'INSTALL', filesystems: ['iso9660'], mediaSizes: ['CD-R 700MB'],
    mediaClass: 'cd', tracks: [{ number: 1, mode: 'MODE1', startSector: 0, sectors: 358_400, pregapSectors: 0 }],
    provenance: { kind: 'upload', detail: 'install.iso', at: '2024-05-01T08:00:00.000Z' },
    damaged: false, damage: [], inUse: false, createdAt: '2024-05-01T08:00:00.000Z', malwareScan: null,
    storage: { compression: 'plain', storedBytes: 734_003_200, savedBytes: 0 },
    ...over,
  };
}

export function makeAttempt(over: Partial<AttemptView> = {}): AttemptView {
  return {
    id: 'att-1', runId: 'run-1', copy: 1, driveId: 'sim:0', driveLabel: 'Top', agentId: 'host-a', mediaType: 'CD-R',
    imageSha256: 'a'.repeat(64), startedAt: 1_700_000_000_000, endedAt: 1_700_000_300_000, bytes: 734_003_200,
    averageSpeedX: 24, verifyPolicy: 'all', verifyResult: 'match', outcome: 'passed', counted: true, surplus: false,
    error: null,
    ...over,
  };
}

export function makeStats(over: Partial<DriveStats> = {}): DriveStats {
  return {
    driveId: 'sim:0', discs: 10, passed: 9, failed: 1, failureRate: 0.1, totalBytes: 7_340_032_000,
    lastError: { code: 'WRITE_ERROR', message: 'write failed at sector 1234', at: 1_700_000_000_000 },
    quarantineHistory: [],
    ...over,
  };
}

export function makeSnapshot(over: Partial<FeedSnapshot> = {}): FeedSnapshot {
  return { drives: [makeDrive()], runs: [], agents: [], masters: [], at: 1_700_000_000_000, ...over };
}
