/**
 * GPIO as a loop source (edge interrupts: a button, a PIR sensor) and as a sink (an LED, a relay,
 * a buzzer). Interrupts arrive through onoff's epoll watcher: waiting costs no CPU.
 */
import { EdgefnError, ErrorCode, messageOf } from '../../errors.js';
import { invalidArgument } from '../../util/validate.js';
import { Channel } from '../channel.js';
import { openPin, type BinaryValue, type Pin, type PinOptions } from './pin.js';

export interface GpioEvent {
  /** BCM number. */
  pin: number;
  value: BinaryValue;
  /** Date.now() when the interrupt was seen. */
  at: number;
}

/**
 * Edge events of an input pin. Events that arrive while `capacity` are waiting are dropped
 * oldest-first and counted in `dropped` (an interrupt cannot be paused). Ending the source unwatches
 * and releases the pin.
 */
export async function gpioSource(options: PinOptions & { capacity?: number } | Pin): Promise<Channel<GpioEvent | Error> & { pin: Pin }> {
  // A pin the caller opened stays theirs to release; one opened here is released on close.
  const given = 'watch' in options;
  const { capacity = 64, ...pinOptions } = given ? { capacity: 64 } : options;
  const pin = given ? options : await openPin({ direction: 'in', ...(pinOptions as PinOptions) });
  const onEdge = (err: Error | null | undefined, value: BinaryValue) => {
    if (err) return channel.push(err);
    channel.push({ pin: pin.bcm, value, at: Date.now() });
  };
  const channel = new Channel<GpioEvent | Error>({
    capacity,
    close: () => {
      pin.unwatch(onEdge);
      if (!given) pin.unexport();
    },
  });
  pin.watch(onEdge);
  return Object.assign(channel, { pin });
}

export interface GpioOutputOptions<R> extends Omit<PinOptions, 'direction' | 'edge'> {
  /** Which results switch the output on. */
  when: (result: R) => boolean;
}

/**
 * A sink that drives an output pin: on for results that `when` picks, off otherwise; off and
 * released when the loop stops. A write the pin refuses is DEVICE_FAILED (counted by the loop
 * under that code); the next result tries the pin again.
 */
export async function gpioOutput<R>(options: GpioOutputOptions<R>): Promise<{ write(result: R): Promise<void>; close(): Promise<void>; pin: Pin }> {
  const { when, ...pinOptions } = options;
  if (typeof when !== 'function') throw invalidArgument('a function of the result', 'when', when);
  const pin = await openPin({ ...pinOptions, direction: 'low' });
  const set = async (v: BinaryValue) => {
    try {
      await pin.write(v);
    } catch (err) {
      throw new EdgefnError(ErrorCode.DEVICE_FAILED, `GPIO ${pin.bcm}: writing ${v} failed: ${messageOf(err)}`, { cause: err, input: `GPIO ${pin.bcm}` });
    }
  };
  let last: BinaryValue = 0;
  return {
    pin,
    async write(result) {
      const v: BinaryValue = when(result) ? 1 : 0;
      if (v !== last) {
        await set(v);
        last = v; // only once the pin took it: a failed write is tried again with the next result
      }
    },
    async close() {
      try {
        await set(0);
      } finally {
        pin.unexport();
      }
    },
  };
}
