// End-to-end: accounts and settings in Chromium. Signing in through the form (a wrong password
// gets one message, no hint), coming back to the page asked for; settings saved as they change,
// applied at once and kept across a reload; a viewer sees shared settings but cannot change them;
// switching workspace from the top bar.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, hydrated, openPage, signIn, signUp, addMember, inNewContext } from "./helpers.mjs";

const env = serverAndBrowser();
const withContext = (body) => inNewContext(env.browser, {}, body);

test("signing in through the form, after a wrong password, lands on the page asked for", async () => {
  await withContext(async (page) => {
    await page.goto(`${env.server.url}/audit`);
    await page.waitForURL(/\/login\?next=/);
    await hydrated(page);
    const { email, password } = env.server.demo();
    await page.fill("#email", email);
    await page.fill("#password", "not the password");
    await page.click("#login-submit");
    await page.waitForSelector("#login-error");
    assert.equal(await page.textContent("#login-error"), "wrong email or password");
    await page.fill("#password", password);
    await page.click("#login-submit");
    await page.waitForURL(`${env.server.url}/audit`);
    await hydrated(page);
    await page.waitForSelector(`#user-email:has-text("${email}")`);
    assert.match(await page.inputValue("#workspace-switcher"), /.+/);
    assert.match(await page.textContent("#workspace-switcher"), /Flightdeck \(admin\)/);
  });
});

test("settings are saved as they change, applied at once, and kept across a reload", async () => {
  // The service worker blocked: `context.route` holds the saves' answers below.
  await inNewContext(env.browser, { serviceWorkers: "block" }, async (page, context) => {
    await signUp(context, env.server, "settings@example.com", "Settings test");
    await page.goto(`${env.server.url}/settings`);
    await hydrated(page);
    await page.waitForSelector("#settings");
    assert.equal(await page.getAttribute("#app", "class"), "light");

    await page.selectOption("#theme-setting", "dark");
    await page.waitForSelector('#app.dark');
    await page.waitForSelector('#settings-status:has-text("Saved")');
    await page.selectOption("#language", "de");
    await page.waitForFunction(() => document.documentElement.lang === "de");
    // Edits made quicker than the saves answer (each answer held 300 ms): every one is kept,
    // and an answer does not put an older value back into a field edited after it was sent.
    await context.route(/\/api\/settings\/user$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    });
    await page.selectOption("#timezone", "Asia/Tokyo");
    await page.uncheck("#notify-alert");
    await page.fill("#auto-refresh", "120");
    await page.press("#auto-refresh", "Tab");
    await page.waitForTimeout(1_000);
    assert.equal(await page.inputValue("#timezone"), "Asia/Tokyo");
    assert.equal(await page.isChecked("#notify-alert"), false);
    assert.equal(await page.inputValue("#auto-refresh"), "120");
    await context.unroute(/\/api\/settings\/user$/);
    await page.waitForFunction(async () => {
      const all = await (await fetch("/api/settings")).json();
      return all.user.system.autoRefreshSeconds === 120 && all.user.system.notifications.systemAlert === false && all.user.ui.timezone === "Asia/Tokyo";
    });

    // An out-of-range value is refused with the reason, and nothing changes.
    await page.fill("#auto-refresh", "2");
    await page.press("#auto-refresh", "Tab");
    await page.waitForSelector('#settings-status:has-text("Not saved")');
    assert.match(await page.textContent("#settings-status"), /autoRefreshSeconds/);

    await page.reload();
    await hydrated(page);
    await page.waitForSelector("#settings");
    assert.equal(await page.getAttribute("#app", "class"), "dark", "rendered dark by the server");
    assert.equal(await page.inputValue("#theme-setting"), "dark");
    assert.equal(await page.inputValue("#language"), "de");
    assert.equal(await page.inputValue("#timezone"), "Asia/Tokyo");
    assert.equal(await page.inputValue("#auto-refresh"), "120");
    assert.equal(await page.isChecked("#notify-alert"), false);
    await page.waitForFunction(() => document.documentElement.lang === "de");
  });
});

test("a viewer sees the workspace's shared settings but cannot change them", async () => {
  const admin = await env.browser.newContext();
  try {
    const owner = await signUp(admin, env.server, "owner@example.com", "Shared ops");
    const elsewhere = await env.browser.newContext();
    await signUp(elsewhere, env.server, "viewer@example.com", "Viewer's own");
    await addMember(admin, elsewhere, env.server, "viewer@example.com", "viewer");
    await elsewhere.close();

    await withContext(async (page, context) => {
      await signIn(context, env.server, { email: "viewer@example.com", password: "correct horse battery" });
      await page.goto(`${env.server.url}/settings`);
      await hydrated(page);
      // Switch to the owner's workspace from the top bar.
      await page.waitForSelector("#workspace-switcher");
      await page.selectOption("#workspace-switcher", owner.workspace.id);
      await page.waitForURL(`${env.server.url}/`);
      await hydrated(page);
      await page.waitForSelector('#workspace-switcher:has-text("Shared ops (viewer)")');
      await page.goto(`${env.server.url}/settings`);
      await hydrated(page);
      await page.waitForSelector("#workspace-settings-readonly");
      assert.equal(await page.isDisabled("#export-format"), true);
      assert.equal(await page.isDisabled("#beta-features"), true);
      assert.equal(await page.$("#members"), null, "only admins manage members");
      // The server refuses too, whatever the page allows.
      const refused = await context.request.put(`${env.server.url}/api/settings/workspace`, { data: { export: { defaultFormat: "json" } } });
      assert.equal(refused.status(), 403);
      // Their own settings stay theirs to change.
      assert.equal(await page.isDisabled("#language"), false);
    });

    // The admin can, and the members list shows the viewer.
    const page = await openPage(admin, env.server, "/settings");
    await page.waitForSelector('#members li:has-text("viewer@example.com")');
    await page.selectOption("#export-format", "json");
    await page.waitForSelector('#settings-status:has-text("Saved for the whole workspace")');
    const shared = await (await admin.request.get(`${env.server.url}/api/settings`)).json();
    assert.equal(shared.workspace.export.defaultFormat, "json");
  } finally {
    await admin.close();
  }
});

test("shared settings edited just before a reload, their save not landed yet, are saved when the page is back", async () => {
  await withContext(async (page, context) => {
    await signUp(context, env.server, "reload-admin@example.com", "Reload ops");
    // The first save is held until the reload cancels it; the second edit waits behind it.
    let held = null;
    await page.route("**/api/settings/workspace", (route) => {
      if (route.request().method() === "PUT" && !held) held = route;
      else route.continue();
    });
    await page.goto(`${env.server.url}/settings`);
    await hydrated(page);
    const shared = async () => (await (await context.request.get(`${env.server.url}/api/settings`)).json()).workspace;
    assert.equal((await shared()).advanced.betaFeatures, false);
    await page.check("#beta-features");
    await page.selectOption("#export-format", "json");
    assert.ok(held, "the first save is on its way");
    const saved = page.waitForResponse((r) => r.url().endsWith("/api/settings/workspace") && r.request().method() === "PUT" && r.ok(), { timeout: 10_000 });
    await page.reload();
    await hydrated(page);
    await saved;
    const after = await shared();
    assert.equal(after.advanced.betaFeatures, true, "the first edit");
    assert.equal(after.export.defaultFormat, "json", "and the one made while it was on its way");
    assert.equal(await page.isChecked("#beta-features"), true);
    assert.equal(await page.inputValue("#export-format"), "json");
  });
});
