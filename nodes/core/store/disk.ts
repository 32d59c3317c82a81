/**
 * Free space where the store lives, checked before the disk is full:
 * - `critical` when free < max(2 % of the volume, min(200 MiB, 10 % of the volume)),
 * - `low` when free < max(10 % of the volume, min(1 GiB, 25 % of the volume)),
 * so a 100 GB disk warns at 10 GB free and is critical at 2 GB, and a 2 GB card warns at 500 MB
 * and is critical at 200 MB.
 */
import fs from 'fs';

export interface DiskStatus {
  level: 'ok' | 'low' | 'critical';
  freeBytes: number;
  totalBytes: number;
  freeShare: number;
  text: string;
}

export interface DiskLimits {
  lowShare: number;
  lowBytes: number;
  lowCapShare: number;
  criticalShare: number;
  criticalBytes: number;
  criticalCapShare: number;
}

export const DEFAULT_DISK_LIMITS: DiskLimits = { lowShare: 0.1, lowBytes: 1024 ** 3, lowCapShare: 0.25, criticalShare: 0.02, criticalBytes: 200 * 1024 ** 2, criticalCapShare: 0.1 };

export function diskLevel(freeBytes: number, totalBytes: number, l: DiskLimits = DEFAULT_DISK_LIMITS): DiskStatus {
  const share = totalBytes > 0 ? freeBytes / totalBytes : 0;
  const critical = freeBytes < Math.max(l.criticalShare * totalBytes, Math.min(l.criticalBytes, l.criticalCapShare * totalBytes));
  const low = critical || freeBytes < Math.max(l.lowShare * totalBytes, Math.min(l.lowBytes, l.lowCapShare * totalBytes));
  const level = critical ? 'critical' : low ? 'low' : 'ok';
  const text = `${fmt(freeBytes)} free of ${fmt(totalBytes)} (${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %)`;
  return { level, freeBytes, totalBytes, freeShare: share, text };
}

export function diskStatus(dir: string, l: DiskLimits = DEFAULT_DISK_LIMITS): DiskStatus {
  const s = fs.statfsSync(dir);
  return diskLevel(s.bavail * s.bsize, s.blocks * s.bsize, l);
}

function fmt(b: number): string {
  if (b >= 1024 ** 3) return `${(b / 1024 ** 3).toFixed(1)} GiB`;
  if (b >= 1024 ** 2) return `${(b / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(b / 1024)} KiB`;
}
