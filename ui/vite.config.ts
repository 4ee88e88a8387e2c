import { defineConfig } from "vitest/config";

// Everything is bundled into dist/ (no CDN, no network fonts); the Tauri app compiles it in.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", assetsInlineLimit: 0 },
  test: { environment: "node" },
});
