// The layers of src/ (docs/architecture.md): a module may import its own layer and the layers below it,
// never one above, and no import cycle may exist (type-only and dynamic imports count). `npm run lint` runs it.
const LAYERS = [
  {
    name: 'base',
    path: '^src/(errors|paths|display-text|atomic-file|state-json|real-folders|structured-file|subprocess|byte-size|names|semver|package-bin|edit-distance|on-demand|plain-object|schema|stat-data)\\.ts$',
  },
  { name: 'infrastructure', path: '^src/(git\\.ts|config\\.ts|cache/|chunk/|model-files/)' },
  { name: 'model', path: '^src/(pointer/|repo\\.ts|lock\\.ts)' },
  { name: 'registry', path: '^src/registry/' },
  { name: 'domain', path: '^src/(version|workspace|safety)/' },
  { name: 'transfer', path: '^src/(remote|add)/' },
  { name: 'features', path: '^src/(hooks|ui|shell)/' },
  { name: 'commands', path: '^src/commands/' },
  { name: 'entry', path: '^src/(cli/|index\\.ts)' },
];

const layering = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.name} may import only ${LAYERS.slice(0, i + 1).map((l) => l.name).join(', ')}`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(i + 1).map((l) => l.path) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'Modules import each other in one direction only (a cycle behind a dynamic or type-only import is one too).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'in-a-layer',
      comment: 'Every module of src/ belongs to a layer of docs/architecture.md.',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map((l) => l.path) },
      to: {},
    },
    ...layering,
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports are dependencies too: a type that runs back up the layers ties the layers together.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    moduleSystems: ['es6'],
  },
};
