import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

// "typed-sse" resolves to the package built by wasm-pack (`--target bundler`), as it would from
// node_modules after `npm install typed-sse`.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  resolve: {
    alias: { "typed-sse": fileURLToPath(new URL("../../pkg-bundler/typed_sse.js", import.meta.url)) },
  },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  logLevel: "warn",
});
