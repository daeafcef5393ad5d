import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

// `vite build`: React 19, into dist/. `vite build --mode react18`: the same app on React 18
// (react18/node_modules), into dist/react18/, to check that the hook works on both.
export default defineConfig(({ mode }) => {
  const react18 = fileURLToPath(new URL("./react18/node_modules/", import.meta.url));
  return {
    base: "./",
    plugins: [react()],
    resolve: mode === "react18"
      ? { alias: [{ find: /^(react|react-dom)(\/.*)?$/, replacement: `${react18}$1$2` }] }
      : {},
    build: { outDir: mode === "react18" ? "dist/react18" : "dist", emptyOutDir: mode !== "react18", target: "es2022" },
    logLevel: "warn",
  };
});
