import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

// "typed-sse" resolves to the package's browser entry in pkg/ (`typed_sse.js`), as it would from
// node_modules after installing the package (e2e/consumers/ installs the packed tarball itself).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  resolve: {
    alias: { "typed-sse": fileURLToPath(new URL("../../pkg/typed_sse.js", import.meta.url)) },
  },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  logLevel: "warn",
});
