import { defineConfig } from 'vite';

// The lab console: built by `npm run setup` into console/dist, served by the API at /console/.
// Everything it needs is bundled: the page loads nothing from another origin.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, reportCompressedSize: false },
  logLevel: 'warn',
});
