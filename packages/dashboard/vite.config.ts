// Builds the dashboard into dist/ as static files the API server serves at `/`. No JSX (components
// are htm templates), so no framework plugin: Vite's own TypeScript stripping is enough.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev -w packages/dashboard` against a running server (PHASEWIRE_API, default the demo's).
    proxy: {
      '/api': { target: process.env['PHASEWIRE_API'] ?? 'https://127.0.0.1:8443', secure: false, ws: true, changeOrigin: false },
    },
  },
});
