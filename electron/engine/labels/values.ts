/**
 * Label values as read from a file: a number, a class name, or missing for a
 * counted reason. Whether a column is numeric is decided over all its usable
 * values once the file is read.
 */

/** Why a row was left out; `count` rows each (see LabelSet.dropped). */
export type DropReason = 'empty' | 'NA' | 'NaN' | 'null' | 'no group' | 'no geometry' | 'zero weight' | 'nodata';

export interface Dropped {
  reason: DropReason;
  count: number;
}

/** How values are read: numbers (regression; anything else is an error), class names, or numbers when every value is one. */
export type ValueKind = 'auto' | 'numbers' | 'classes';

/** A cell value as a file holds it: text (CSV, GeoJSON strings), a number, a boolean, or null. */
export type RawValue = string | number | boolean | bigint | null | undefined;

const NUMBER = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** Why a raw value is missing, or null when it is a value. Markers are matched without regard to case or surrounding blanks. */
export function missingReason(raw: RawValue): DropReason | null {
  if (raw === null) return 'null';
  if (raw === undefined) return 'empty';
  if (typeof raw === 'number') return Number.isFinite(raw) ? null : 'NaN';
  if (typeof raw !== 'string') return null;
  const t = raw.trim().toLowerCase();
  if (t === '') return 'empty';
  if (t === 'na' || t === 'n/a') return 'NA';
  if (t === 'nan') return 'NaN';
  if (t === 'null') return 'null';
  return null;
}

/** The number a present value stands for, or null when it is not a number ('12.5' and 12.5 are; 'forest' and true are not). */
export function numberOf(raw: RawValue): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw === 'bigint') return Number(raw);
  if (typeof raw === 'string' && NUMBER.test(raw.trim())) return Number(raw.trim());
  return null;
}

/** A present value as a class name: text trimmed, numbers as JavaScript writes them. */
export function classOf(raw: RawValue): string {
  return typeof raw === 'string' ? raw.trim() : String(raw);
}

/** Class names in a stable order: numerically when all are numbers (land-cover codes), else by code unit. */
export function sortClasses(names: Iterable<string>): string[] {
  const list = [...new Set(names)];
  if (list.every((n) => numberOf(n) !== null)) return list.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  return list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Counts by reason, in the order reasons were first met. */
export class DropCounter {
  private readonly counts = new Map<DropReason, number>();
  add(reason: DropReason, n = 1): void {
    if (n > 0) this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }
  list(): Dropped[] {
    return [...this.counts].map(([reason, count]) => ({ reason, count }));
  }
}

const REASON_WORDS: Record<DropReason, [string, string]> = {
  empty: ['empty value', 'empty values'],
  NA: ['NA value', 'NA values'],
  NaN: ['NaN value', 'NaN values'],
  null: ['null value', 'null values'],
  'no group': ['row without a group', 'rows without a group'],
  'no geometry': ['row without a geometry', 'rows without a geometry'],
  'zero weight': ['polygon of zero weight', 'polygons of zero weight'],
  nodata: ['nodata pixel', 'nodata pixels'],
};

/** "3 empty values", "1 NA value". */
export function describeDropped({ reason, count }: Dropped): string {
  return `${count} ${REASON_WORDS[reason][count === 1 ? 0 : 1]}`;
}
