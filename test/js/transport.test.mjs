// src/transport/fetch.js against the contract it shares with src/transport/fetch.rs: the names
// of its reports and the content-type rule (test/js/fixtures/transport.json, which `cargo test`
// checks against the Rust side).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { isEventStream, REPORT } from "../../src/transport/fetch.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/transport.json", import.meta.url), "utf8"));

test("the reports have the values fetch.rs reads", () => {
  assert.deepEqual(REPORT, fixture.reports);
});

test("the content-type rule accepts what is_event_stream accepts", () => {
  for (const [type, accepted] of Object.entries(fixture.contentTypes)) {
    assert.equal(isEventStream(type), accepted, JSON.stringify(type));
  }
});
