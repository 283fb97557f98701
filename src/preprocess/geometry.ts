/**
 * Pure resize arithmetic: how the manifest's resize spec maps onto sharp's resize + extract.
 */
import type { Fit, ResizeSpec } from '../manifest/index.js';

export interface ResizePlan {
  width: number;
  height: number;
  fit: Fit;
  /** Centre window cut after the resize (the ImageNet "resize 256, crop 224" recipe). */
  extract?: { left: number; top: number; width: number; height: number };
}

export function resizePlan(spec: ResizeSpec): ResizePlan {
  if (spec.fit !== 'cover' || spec.cropFraction === 1) {
    return { width: spec.width, height: spec.height, fit: spec.fit };
  }
  // Cover a box larger by 1/cropFraction (shorter side to 256 for a 224 crop at 0.875), then keep
  // its centre: the same as torchvision's Resize(256) + CenterCrop(224).
  const width = Math.round(spec.width / spec.cropFraction);
  const height = Math.round(spec.height / spec.cropFraction);
  return {
    width,
    height,
    fit: 'cover',
    extract: {
      left: Math.round((width - spec.width) / 2),
      top: Math.round((height - spec.height) / 2),
      width: spec.width,
      height: spec.height,
    },
  };
}
