/**
 * The Model panel's map layers and their colours: labels (points or polygons)
 * coloured by value or class, the cross-validation folds on the training
 * cells, and a fit's prediction per cell with a colour ramp; one colouring
 * (`Colouring`) for a layer and its legend.
 */
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Feature from 'ol/Feature.js';
import MultiPoint from 'ol/geom/MultiPoint.js';
import MultiPolygon from 'ol/geom/MultiPolygon.js';
import Polygon from 'ol/geom/Polygon.js';
import { Circle, Fill, Stroke, Style } from 'ol/style.js';
import { toMap } from '../map/projections.js';
import type { FitResults, FoldsView, LabelsView } from '../../../shared/ipc/contract.js';

/** Viridis at five stops: ordered, readable by people with colour-vision deficiencies, and in greyscale. */
const RAMP: readonly [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
/** Tableau's 10 categorical colours, for classes and folds. */
export const CATEGORICAL = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** The colour of t in [0, 1] on the ramp. */
export function rampColour(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const c = RAMP[i].map((v, k) => Math.round(v + f * (RAMP[i + 1][k] - v)));
  return `rgb(${c.join(',')})`;
}

/** The ramp as CSS, for a legend. */
export const RAMP_CSS = `linear-gradient(to right, ${RAMP.map((c) => `rgb(${c.join(',')})`).join(', ')})`;

/** How a layer's values are coloured: a ramp over a range, or one colour per class. */
export type Colouring = { kind: 'ramp'; min: number; max: number } | { kind: 'classes'; classes: string[] };

export function colourOf(colouring: Colouring, value: number | string): string {
  if (colouring.kind === 'classes') {
    const i = typeof value === 'number' ? value : colouring.classes.indexOf(value);
    return CATEGORICAL[((i % CATEGORICAL.length) + CATEGORICAL.length) % CATEGORICAL.length];
  }
  const span = colouring.max - colouring.min;
  return rampColour(span > 0 ? (Number(value) - colouring.min) / span : 0.5);
}

/** The range of finite values (0, 1 when there is none). */
function rangeOf(values: readonly number[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : { min: 0, max: 1 };
}

export function labelsColouring(view: LabelsView): Colouring {
  if (!view.numeric) return { kind: 'classes', classes: view.classes ?? [] };
  return { kind: 'ramp', ...rangeOf(view.features.map((f) => Number(f.value))) };
}

export function labelsLayer(view: LabelsView, colouring: Colouring): VectorLayer {
  const styles = new Map<string, Style[]>();
  // Points get a white ring inside a dark one, so they show on any colour (a prediction of the same ramp included).
  const halo = new Style({ image: new Circle({ radius: 7, fill: new Fill({ color: '#111' }) }) });
  const styleFor = (value: number | string) => {
    const colour = colourOf(colouring, value);
    let style = styles.get(colour);
    if (!style) {
      const stroke = new Stroke({ color: '#fff', width: 1.5 });
      style =
        view.geometry === 'points'
          ? [halo, new Style({ image: new Circle({ radius: 5, fill: new Fill({ color: colour }), stroke }) })]
          : [new Style({ fill: new Fill({ color: colour }), stroke: new Stroke({ color: '#222', width: 0.8 }) })];
      styles.set(colour, style);
    }
    return style;
  };
  const features = view.features.map((f) => {
    const geometry = f.points
      ? new MultiPoint(f.points.map(toMap))
      : new MultiPolygon((f.polygons ?? []).map((polygon) => polygon.map((ring) => ring.map(toMap))));
    const feature = new Feature({ geometry, labelValue: f.value });
    feature.setStyle(styleFor(f.value));
    return feature;
  });
  return new VectorLayer({ source: new VectorSource({ features }), zIndex: 400 });
}

/** The training cells outlined in their fold's colour; the paper's held-out test rows (−1) dashed grey. */
export function foldsLayer(view: FoldsView): VectorLayer {
  const styles = new Map<number, Style>();
  const styleFor = (fold: number) => {
    let style = styles.get(fold);
    if (!style) {
      const colour = fold < 0 ? '#666' : CATEGORICAL[fold % CATEGORICAL.length];
      style = new Style({
        // Nearly opaque: the folds must read over whatever is below (a run's colours).
        fill: new Fill({ color: fold < 0 ? 'rgba(255,255,255,0.5)' : `${colour}e6` }),
        stroke: new Stroke({ color: fold < 0 ? '#444' : '#fff', width: 1, ...(fold < 0 && { lineDash: [4, 3] }) }),
      });
      styles.set(fold, style);
    }
    return style;
  };
  const features = view.cells.map((cell) => {
    const feature = new Feature({ geometry: new Polygon([cell.ring.map(toMap)]), fold: cell.fold });
    feature.setStyle(styleFor(cell.fold));
    return feature;
  });
  return new VectorLayer({ source: new VectorSource({ features }), zIndex: 350 });
}

export function predictionColouring(results: FitResults): Colouring {
  if (results.classes) return { kind: 'classes', classes: results.classes };
  return { kind: 'ramp', ...rangeOf(results.cells.map((c) => c.value ?? NaN)) };
}

const NO_PREDICTION = new Style({ stroke: new Stroke({ color: '#777', width: 1, lineDash: [3, 3] }) });

/** Each cell filled by its prediction; a click finds the feature's `predictionCell`. */
export function predictionLayer(results: FitResults, colouring: Colouring): VectorLayer {
  const features = results.cells.map((cell) => {
    const feature = new Feature({ geometry: new Polygon([cell.ring.map(toMap)]), predictionCell: cell.cellId });
    feature.setStyle(
      cell.value === null
        ? NO_PREDICTION
        : new Style({
            fill: new Fill({ color: colourOf(colouring, cell.value) }),
            stroke: new Stroke({ color: 'rgba(0,0,0,0.2)', width: 0.5 }),
          }),
    );
    return feature;
  });
  return new VectorLayer({ source: new VectorSource({ features }), zIndex: 320 });
}
