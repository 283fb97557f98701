/** What a running store tells its application (`model.on(event, listener)`). */
import type { GateReport } from './gate.js';
import type { RolloutReport } from './rollout/decide.js';
import type { RolloutStatus } from './rollout/live.js';
import type { DriftState } from '../drift/types.js';
import type { RetrainRequest } from '../drift/retrain.js';

export interface StoreEvents {
  /** A new version folder is complete and about to be checked. */
  candidate: [{ version: string; dir: string }];
  /** A version passed the gate. */
  validated: [{ version: string; report: GateReport }];
  /**
   * A version passed the gate under a `shadow` or `canary` rollout and became the candidate
   * (`started`), a restart resumed its rollout (`resumed`), or a canary step was passed (`advanced`).
   */
  rollout: [{ phase: 'started' | 'resumed' | 'advanced'; status: RolloutStatus }];
  /** The candidate became active: by the live policy, by promote() (here or `edgefn models promote`). `activated` follows. */
  promoted: [{ version: string; previous: string; by: 'policy' | 'promote()' | 'another process'; status: RolloutStatus }];
  /**
   * A version failed the gate, or a candidate failed its live rollout (code EDGEFN_ROLLOUT_REJECTED,
   * `rollout` says which rule and the figures); the active version keeps serving.
   */
  rejected: [{ version: string; code: string; reason: string; report: GateReport; rollout?: RolloutReport }];
  /** A version became active: by this process, or by another one (the CLI) that this store follows (then `report` is the stored one). */
  activated: [{ version: string; previous: string | null; report: GateReport | null }];
  /** The previous version became active again (by rollback(), or because the active one cannot be served at boot). */
  rolledBack: [{ version: string; from: string | null; reason: string }];
  /**
   * Something the store does by itself failed: a scan (a lock not obtained, a file system error)
   * or following a decision recorded by another process that does not pass this store's checks.
   * The active version keeps serving. Also emitted as a process warning with the same code.
   */
  /**
   * A version's drift monitor changed state: it entered drift (`state.moved` names the statistics,
   * their PSI, KS and means, and the window) or left it.
   */
  drift: [{ version: string; state: DriftState }];
  /** Drift persisted for `retrainAfter` drifted calls: the request was written to `file` (once per drift episode). */
  retrainRequested: [{ version: string; file: string; request: RetrainRequest }];
  failed: [{ operation: 'scan' | 'follow'; version: string | null; code: string; reason: string }];
}
