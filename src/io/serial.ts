/**
 * Serial sensors (serialport, an optional peer loaded on first use): open a port, split it into
 * lines, parse each into a reading. Unplugging the device does not end the source: it reopens
 * the port every `reconnectMs` until the device is back (a timer, not a busy loop).
 */
import { readdir } from 'node:fs/promises';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { debug } from '../util/debug.js';
import { loadOptional } from '../util/optional.js';
import { checkKeys, invalidArgument, is } from '../util/validate.js';
import { Channel } from './channel.js';
import { LINE_FORMATS, lineParser, type LineFormat, type ParsedReading } from './lines.js';

const log = debug('serial');

export interface SerialOptions {
  /** The device: `/dev/ttyUSB0`, `/dev/ttyACM0`, `/dev/serial0`. */
  path: string;
  /** Default 9600. */
  baudRate?: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
  /** How lines are read: `csv` (default), `json` lines, or `kv` (`t=21.5 h=40`). */
  format?: LineFormat;
  /** CSV column names, when the device sends no header line. */
  columns?: string[];
  /** CSV separator. Default `,`. */
  delimiter?: string;
  /** Reopen the port after the device goes away. Default true. */
  reconnect?: boolean;
  /** Wait between reopen attempts. Default 1000. */
  reconnectMs?: number;
  /** Lines held before the port is paused (back-pressure). Default 64. */
  highWaterMark?: number;
  /** Told when the port opens, closes or a reopen fails. */
  onStatus?: (status: 'open' | 'closed' | 'retrying', detail?: string) => void;
}

interface SerialPortLike {
  on(event: string, fn: (...a: any[]) => void): void;
  pipe<T>(dest: T): T;
  close(cb?: (err: Error | null) => void): void;
  isOpen: boolean;
  pause(): void;
  resume(): void;
}
interface SerialModule {
  SerialPort: {
    new (o: Record<string, unknown>, cb?: (err: Error | null) => void): SerialPortLike;
    list(): Promise<{ path: string; manufacturer?: string; serialNumber?: string; vendorId?: string; productId?: string }[]>;
  };
  ReadlineParser: new (o: { delimiter: string }) => NodeJS.ReadWriteStream & { on(event: 'data', fn: (line: string) => void): void };
}

const serialport = () => loadOptional<SerialModule>('serialport', 'for serial sensors');

const OPTION_KEYS = new Set(['path', 'baudRate', 'dataBits', 'parity', 'stopBits', 'format', 'columns', 'delimiter', 'reconnect', 'reconnectMs', 'highWaterMark', 'onStatus']);

