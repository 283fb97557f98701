/**
 * BCM pin numbers → sysfs GPIO numbers. Pure, apart from readChips() which reads the sysfs tree.
 *
 * Why: since Linux 6.x (Raspberry Pi OS Bookworm) the header's GPIO chip no longer starts at 0 in
 * sysfs: on a Pi 4 it is gpiochip512 ("pinctrl-bcm2711"), on a Pi 5 the header sits on the RP1
 * chip, gpiochip571 ("pinctrl-rp1"), so `new Gpio(17)` fails with EINVAL. The chip is found by
 * its label, and BCM n is `base + n`, so the same BCM number works on every model.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode } from '../../errors.js';

export interface GpioChip {
  label: string;
  base: number;
  ngpio: number;
}

/** Labels of the chip that drives the 40-pin header, most specific first (a Pi 5 also has bcm2712 chips). */
export const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

export function sysfsNumber(chips: readonly GpioChip[], bcm: number, label?: string): number {
  const wanted = label ? [label] : HEADER_CHIP_LABELS;
  const chip = wanted.map((l) => chips.find((c) => c.label === l)).find((c) => c !== undefined);
  if (!chip) {
    const found = chips.map((c) => `${c.label} (base ${c.base})`).join(', ') || 'none';
    throw new EdgefnError(ErrorCode.DEVICE_UNAVAILABLE, `No GPIO chip labelled ${wanted.join(' or ')} in sysfs (found: ${found}); name the header's chip with the chip option`, { field: 'chip' });
  }
  if (bcm >= chip.ngpio) {
    throw new EdgefnError(ErrorCode.DEVICE_UNAVAILABLE, `GPIO ${bcm} is beyond ${chip.label}'s ${chip.ngpio} lines`, { field: 'pin' });
  }
  return chip.base + bcm;
}

/** The GPIO chips sysfs lists under `<root>/class/gpio`. */
export async function readChips(root = '/sys'): Promise<GpioChip[]> {
  const dir = path.join(root, 'class/gpio');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith('gpiochip'));
  const chips: GpioChip[] = [];
  for (const n of names) {
    const read = (f: string) => readFile(path.join(dir, n, f), 'utf8').then((s) => s.trim());
    try {
      chips.push({ label: await read('label'), base: Number(await read('base')), ngpio: Number(await read('ngpio')) });
    } catch {
      // A chip without the three files is not one we can use.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}
