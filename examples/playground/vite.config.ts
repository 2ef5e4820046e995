import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  // One copy of tfjs for the app and every @sevar package, or kernels and classes register twice.
  resolve: { dedupe: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers'] },
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 4096 },
});
