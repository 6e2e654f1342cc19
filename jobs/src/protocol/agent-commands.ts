/**
 * Commands from the controller to a tower agent, and the agent's replies,
 * over Redis pub/sub. The agent side subscribes to its own command channel.
 *
 * Channels and keys come from `RedisSchema` (shown here with the default
 * prefix `tower`).
 *
 * - Controller → agent: PUBLISH `tower:agent:{agentId}:commands` with JSON
 *   {@link AgentCommand}.
 * - Agent → controller: PUBLISH `tower:agent-replies` with JSON
 *   {@link AgentReply} once the command is done (eject: the tray is open) or
 *   refused. The controller waits 30 s for an eject reply.
 * - Mastering: the agent acknowledges a `master` command with an
 *   {@link AgentReply} (optional: the controller does not wait for it), then
 *   keeps the hash `tower:master:{masterId}` up to date (fields in
 *   `master-records.ts`) and PUBLISHes {@link MasterEventMessage} on
 *   `tower:master-events` after each change (at most a few per second).
 *   When done it adds the image to the library and sets `imageId`.
 * - A loader command (blanks put into a simulated auto-loader, its reject
 *   bin emptied) is answered once the loader's counts have changed; the
 *   drive's worker moves discs at its next look.
 */

/** Open the tray of a drive the agent owns. */
export interface EjectCommand {
  readonly type: 'eject';
  readonly driveId: string;
  /** Unique id; the reply carries it back. */
  readonly requestId: string;
}

/** Read the disc in a drive into the image library (a master). */
export interface MasterCommand {
  readonly type: 'master';
  readonly requestId: string;
  /** The hash `tower:master:{masterId}` the agent keeps up to date (the controller created it with status `queued`). */
  readonly masterId: string;
  readonly driveId: string;
  /** Display name of the image. */
  readonly name: string;
  /** Default: chosen from the disc. */
  readonly format?: 'iso' | 'bin-cue';
  readonly allowDamaged: boolean;
  /** Re-reads of each bad sector (0..20). */
  readonly retries: number;
}

/** What a person does at a drive's loader by hand: put blanks into its input, or take the coasters out of its reject bin. */
export type LoaderAction = 'load-blanks' | 'empty-rejects';

/**
 * A person's hand at a simulated drive's auto-loader (the demo's stand-in
 * for walking up to the tower). A real loader counts what a person puts in
 * by itself: the agent refuses the command for it (`NOT_SIMULATED`).
 */
export interface LoaderCommand {
  readonly type: 'loader';
  readonly requestId: string;
  readonly driveId: string;
  readonly action: LoaderAction;
  /** Blanks put in (`load-blanks`), 1..100000. */
  readonly count?: number;
}

/**
 * What an operator puts into a simulated drive: a blank of a media type, or
 * a pressed disc (CD-ROM, DVD-ROM, BD-ROM by `mediaClass`) of a library ISO
 * image, to master or copy from. The image is referenced by its path and
 * size, never copied.
 */
export type InsertedDisc =
  | { readonly kind: 'blank'; readonly mediaType: string }
  | { readonly kind: 'image'; readonly imageId: string; readonly path: string; readonly sizeBytes: number; readonly mediaClass: string };

/**
 * Put a disc into a simulated drive (replacing any, closing the tray). The
 * agent refuses a drive that is not simulated (`NOT_SIMULATED`) or is busy
 * (`DRIVE_BUSY`), and replies once the disc is in.
 */
export interface InsertDiscCommand {
  readonly type: 'insert';
  readonly requestId: string;
  readonly driveId: string;
  readonly disc: InsertedDisc;
}

/** Everything the controller sends to an agent. */
export type AgentCommand = EjectCommand | MasterCommand | LoaderCommand | InsertDiscCommand;

/** An agent's answer to a command. */
export interface AgentReply {
  readonly requestId: string;
  readonly ok: boolean;
  /** Why it failed (`code` from the driver error when there is one). */
  readonly error?: { readonly code: string; readonly message: string };
}

/** What an agent publishes on `tower:master-events`: the master whose hash changed. */
export interface MasterEventMessage {
  readonly masterId: string;
}

/** Parse an agent reply; null for anything else. */
export function parseAgentReply(text: string): AgentReply | null {
  try {
    const v = JSON.parse(text) as Partial<AgentReply> | null;
    if (v === null || typeof v !== 'object' || typeof v.requestId !== 'string' || typeof v.ok !== 'boolean') return null;
    return v as AgentReply;
  } catch {
    return null;
  }
}

/** Parse a master event (`{ masterId }`, or a MasterView with `id`); null for anything else. */
export function parseMasterEvent(text: string): MasterEventMessage | null {
  try {
    const v = JSON.parse(text) as { masterId?: unknown; id?: unknown } | null;
    if (v === null || typeof v !== 'object') return null;
    if (typeof v.masterId === 'string') return { masterId: v.masterId };
    if (typeof v.id === 'string') return { masterId: v.id };
    return null;
  } catch {
    return null;
  }
}
