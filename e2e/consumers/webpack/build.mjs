// webpack 5 with no configuration beyond the entry and the output folder.
import webpack from "webpack";

webpack({ mode: "production", entry: "./src/index.js", output: { path: new URL("./dist/", import.meta.url).pathname } }, (err, stats) => {
  if (err || stats.hasErrors()) {
    console.error(err ?? stats.toString("errors-only"));
    process.exit(1);
  }
});