/** A serial sensor as a loop source. Resolves once the port is open; a missing device is DEVICE_UNAVAILABLE. */
export async function serialSource(options: SerialOptions): Promise<Channel<ParsedReading | EdgefnError>> {
  if (!is.object(options as unknown)) throw invalidArgument('an options object', 'options', options);
  checkKeys(options, OPTION_KEYS);
  if (!is.nonEmptyString(options.path)) throw invalidArgument('a device path such as /dev/ttyUSB0', 'path', options.path);
  const baudRate = options.baudRate ?? 9600;
  if (!is.positiveInteger(baudRate)) throw invalidArgument('a positive integer', 'baudRate', baudRate);
  const format = options.format ?? 'csv';
  if (!is.oneOf(format, LINE_FORMATS)) throw invalidArgument(`one of ${LINE_FORMATS.join(', ')}`, 'format', format);
  const reconnectMs = options.reconnectMs ?? 1000;
  if (!is.positiveInteger(reconnectMs)) throw invalidArgument('a positive integer (ms)', 'reconnectMs', reconnectMs);
  const highWaterMark = options.highWaterMark ?? 64;
  if (!is.positiveInteger(highWaterMark)) throw invalidArgument('a positive integer', 'highWaterMark', highWaterMark);
  if (options.columns !== undefined && (!Array.isArray(options.columns) || !options.columns.every(is.nonEmptyString))) {
    throw invalidArgument('an array of column names', 'columns', options.columns);
  }
  const { SerialPort, ReadlineParser } = serialport();
  const status = options.onStatus ?? (() => {});
  const portOptions = {
    path: options.path, baudRate, autoOpen: false,
    ...(options.dataBits ? { dataBits: options.dataBits } : {}),
    ...(options.parity ? { parity: options.parity } : {}),
    ...(options.stopBits ? { stopBits: options.stopBits } : {}),
  };

  let port: SerialPortLike | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let lineNo = 0;
  const channel: Channel<ParsedReading | EdgefnError> = new Channel({
    capacity: highWaterMark,
    pause: () => port?.pause(),
    resume: () => port?.resume(),
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      const p = port;
      port = null;
      if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
      status('closed', 'source ended');
    },
  });

  const open = () => new Promise<SerialPortLike>((resolve, reject) => {
    const p = new SerialPort(portOptions) as SerialPortLike & { open(cb: (err: Error | null) => void): void };
    p.open((err) => (err ? reject(err) : resolve(p)));
  });

  const attach = (p: SerialPortLike) => {
    port = p;
    // A new parser per connection: a line half-sent when the device went away is not glued to the next.
    const parse = lineParser({ format, ...(options.columns ? { columns: options.columns } : {}), ...(options.delimiter ? { delimiter: options.delimiter } : {}) });
    const lines = p.pipe(new ReadlineParser({ delimiter: '\n' }));
    lines.on('data', (line: string) => {
      lineNo++;
      try {
        const reading = parse(line, `${options.path} line ${lineNo}`);
        if (reading) channel.push(reading);
      } catch (err) {
        channel.push(err as EdgefnError);
      }
    });
    p.on('error', (err: Error) => log('%s: %s', options.path, err.message));
    p.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (closed) return;
      port = null;
      status('closed', err ? err.message : 'port closed');
      log('%s closed (%s)', options.path, err?.message ?? 'no error');
      if (options.reconnect ?? true) retry();
      else channel.end(new EdgefnError(ErrorCode.DEVICE_FAILED, `${options.path} closed: ${err?.message ?? 'the device went away'}`, { input: options.path }));
    });
    status('open');
    log('%s open at %d baud', options.path, baudRate);
  };

  const retry = () => {
    if (closed) return;
    timer = setTimeout(async () => {
      timer = null;
      if (closed) return;
      try {
        const p = await open();
        if (closed) {
          p.close();
          return;
        }
        attach(p);
      } catch (err) {
        status('retrying', messageOf(err));
        retry();
      }
    }, reconnectMs);
  };

  try {
    attach(await open());
  } catch (err) {
    throw new EdgefnError(ErrorCode.DEVICE_UNAVAILABLE, `Cannot open serial port ${options.path}: ${messageOf(err)}`, { cause: err, input: options.path, field: 'path' });
  }
  return channel;
}

export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/** Serial devices under /dev, by name, for when udev cannot be asked. */
const DEV_PATTERN = /^(ttyUSB\d+|ttyACM\d+|ttyAMA\d+|ttyS\d+|serial\d+|ttyTHS\d+)$/;

/**
 * The serial ports of this machine. SerialPort.list() asks udevadm, which containers and minimal
 * images lack: then the ports are found by name under /dev instead (without USB details).
 */
export async function listSerialPorts(devDir = '/dev'): Promise<SerialPortInfo[]> {
  try {
    const ports = await serialport().SerialPort.list();
    return ports.map((p) => ({ path: p.path, ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}), ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}), ...(p.vendorId ? { vendorId: p.vendorId } : {}), ...(p.productId ? { productId: p.productId } : {}) }));
  } catch (err) {
    log('SerialPort.list() failed (%s); listing %s by name', messageOf(err), devDir);
    const names = await readdir(devDir).catch(() => [] as string[]);
    return names.filter((n) => DEV_PATTERN.test(n)).sort().map((n) => ({ path: `${devDir}/${n}` }));
  }
}
