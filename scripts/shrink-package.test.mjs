// scripts/shrink-package.mjs rewrites names inside wasm-bindgen's output, so it depends on the
// shape of that output. These tests run it on a committed wasm-bindgen output (bench/hello, in
// scripts/fixtures/shrink-hello/) and fail when Cargo.lock moves to a wasm-bindgen other than the
// one that produced the fixture: rebuild the fixture then (its README says how) and check again.
// `node --test scripts/shrink-package.test.mjs`; no browser, no build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FIXTURE = join(ROOT, "scripts/fixtures/shrink-hello");
const NAME = "typed_sse_bench_hello";

test("the fixture comes from the wasm-bindgen of Cargo.lock", () => {
  const lock = readFileSync(join(ROOT, "Cargo.lock"), "utf8").match(/name = "wasm-bindgen"\nversion = "([^"]+)"/)[1];
  const fixture = readFileSync(join(FIXTURE, "README.md"), "utf8").match(/^wasm-bindgen (\d+\.\d+\.\d+)/)[1];
  assert.equal(fixture, lock, `Cargo.lock has wasm-bindgen ${lock}, the fixture ${fixture}: rebuild scripts/fixtures/shrink-hello (its README says how), run this test, and check shrink-package.mjs against the new output`);
});

test("the glue's and the module's private names become short, and the module still works", async () => {
  const dir = mkdtempSync(join(tmpdir(), "typed-sse-shrink-"));
  try {
    cpSync(FIXTURE, dir, { recursive: true });
    const before = new WebAssembly.Module(readFileSync(join(dir, `${NAME}_bg.wasm`)));
    const glueImports = WebAssembly.Module.imports(before).filter((i) => i.module === `./${NAME}_bg.js`);
    assert.ok(glueImports.length >= 1, "the fixture's module imports from its glue");
    execFileSync(process.execPath, [join(ROOT, "scripts/shrink-package.mjs"), dir], { stdio: "pipe" });

    const after = new WebAssembly.Module(readFileSync(join(dir, `${NAME}_bg.wasm`)));
    const glue = readFileSync(join(dir, `${NAME}.js`), "utf8");
    const imports = WebAssembly.Module.imports(after).filter((i) => i.module === `./${NAME}_bg.js`);
    assert.equal(imports.length, glueImports.length);
    for (const { name } of imports) assert.match(name, /^_[0-9a-z]+$/);
    for (const { name } of glueImports) assert.ok(!glue.includes(name), `${name} is still in the glue`);
    const exports = WebAssembly.Module.exports(after).map((e) => e.name);
    // The public function and the memory keep their names; what only the glue calls is renamed.
    assert.ok(exports.includes("greet") && exports.includes("memory"), exports.join(" "));
    assert.ok(exports.some((e) => e.startsWith("$")), exports.join(" "));
    assert.ok(!exports.some((e) => e.startsWith("__wbindgen_malloc")), exports.join(" "));

    const module = await import(pathToFileURL(join(dir, `${NAME}.js`)).href);
    module.initSync({ module: readFileSync(join(dir, `${NAME}_bg.wasm`)) });
    assert.equal(module.greet("wasm"), "Hello, wasm!");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a glue that lacks a name the module imports stops the build", () => {
  const dir = mkdtempSync(join(tmpdir(), "typed-sse-shrink-"));
  try {
    cpSync(FIXTURE, dir, { recursive: true });
    const glue = join(dir, `${NAME}.js`);
    const name = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(join(dir, `${NAME}_bg.wasm`))))
      .find((i) => i.module === `./${NAME}_bg.js`).name;
    cpSync(glue, `${glue}.orig`);
    const text = readFileSync(glue, "utf8").replaceAll(name, "renamedByAnotherVersion");
    execFileSync(process.execPath, ["-e", `require("fs").writeFileSync(${JSON.stringify(glue)}, ${JSON.stringify(text)})`]);
    assert.throws(() => execFileSync(process.execPath, [join(ROOT, "scripts/shrink-package.mjs"), dir], { stdio: "pipe" }),
      (e) => String(e.stderr).includes(`${name} does not appear in the JS glue`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
