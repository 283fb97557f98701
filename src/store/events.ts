/** What a running store tells its application (`model.on(event, listener)`). */
import type { GateReport } from './gate.js';

export interface StoreEvents {
  /** A new version folder is complete and about to be checked. */
  candidate: [{ version: string; dir: string }];
  /** A version passed the gate. */
  validated: [{ version: string; report: GateReport }];
  /** A version failed the gate; the active version keeps serving. */
  rejected: [{ version: string; code: string; reason: string; report: GateReport }];
  /** A version became active: by this process, or by another one (the CLI) that this store follows (then `report` is the stored one). */
  activated: [{ version: string; previous: string | null; report: GateReport | null }];
  /** The previous version became active again (by rollback(), or because the active one cannot be served at boot). */
  rolledBack: [{ version: string; from: string | null; reason: string }];
  /**
   * Something the store does by itself failed: a scan (a lock not obtained, a file system error)
   * or following a decision recorded by another process that does not pass this store's checks.
   * The active version keeps serving. Also emitted as a process warning with the same code.
   */
  failed: [{ operation: 'scan' | 'follow'; version: string | null; code: string; reason: string }];
}
