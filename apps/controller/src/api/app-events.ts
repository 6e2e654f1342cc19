/**
 * Changes the API made, for the feed to relay (in-process).
 */
import { EventEmitter } from 'node:events';

/** What the API announces. */
export interface AppEventMap {
  /** A drive's view changed (quarantine, release, eject). */
  'drive-changed': [driveId: string];
  /** A run changed outside the planner's own `run:update` (a finishing cancel). */
  'run-changed': [runId: string];
  /** A master read was created. */
  'master-changed': [masterId: string];
}

/** In-process bus between the routes and the feed. */
export class AppEvents extends EventEmitter<AppEventMap> {}
