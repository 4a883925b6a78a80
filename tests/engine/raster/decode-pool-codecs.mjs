// Test-only decoders loaded into the decode pool's workers (DecodePoolOptions.setup):
// 65000 never returns, 65001 allocates until the worker runs out of memory,
// 65002 echoes its input after `parameters.delayMs`. With `?lzw=hang`,
// `?jpeg=hang` or `?lerc=hungry` in the module URL, that codec (LZW 5, JPEG 7,
// LERC 34887) hangs or exhausts memory, to exercise the limits through openRaster.
import { setTimeout as delay } from 'node:timers/promises';
import { addDecoder, BaseDecoder } from 'geotiff';

class HangDecoder extends BaseDecoder {
  decodeBlock() {
    for (;;) {
      // A decoder stuck in a loop, as on a crafted stream.
    }
  }
}

class HungryDecoder extends BaseDecoder {
  decodeBlock() {
    const hoard = [];
    for (;;) hoard.push({ a: hoard.length, b: [hoard.length, hoard.length + 1], c: `x${hoard.length}` });
  }
}

class EchoDecoder extends BaseDecoder {
  async decodeBlock(buffer) {
    await delay(this.parameters.delayMs ?? 0);
    return buffer;
  }
}

const asClass = (c) => async () => c;
addDecoder(65000, asClass(HangDecoder), undefined, false);
addDecoder(65001, asClass(HungryDecoder), undefined, false);
addDecoder(65002, asClass(EchoDecoder), undefined, false);
const params = new URL(import.meta.url).searchParams;
const kinds = { hang: HangDecoder, hungry: HungryDecoder };
for (const [name, code] of [
  ['lzw', 5],
  ['jpeg', 7],
  ['lerc', 34887],
]) {
  const kind = kinds[params.get(name)];
  if (kind) addDecoder(code, asClass(kind), undefined, false);
}
