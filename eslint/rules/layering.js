// @ts-check
// The layering rule, an allow-list: each folder of README.md's Layout table imports only what its "may import"
// column names, and code outside a folder that has an index.ts imports that index, never the files behind it.
import { existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** What each layer may import: folders (its own among them), Node's built-ins or not, and npm packages. */
const LAYERS = [
  { dir: 'shared', folders: ['shared'], node: false, packages: ['zod'] },
  {
    dir: 'electron/engine',
    folders: ['electron/engine', 'shared'],
    node: true,
    packages: ['epsg-index', 'geotiff', 'geotiff-geokeys-to-proj4', 'hyparquet', 'hyparquet-writer', 'proj4', 'webgpu'],
  },
  { dir: 'electron/cli', folders: ['electron/cli', 'electron/engine', 'shared'], node: true, packages: [] },
  { dir: 'electron/service', folders: ['electron/service', 'electron/engine', 'shared'], node: true, packages: [] },
  { dir: 'electron/main', folders: ['electron/main', 'shared'], node: true, packages: ['electron'] },
  { dir: 'electron/preload', folders: ['electron/preload', 'shared'], node: true, packages: ['electron'] },
  { dir: 'renderer', folders: ['renderer', 'shared'], node: false, packages: ['ol', 'proj4', 'world-atlas'] },
];

/** @param {string} p @param {string} dir */
const inside = (p, dir) => p === dir || p.startsWith(`${dir}/`);

/** A path relative to the repository, with forward slashes. @param {string} absolute */
const fromRoot = (absolute) => path.relative(root, absolute).split(path.sep).join('/');

/** 'ol/Map.js' → 'ol', '@scope/pkg/x' → '@scope/pkg'. @param {string} specifier */
const packageName = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** @param {(typeof LAYERS)[number]} layer */
function allowed(layer) {
  const kinds = [...layer.folders.map((f) => `${f}/`), ...(layer.node ? ['Node built-ins'] : []), ...layer.packages];
  return kinds.join(', ');
}

/** The barrel `target` must be imported through, if any: the outermost folder above it with an index.ts that `file` is outside. */
function barrelAround(/** @type {string} */ target, /** @type {string} */ file) {
  let barrel = null;
  for (let dir = path.posix.dirname(target); dir !== '.'; dir = path.posix.dirname(dir)) {
    const isIndex = target === dir || target.replace(/\.[cm]?[jt]s$/, '') === `${dir}/index`;
    if (!inside(file, dir) && !isIndex && existsSync(path.join(root, dir, 'index.ts'))) barrel = dir;
  }
  return barrel;
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: "Each folder imports only what README.md's Layout table allows; folders with an index.ts through it" },
    schema: [],
    messages: {
      outsideLayers: '{{file}} is in no layer of the Layout table (README.md); add it to eslint/rules/layering.js',
      forbidden: "{{layer}}/ may import only {{allowed}}; not '{{specifier}}'",
      deepImport: "Import '{{barrel}}', not '{{specifier}}': {{folder}}/ is used through its index.ts",
    },
  },
  create(context) {
    const file = fromRoot(context.filename);
    const layer = LAYERS.find((l) => inside(file, l.dir));

    /** @param {import('estree').Node} node @param {unknown} specifier */
    function check(node, specifier) {
      if (typeof specifier !== 'string' || !layer) return;
      const data = { layer: layer.dir, allowed: allowed(layer), specifier };
      if (!specifier.startsWith('.')) {
        const ok = specifier.startsWith('node:') || isBuiltin(specifier) ? layer.node : layer.packages.includes(packageName(specifier));
        if (!ok) context.report({ node, messageId: 'forbidden', data });
        return;
      }
      const target = fromRoot(path.resolve(path.dirname(context.filename), specifier));
      if (!layer.folders.some((f) => inside(target, f))) return context.report({ node, messageId: 'forbidden', data });
      const folder = barrelAround(target, file);
      if (folder) {
        const barrel = path.posix.relative(path.posix.dirname(file), `${folder}/index.js`).replace(/^(?!\.)/, './');
        context.report({ node, messageId: 'deepImport', data: { barrel, specifier, folder } });
      }
    }

    return {
      Program(node) {
        if (!layer) context.report({ node, messageId: 'outsideLayers', data: { file } });
      },
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      // import('x').T in a type position
      /** @param {any} node */
      TSImportType: (node) => check(node.source, node.source.value),
    };
  },
};
