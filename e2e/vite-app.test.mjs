// A Vite app that imports the npm package (bundler build), built by `npm test`, runs in Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, open, key } from "./helpers.mjs";

test("the Vite-built app receives events through the package", async () => {
  const browser = await launch();
  try {
    const { page, errors } = await open(browser, `/e2e/vite-app/dist/index.html?key=${key("vite")}`);
    await page.waitForFunction(() => window.__app && window.__app.received.length === 5, null, { timeout: 10000 });
    const received = await page.evaluate(() => window.__app.received);
    assert.deepEqual(received.map((r) => r.n), [1, 2, 3, 4, 5]);
    assert.equal(await page.textContent("#state"), "open");
    assert.equal(await page.locator("#events li").count(), 5);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
