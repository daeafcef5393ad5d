// errors.js: the classes and the messages of errors made in wasm. `node --test test/js/`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { makeError, MESSAGES, SseConfigError, SseStreamError, TypedSseError, wasmError } from "../../src/js/errors.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/error-messages.json", import.meta.url), "utf8"));

// As src/js/convert.rs hands them over: `last` is an error already made.
const details = (entry) => {
  const d = { ...entry.details };
  if (d.last) d.last = wasmError(d.last.kind, d.last.text, {});
  return d;
};

test("every error made in wasm gets Display's message (the fixture cargo test checks too)", () => {
  assert.deepEqual(Object.keys(MESSAGES).sort(), fixture.map((e) => e.kind).sort());
  for (const entry of fixture) {
    const error = wasmError(entry.kind, entry.text, details(entry));
    assert.equal(error.message, entry.message, entry.kind);
    assert.equal(error.kind, entry.kind);
  }
});

test("build errors and runtime errors are classes apart, both TypedSseError", () => {
  for (const kind of ["invalid_url", "invalid_option"]) {
    const e = makeError(kind, "m", { field: "x" });
    assert.ok(e instanceof SseConfigError && e instanceof TypedSseError && e instanceof Error, kind);
    assert.ok(!(e instanceof SseStreamError), kind);
  }
  for (const { kind } of fixture.filter((e) => !e.kind.startsWith("invalid_")).concat([{ kind: "overflow" }])) {
    const e = makeError(kind, "m");
    assert.ok(e instanceof SseStreamError && e instanceof TypedSseError, kind);
    assert.ok(!(e instanceof SseConfigError), kind);
  }
  const e = makeError("http", "the server answered HTTP 503", { status: 503, body: "" });
  assert.deepEqual([e.name, e.kind, e.status, e.message], ["TypedSseError", "http", 503, "the server answered HTTP 503"]);
});

test("an option named by the Rust builder is named as JS spells it", () => {
  const e = wasmError("invalid_option", "no NUL", { field: "last_event_id" });
  assert.equal(e.field, "lastEventId");
  assert.equal(e.message, "invalid option `lastEventId`: no NUL");
});
