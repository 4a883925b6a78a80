/**
 * Class labels as scikit-learn orders them: `np.unique` of the labels, so numbers ascending and
 * names by Unicode code point (NumPy compares UCS-4 strings; JavaScript's `<` compares UTF-16
 * units, which differs above U+FFFF). A classifier works on class indices into `classes`.
 */
import { UserError } from '../../../shared/errors/index.js';

export type ClassLabel = string | number;

/** Code point order, as NumPy sorts unicode strings. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** A label for a message: a name quoted and cut to 40 characters, a number as it is. */
export function showLabel(label: ClassLabel): string {
  if (typeof label === 'number') return String(label);
  const chars = [...label];
  return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : label);
}

export class ClassLabels {
  /** The classes in scikit-learn's order; a class index is a position here. */
  readonly classes: string[] | number[];
  private readonly index: Map<ClassLabel, number>;

  private constructor(classes: string[] | number[]) {
    this.classes = classes;
    this.index = new Map<ClassLabel, number>(classes.map((c, i) => [c, i]));
  }

  /**
   * The classes of `labels` (only the entries at `rows` when given): all numbers or all names,
   * numbers finite (−0 is 0). `what` names the labels in messages.
   */
  static fromLabels(labels: ArrayLike<ClassLabel>, rows?: ArrayLike<number>, what = 'labels'): ClassLabels {
    const count = rows ? rows.length : labels.length;
    if (count === 0) throw new UserError(`${what}: none given`);
    const seen = new Set<ClassLabel>();
    const kind = typeof labels[rows ? rows[0] : 0];
    for (let j = 0; j < count; j++) {
      const i = rows ? rows[j] : j;
      const label = labels[i];
      if (typeof label !== 'number' && typeof label !== 'string') throw new UserError(`${what}: row ${i + 1} is not a number or a name`);
      if (typeof label !== kind) throw new UserError(`${what}: row ${i + 1} is ${showLabel(label)}, but the labels mix numbers and names`);
      if (typeof label === 'number' && !Number.isFinite(label)) throw new UserError(`${what}: row ${i + 1} is ${label}, not a class`);
      seen.add(label === 0 ? 0 : label);
    }
    const classes = kind === 'number' ? ([...seen] as number[]).sort((a, b) => a - b) : ([...seen] as string[]).sort(compareCodePoints);
    return new ClassLabels(classes);
  }

  /** Classes as a model stores them: distinct, of one kind, and in scikit-learn's order. */
  static fromClasses(classes: readonly string[] | readonly number[]): ClassLabels {
    const labels = ClassLabels.fromLabels(classes, undefined, 'classes');
    if (labels.count !== classes.length || labels.classes.some((c, i) => c !== classes[i]))
      throw new UserError('classes: not distinct and in sorted order');
    return labels;
  }

  get count(): number {
    return this.classes.length;
  }

  /** The index of a label's class, −1 when it is none of them. */
  indexOf(label: ClassLabel): number {
    return this.index.get(label === 0 ? 0 : label) ?? -1;
  }

  /** The class index of each label (−1 for rows not in `rows`, when given); a label of no class is refused. */
  encode(labels: ArrayLike<ClassLabel>, rows?: ArrayLike<number>, what = 'labels'): Int32Array {
    const out = new Int32Array(labels.length).fill(-1);
    const count = rows ? rows.length : labels.length;
    for (let j = 0; j < count; j++) {
      const i = rows ? rows[j] : j;
      const c = this.indexOf(labels[i]);
      if (c < 0) throw new UserError(`${what}: row ${i + 1} is ${showLabel(labels[i])}, which is not one of the classes`);
      out[i] = c;
    }
    return out;
  }

  /** The label of class `index` (undefined for −1, a row without a prediction). */
  label(index: number): ClassLabel | undefined {
    return this.classes[index];
  }

  /** Refuses what no classifier can be fitted on. */
  requireTwo(what = 'labels'): void {
    if (this.count < 2) throw new UserError(`${what}: only one class (${showLabel(this.classes[0])}); a classifier needs at least two`);
  }
}
