/**
 * A raster on the map: a preview decoded by the service (from overviews where
 * the file has them), stretched here and drawn as a static image in the
 * raster's own CRS, which OpenLayers reprojects onto the map.
 */
import ImageLayer from 'ol/layer/Image.js';
import ImageStatic from 'ol/source/ImageStatic.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Feature from 'ol/Feature.js';
import Polygon from 'ol/geom/Polygon.js';
import { Stroke, Style } from 'ol/style.js';
import type { Extent } from 'ol/extent.js';
import type { RasterView, RcfApi } from '../../../shared/ipc/contract.js';
import { rasterProjection, toMap } from '../map/projections.js';
import { paintRgba } from './paint.js';
import { computeStretch, type Stretch, type StretchMode } from './stretch.js';
import { isCancelled } from '../../../shared/errors/index.js';
import { LatestRequest } from '../requests.js';

export interface RasterStyle {
  /** 1-based: one band (grey) or three (RGB). */
  bands: number[];
  stretch: StretchMode;
}

/** What a shown preview was painted with, for the layer panel. */
export interface RasterDisplay {
  /** The style it was painted in. */
  style: RasterStyle;
  /** The stretch of each shown band. */
  stretches: (Stretch | null)[];
  /** Which pixels the preview covers (the service's words). */
  source: string;
}

/** Longer side of the preview, in pixels. */
const PREVIEW_SIZE = 1024;

export class RasterLayer {
  readonly layer: ImageLayer<ImageStatic> | VectorLayer;
  private url: string | null = null;
  /** The newest render wins: an older preview arriving late is not shown. */
  private readonly renders = new LatestRequest();

  readonly view: RasterView;

  constructor(view: RasterView) {
    this.view = view;
    const projection = rasterProjection(view);
    const t = view.transform;
    if (projection && t[2] === 0 && t[4] === 0) {
      this.layer = new ImageLayer({ properties: { raster: view.path } });
    } else {
      // Rotated or sheared pixel grids (or a CRS the map cannot use): the outline only.
      this.layer = new VectorLayer({
        source: new VectorSource(),
        style: new Style({ stroke: new Stroke({ color: '#c0392b', width: 2 }) }),
      });
      if (view.footprint) this.layer.getSource()!.addFeature(new Feature(new Polygon([view.footprint.map(toMap)])));
    }
  }

  /** True when only the outline can be shown, with the reason. */
  get outlineOnly(): string | null {
    if (this.layer instanceof VectorLayer) {
      if (!this.view.crs) return 'it has no CRS, so it cannot be placed on the map';
      if (!this.view.crs.proj4) return 'its CRS has no definition the map can use';
      return 'its pixel grid is rotated; only its outline is shown';
    }
    return null;
  }

  /** The map extent (EPSG:3857) of the raster's outline. */
  extent(): Extent | null {
    const ring = this.view.footprint;
    if (!ring) return null;
    const xs = ring.map(toMap);
    return [
      Math.min(...xs.map((p) => p[0])),
      Math.min(...xs.map((p) => p[1])),
      Math.max(...xs.map((p) => p[0])),
      Math.max(...xs.map((p) => p[1])),
    ];
  }

  /**
   * Reads the preview in this style and shows it. Null when nothing was shown:
   * an outline-only raster, or a newer render (or the service) superseded this one.
   */
  async render(rcf: RcfApi, style: RasterStyle): Promise<RasterDisplay | null> {
    if (!(this.layer instanceof ImageLayer)) return null;
    const isNewest = this.renders.begin();
    let preview;
    try {
      preview = await rcf.preview({ path: this.view.path, bands: style.bands, maxSize: PREVIEW_SIZE });
    } catch (error) {
      if (!isNewest() || isCancelled(error)) return null;
      throw error;
    }
    if (!isNewest()) return null;
    const plane = preview.width * preview.height;
    const stretches = preview.bands.map((_, b) => computeStretch(preview.data.subarray(b * plane, (b + 1) * plane), style.stretch));
    const rgba = paintRgba({ width: preview.width, height: preview.height, data: preview.data, bands: preview.bands.length }, stretches);
    const t = this.view.transform;
    const canvas = document.createElement('canvas');
    canvas.width = preview.width;
    canvas.height = preview.height;
    const context = canvas.getContext('2d')!;
    context.putImageData(new ImageData(rgba, preview.width, preview.height), 0, 0);
    const southUp = t[5] > 0;
    let image: HTMLCanvasElement = canvas;
    if (southUp) {
      // The image's first row is its southern edge: flip it so north is up.
      image = document.createElement('canvas');
      image.width = canvas.width;
      image.height = canvas.height;
      const flipped = image.getContext('2d')!;
      flipped.scale(1, -1);
      flipped.drawImage(canvas, 0, -canvas.height);
    }
    const blob = await new Promise<Blob>((resolve, reject) =>
      image.toBlob((b) => (b ? resolve(b) : reject(new Error('cannot encode the preview'))), 'image/png'),
    );
    if (!isNewest()) return null;
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = URL.createObjectURL(blob);
    const x0 = t[0];
    const x1 = t[0] + this.view.width * t[1];
    const y0 = t[3];
    const y1 = t[3] + this.view.height * t[5];
    const imageExtent: Extent = [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
    this.layer.setSource(new ImageStatic({ url: this.url, imageExtent, projection: rasterProjection(this.view)!, interpolate: false }));
    return { style, stretches, source: preview.source };
  }

  dispose(): void {
    this.renders.supersede();
    if (this.url) URL.revokeObjectURL(this.url);
  }
}
