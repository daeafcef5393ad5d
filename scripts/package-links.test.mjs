// scripts/package-links.mjs: the shipped README's and CHANGELOG's links, on every markdown form
// of a link, and never inside code.
import assert from "node:assert/strict";
import { test } from "node:test";
import { absoluteLinks } from "./package-links.mjs";

const BASE = "https://github.com/o/r/blob/v1.2.3/";

test("relative links of every form point at the repository's tag; images at the raw file", () => {
  const cases = [
    ["[a](docs/x.md)", "[a](https://github.com/o/r/blob/v1.2.3/docs/x.md)"],
    ["[a](./docs/x.md#part)", "[a](https://github.com/o/r/blob/v1.2.3/docs/x.md#part)"],
    ['[a](docs/x.md "the title")', '[a](https://github.com/o/r/blob/v1.2.3/docs/x.md "the title")'],
    ["[a](<docs/x y.md>)", "[a](<https://github.com/o/r/blob/v1.2.3/docs/x%20y.md>)"],
    ["[`code` in a label](docs/x.md)", "[`code` in a label](https://github.com/o/r/blob/v1.2.3/docs/x.md)"],
    ["[a]: docs/x.md", "[a]: https://github.com/o/r/blob/v1.2.3/docs/x.md"],
    ['[a]: <docs/x.md> "t"', '[a]: <https://github.com/o/r/blob/v1.2.3/docs/x.md> "t"'],
    ["![chart](bench/throughput.svg)", "![chart](https://github.com/o/r/raw/v1.2.3/bench/throughput.svg)"],
    ["[examples](examples/react-app)", "[examples](https://github.com/o/r/blob/v1.2.3/examples/react-app)"],
  ];
  for (const [input, expected] of cases) assert.equal(absoluteLinks(input, BASE), expected, input);
});

test("absolute URLs, anchors, mailto and code are left as they are", () => {
  const kept = [
    "[a](https://example.com/x)", "[a](#options)", "[a](mailto:x@example.com)", "[a](//cdn.example.com/x)",
    "`[a](docs/x.md)`", "``[a](docs/x.md) with a ` inside``",
    "```md\n[a](docs/x.md)\n[b]: docs/y.md\n```", "~~~\n[a](docs/x.md)\n~~~",
  ];
  for (const text of kept) assert.equal(absoluteLinks(text, BASE), text, text);
  // After a fence closes, prose is rewritten again.
  assert.equal(absoluteLinks("```\n[a](x.md)\n```\n[b](y.md)", BASE), "```\n[a](x.md)\n```\n[b](https://github.com/o/r/blob/v1.2.3/y.md)");
});

test("a link that leaves the repository, or a base that is not a tag's, is an error", () => {
  assert.throws(() => absoluteLinks("[a](../x.md)", BASE), /leaves the repository/);
  assert.throws(() => absoluteLinks("[a](x.md)", "https://example.com/"), /not a https:\/\/github.com/);
});
