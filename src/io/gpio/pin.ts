/**
 * A GPIO pin: onoff's Gpio on a board, or a simulated pin with the same interface where there is
 * no GPIO (a laptop, CI, a container). The simulated pin is a stand-in for development and tests,
 * not an emulation of any hardware: set() plays an edge on an input, writes are recorded.
 */
import { EventEmitter } from 'node:events';
import { EdgefnError, ErrorCode, messageOf } from '../../errors.js';
import { debug } from '../../util/debug.js';
import { loadOptional } from '../../util/optional.js';
import { checkKeys, invalidArgument, is } from '../../util/validate.js';
import { readChips, sysfsNumber } from './numbering.js';

const log = debug('gpio');

export type Direction = 'in' | 'out' | 'high' | 'low';
export type Edge = 'none' | 'rising' | 'falling' | 'both';
export type BinaryValue = 0 | 1;

/** The part of onoff's Gpio that edgefn uses; SimulatedPin has the same. */
export interface Pin {
  read(): Promise<BinaryValue>;
  write(value: BinaryValue): Promise<void>;
  watch(callback: (err: Error | null | undefined, value: BinaryValue) => void): void;
  unwatch(callback?: (err: Error | null | undefined, value: BinaryValue) => void): void;
  unexport(): void;
  /** Whether this is a simulated pin. */
  readonly simulated: boolean;
  /** The BCM number asked for, and the sysfs number it maps to (null when simulated). */
  readonly bcm: number;
  readonly sysfs: number | null;
}

export interface PinOptions {
  /** BCM GPIO number (the "GPIO17" of pinout diagrams), the same on every Pi model. */
  pin: number;
  direction?: Direction;
  /** Interrupt edge for inputs. Default `both` for inputs, `none` for outputs. */
  edge?: Edge;
  /** Ignore changes shorter than this (switch bounce). Default 0. */
  debounceMs?: number;
  activeLow?: boolean;
  /**
   * `auto` (default): a real pin where GPIO is accessible, else a simulated one with a warning;
   * `true`: always simulated; `false`: a real pin or DEVICE_UNAVAILABLE.
   */
  simulate?: boolean | 'auto';
  /** Label of the header's GPIO chip, when it is none of the Raspberry Pi ones. */
  chip?: string;
  /** Where sysfs is mounted (tests point this at a fake tree). Default `/sys`. */
  sysfsRoot?: string;
}

export class SimulatedPin extends EventEmitter implements Pin {
  readonly simulated = true;
  readonly sysfs = null;
  private value: BinaryValue;
  private readonly watchers = new Set<(err: Error | null | undefined, value: BinaryValue) => void>();
  /** Every value written, in order (outputs). */
  readonly writes: BinaryValue[] = [];

  constructor(readonly bcm: number, readonly direction: Direction, private readonly edge: Edge) {
    super();
    this.value = direction === 'high' ? 1 : 0;
  }

  async read(): Promise<BinaryValue> {
    return this.value;
  }

  async write(value: BinaryValue): Promise<void> {
    this.value = value;
    this.writes.push(value);
  }

  /** Simulates the outside world driving an input: fires watchers as an interrupt would. */
  set(value: BinaryValue): void {
    if (value === this.value) return;
    this.value = value;
    const fires = this.edge === 'both' || (this.edge === 'rising' && value === 1) || (this.edge === 'falling' && value === 0);
    if (fires) for (const w of this.watchers) w(null, value);
  }

  watch(callback: (err: Error | null | undefined, value: BinaryValue) => void): void {
    this.watchers.add(callback);
  }

  unwatch(callback?: (err: Error | null | undefined, value: BinaryValue) => void): void {
    if (callback) this.watchers.delete(callback);
    else this.watchers.clear();
  }

  unexport(): void {
    this.watchers.clear();
  }
}

interface OnoffGpio {
  read(): Promise<BinaryValue>;
  write(v: BinaryValue): Promise<void>;
  watch(cb: (err: Error | null | undefined, value: BinaryValue) => void): void;
  unwatch(cb?: (err: Error | null | undefined, value: BinaryValue) => void): void;
  unexport(): void;
}
interface Onoff {
  Gpio: { new (n: number, direction: Direction, edge?: Edge, options?: Record<string, unknown>): OnoffGpio; accessible: boolean };
}

let warned = false;

const PIN_KEYS = new Set(['pin', 'direction', 'edge', 'debounceMs', 'activeLow', 'simulate', 'chip', 'sysfsRoot']);

export async function openPin(options: PinOptions): Promise<Pin> {
  if (!is.object(options as unknown)) throw invalidArgument('an options object', 'options', options);
  checkKeys(options, PIN_KEYS);
  const { pin } = options;
  if (!is.nonNegativeInteger(pin)) throw invalidArgument('a BCM GPIO number (0 or more)', 'pin', pin);
  const direction = options.direction ?? 'in';
  if (!is.oneOf(direction, ['in', 'out', 'high', 'low'] as const)) throw invalidArgument('one of in, out, high, low', 'direction', direction);
  const edge = options.edge ?? (direction === 'in' ? 'both' : 'none');
  if (!is.oneOf(edge, ['none', 'rising', 'falling', 'both'] as const)) throw invalidArgument('one of none, rising, falling, both', 'edge', edge);
  const debounceMs = options.debounceMs ?? 0;
  if (!is.nonNegativeInteger(debounceMs)) throw invalidArgument('a whole number of ms', 'debounceMs', debounceMs);
  const simulate = options.simulate ?? 'auto';
  if (simulate !== 'auto' && !is.bool(simulate)) throw invalidArgument('true, false or "auto"', 'simulate', simulate);

  const simulated = (why: string): Pin => {
    if (simulate === 'auto' && !warned) {
      warned = true;
      process.emitWarning(`edgefn: no GPIO here (${why}); pins are simulated`, { code: 'EDGEFN_GPIO_SIMULATED' });
    }
    log('GPIO %d simulated (%s)', pin, why);
    return new SimulatedPin(pin, direction, edge);
  };
  if (simulate === true) return simulated('simulate: true');

  let onoff: Onoff;
  try {
    onoff = loadOptional<Onoff>('onoff', 'for GPIO pins');
  } catch (err) {
    if (simulate === 'auto') return simulated('onoff is not installed');
    throw err;
  }
  if (!onoff.Gpio.accessible) {
    if (simulate === 'auto') return simulated('/sys/class/gpio is not accessible');
    throw new EdgefnError(ErrorCode.DEVICE_UNAVAILABLE, `GPIO is not accessible here (/sys/class/gpio); on a Raspberry Pi, add the user to the gpio group`, { field: 'pin' });
  }
  const sysfs = sysfsNumber(await readChips(options.sysfsRoot), pin, options.chip);
  try {
    const gpio = new onoff.Gpio(sysfs, direction, edge, { debounceTimeout: debounceMs, activeLow: options.activeLow ?? false });
    log('GPIO %d is sysfs %d', pin, sysfs);
    return Object.assign(gpio, { simulated: false as const, bcm: pin, sysfs });
  } catch (err) {
    throw new EdgefnError(ErrorCode.DEVICE_UNAVAILABLE, `Cannot open GPIO ${pin} (sysfs ${sysfs}): ${messageOf(err)}`, { cause: err, field: 'pin' });
  }
}
