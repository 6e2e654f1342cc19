// Import-cycle check (`npm run lint:cycles`, part of `npm run lint` and so of
// `npm test`): dpdm follows every import of the workspaces' sources, type-only
// imports and dynamic import() included, and exits 1 when any file reaches
// itself again. A cycle it prints is to be fixed by moving what both files
// need into a third one, never by adding an entry to skipImports.
export default {
  files: [
    'drivers/src/**/*.ts',
    'jobs/src/**/*.ts',
    'apps/agent/src/**/*.ts',
    'apps/controller/src/**/*.ts',
    'apps/ui/src/**/*.{ts,tsx}',
  ],
  exitCode: 'circular:1',
  tree: false,
  warning: false,
  progress: false,
};
