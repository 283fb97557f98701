/**
 * Cameras: a frame is whatever JPEG a capture command writes to stdout (rpicam-still on Raspberry
 * Pi OS Bookworm, libcamera-still before it, ffmpeg from a V4L2 device elsewhere). One process
 * per frame: slow next to a video stream (~0.2-1 s on a Pi), but it needs no native binding and
 * suits triggered stills. A missing command is DEVICE_UNAVAILABLE when the camera is made.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode } from '../errors.js';
import { debug } from '../util/debug.js';
import { checkKeys, invalidArgument, is } from '../util/validate.js';
import { Channel } from './channel.js';

const log = debug('camera');

export const CAMERA_PRESETS = ['rpicam-still', 'libcamera-still', 'ffmpeg'] as const;
export type CameraPreset = (typeof CAMERA_PRESETS)[number];

export interface CameraOptions {
  /** A known command with its arguments for a JPEG on stdout. Default `rpicam-still`. */
  preset?: CameraPreset;
  /** Any command that writes one JPEG to stdout (overrides the preset). */
  command?: string;
  /** Its arguments (with `command`). */
  args?: string[];
  /** Frame size asked of the camera. Default 1280×960. */
  width?: number;
  height?: number;
  /** V4L2 device for ffmpeg. Default /dev/video0. */
  device?: string;
  /** A capture that takes longer is killed and fails. Default 10000. */
  timeoutMs?: number;
}

export interface Camera {
  readonly command: string;
  readonly args: readonly string[];
  /** One JPEG frame. Rejects with DEVICE_FAILED when the command fails or writes nothing. */
  capture(): Promise<Buffer>;
}

function presetArgs(preset: CameraPreset, width: number, height: number, device: string): string[] {
  switch (preset) {
    case 'rpicam-still':
    case 'libcamera-still':
      // -n: no preview window; -t 1: shortest exposure settle; -o -: JPEG to stdout.
      return ['-n', '-t', '1', '--width', String(width), '--height', String(height), '-e', 'jpg', '-o', '-'];
    case 'ffmpeg':
      return ['-loglevel', 'error', '-f', 'v4l2', '-video_size', `${width}x${height}`, '-i', device, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'mjpeg', '-'];
  }
}

/** The command's full path from PATH, or null. */
async function which(command: string): Promise<string | null> {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, command));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return null;
}

const CAMERA_KEYS = new Set(['preset', 'command', 'args', 'width', 'height', 'device', 'timeoutMs']);

export async function camera(options: CameraOptions = {}): Promise<Camera> {
  if (!is.object(options as unknown)) throw invalidArgument('an options object', 'options', options);
  checkKeys(options, CAMERA_KEYS);
  const preset = options.preset ?? 'rpicam-still';
  if (!is.oneOf(preset, CAMERA_PRESETS)) throw invalidArgument(`one of ${CAMERA_PRESETS.join(', ')}`, 'preset', preset);
  const width = options.width ?? 1280;
  const height = options.height ?? 960;
  if (!is.positiveInteger(width)) throw invalidArgument('a positive integer', 'width', width);
  if (!is.positiveInteger(height)) throw invalidArgument('a positive integer', 'height', height);
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!is.positiveInteger(timeoutMs)) throw invalidArgument('a positive integer (ms)', 'timeoutMs', timeoutMs);
  if (options.command !== undefined && !is.nonEmptyString(options.command)) throw invalidArgument('a command', 'command', options.command);
  if (options.args !== undefined && !(Array.isArray(options.args) && options.args.every(is.string))) throw invalidArgument('an array of strings', 'args', options.args);

  const command = options.command ?? preset;
  const args = options.command ? (options.args ?? []) : presetArgs(preset, width, height, options.device ?? '/dev/video0');
  const resolved = await which(command);
  if (!resolved) {
    const hint = command === 'rpicam-still' ? ' (Raspberry Pi OS: apt install rpicam-apps)' : command === 'ffmpeg' ? ' (apt install ffmpeg)' : '';
    throw new EdgefnError(ErrorCode.DEVICE_UNAVAILABLE, `Camera command ${command} not found on PATH${hint}`, { input: command, field: options.command ? 'command' : 'preset' });
  }
  log('camera: %s %s', resolved, args.join(' '));

  return {
    command: resolved,
    args,
    capture: () => new Promise<Buffer>((resolve, reject) => {
      const child = spawn(resolved, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-500); });
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new EdgefnError(ErrorCode.DEVICE_FAILED, `${command}: ${e.message}`, { cause: e, input: command }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const frame = Buffer.concat(out);
        if (code === 0 && frame.length > 0) return resolve(frame);
        const why = signal === 'SIGKILL' ? `took over ${timeoutMs} ms` : code !== 0 ? `exited with ${code ?? signal}` : 'wrote no frame';
        reject(new EdgefnError(ErrorCode.DEVICE_FAILED, `${command} ${why}${err.trim() ? `: ${err.trim().split('\n').pop()}` : ''}`, { input: command }));
      });
    }),
  };
}

export interface CameraSourceOptions {
  /** Capture a frame every `intervalMs` (after the previous one is taken). */
  intervalMs?: number;
  /** Or: capture one frame per item of this source (a GPIO motion sensor's events). */
  trigger?: AsyncIterable<unknown>;
  /** Frames waiting for the loop before the oldest is dropped. Default 2. */
  capacity?: number;
}

/**
 * Frames from a camera, on a timer or on a trigger. A failed capture is yielded as an error (the
 * loop counts it and goes on). Ending the source stops the timer or the trigger.
 */
export function cameraSource(cam: Camera, options: CameraSourceOptions): Channel<Buffer | Error> {
  const { intervalMs, trigger } = options;
  if ((intervalMs === undefined) === (trigger === undefined)) throw invalidArgument('either intervalMs or trigger', 'options', options);
  if (intervalMs !== undefined && !is.positiveInteger(intervalMs)) throw invalidArgument('a positive integer (ms)', 'intervalMs', intervalMs);
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const triggerIterator = trigger?.[Symbol.asyncIterator]();
  const channel = new Channel<Buffer | Error>({
    capacity: options.capacity ?? 2,
    close: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await triggerIterator?.return?.();
    },
  });
  const shoot = async () => {
    try {
      const frame = await cam.capture();
      if (!stopped) channel.push(frame);
    } catch (err) {
      if (!stopped) channel.push(err as Error);
    }
  };
  if (intervalMs !== undefined) {
    const tick = async () => {
      await shoot();
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    timer = setTimeout(tick, 0);
  } else {
    void (async () => {
      try {
        for (;;) {
          const n = await triggerIterator!.next();
          if (n.done || stopped) break;
          if (n.value instanceof Error) channel.push(n.value);
          else await shoot();
        }
        channel.end();
      } catch (err) {
        channel.end(err);
      }
    })();
  }
  return channel;
}
