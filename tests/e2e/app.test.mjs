// End-to-end: the release build in headless Chromium. Server rendering, hydration, navigation,
// theme (persisted, no flash, live auto), the phone layout (drawer, a top bar whose items do not
// overlap), a sidebar whose background runs the page's full height, and the PWA (installable, offline).
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, launchBrowser, launchPersistent, hydrated, signIn, signOut, signUp, inNewContext } from "./helpers.mjs";

const env = serverAndBrowser();
let accounts = 0;

/** Each test on a fresh account: the theme is a user setting, so one test's choice must not leak. */
const withPage = (options, body, on = env.browser) =>
  inNewContext(on, options, body, (context) => signUp(context, env.server, `app${++accounts}@example.com`, `App ${accounts}`));

const appClass = (page) => page.getAttribute("#app", "class");

test("the HTML is server-rendered: content is there with JavaScript off", async () => {
  await withPage({ javaScriptEnabled: false }, async (page) => {
    const response = await page.goto(`${env.server.url}/agents`);
    assert.equal(response.status(), 200);
    assert.equal(await page.textContent("h1"), "Agents");
    assert.equal(await page.title(), "Agents · Flightdeck");
    assert.equal(await page.locator("#sidebar a", { hasText: "Approvals" }).count(), 1);
    assert.equal(await page.getAttribute("#app", "data-hydrated"), "false");
  });
});

test("the stylesheet carries Tailwind's rules, dark mode included", async () => {
  await withPage({}, async (page) => {
    await page.goto(env.server.url);
    const href = await page.getAttribute('link[rel="stylesheet"][href^="/assets/app"]', "href");
    assert.ok(href, "the stylesheet compiled by Tailwind is linked");
    const css = await (await page.request.get(new URL(href, env.server.url).href)).text();
    assert.match(css, /\.dark\\:bg-slate-950/);
    assert.match(css, /@media \((?:min-width:\s*768px|width>=768px)\)/);
  });
});

test("the favicon comes from assets/ under a content hash, the manifest's icons from public/ under fixed names", async () => {
  await withPage({}, async (page) => {
    await page.goto(env.server.url);
    const href = await page.getAttribute('link[rel="icon"]', "href");
    assert.match(href ?? "", /^\/assets\/icon-dxh[0-9a-f]+\.svg$/);
    const icon = await page.request.get(new URL(href, env.server.url).href);
    assert.equal(icon.status(), 200);
    assert.match(icon.headers()["content-type"], /^image\/svg\+xml/);
    assert.match(icon.headers()["cache-control"], /immutable/);
    const manifest = await (await page.request.get(new URL("/manifest.webmanifest", env.server.url).href)).json();
    assert.ok(manifest.icons.length >= 4);
    for (const { src } of manifest.icons) {
      assert.match(src, /^\/icons\/[a-z0-9-]+\.png$/);
      assert.equal((await page.request.get(new URL(src, env.server.url).href)).status(), 200, src);
    }
  });
});

test("it hydrates: the theme toggle responds to a click", async () => {
  await withPage({ colorScheme: "light" }, async (page) => {
    await page.goto(env.server.url);
    await hydrated(page);
    assert.equal(await page.getAttribute("#theme-toggle", "data-choice"), "auto");
    await page.click("#theme-toggle");
    assert.equal(await page.getAttribute("#theme-toggle", "data-choice"), "light");
    await page.click("#theme-toggle");
    assert.equal(await page.getAttribute("#theme-toggle", "data-choice"), "dark");
    assert.equal(await appClass(page), "dark");
  });
});

test("navigation moves between pages without reloading, and back works", async () => {
  await withPage({}, async (page) => {
    await page.goto(env.server.url);
    await hydrated(page);
    await page.evaluate(() => (window.__sameDocument = true));
    for (const [label, path, heading] of [
      ["Approvals", "/approvals", "Approvals"],
      ["Policies", "/policies", "Policies"],
      ["Agents", "/agents", "Agents"],
      ["Audit log", "/audit", "Audit log"],
      ["Analytics", "/analytics", "Analytics"],
      ["Settings", "/settings", "Settings"],
      ["Dashboard", "/", "Dashboard"],
    ]) {
      await page.click(`#sidebar a:has-text("${label}")`);
      await page.waitForURL(`${env.server.url}${path}`);
      await page.waitForFunction((text) => document.querySelector("h1")?.textContent === text, heading);
      assert.equal(await page.getAttribute(`#sidebar a:has-text("${label}")`, "aria-current"), "page");
    }
    await page.goBack();
    await page.waitForURL(`${env.server.url}/settings`);
    await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Settings");
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "no full reload");
  });
});

test("the theme choice persists across a reload, rendered by the server (no flash)", async () => {
  await withPage({ colorScheme: "light" }, async (page) => {
    await page.goto(env.server.url);
    await hydrated(page);
    while ((await page.getAttribute("#theme-toggle", "data-choice")) !== "dark") await page.click("#theme-toggle");
    const response = await page.reload();
    // The HTML as sent, before any script ran, already says dark.
    assert.match(await response.text(), /id="app" class="dark"/);
    await hydrated(page);
    assert.equal(await appClass(page), "dark");
    assert.equal(await page.getAttribute("#theme-toggle", "data-choice"), "dark");
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(background, "rgb(2, 6, 23)", "slate-950 behind the page");
  });
});

test("a theme picked just before a reload, its save not landed yet, is kept and saved after it", async () => {
  await withPage({ colorScheme: "light" }, async (page) => {
    // The first save is held until the reload cancels it: the second choice waits behind it,
    // so neither reached the server when the page went.
    let held = null;
    await page.route("**/api/settings/user", (route) => {
      if (route.request().method() === "PUT" && !held) held = route;
      else route.continue();
    });
    await page.goto(env.server.url);
    await hydrated(page);
    const account = async () => (await (await page.request.get(`${env.server.url}/api/settings`)).json()).user.ui.theme;
    assert.equal(await account(), "auto");
    while ((await page.getAttribute("#theme-toggle", "data-choice")) !== "dark") await page.click("#theme-toggle");
    assert.ok(held, "the first save is on its way");
    const saved = page.waitForResponse((r) => r.url().endsWith("/api/settings/user") && r.request().method() === "PUT" && r.ok(), { timeout: 10_000 });
    await page.reload();
    await hydrated(page);
    await saved;
    assert.equal(await account(), "dark", "the account has the choice made before the reload");
    assert.equal(await appClass(page), "dark");
    assert.equal(await page.getAttribute("#theme-toggle", "data-choice"), "dark");
    // Saved, it is no longer kept: the next reload shows the account's copy.
    assert.equal(await page.evaluate(() => sessionStorage.getItem("flightdeck.unsaved:/api/settings/user")), null);
  });
});

test("auto follows an emulated change of the system scheme, live", async () => {
  await withPage({ colorScheme: "light" }, async (page) => {
    await page.goto(env.server.url);
    await hydrated(page);
    assert.equal(await page.getAttribute("#theme-toggle", "data-choice"), "auto");
    assert.equal(await appClass(page), "light");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.waitForFunction(() => document.querySelector("#app").className === "dark");
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains("dark")), true);
    await page.emulateMedia({ colorScheme: "light" });
    await page.waitForFunction(() => document.querySelector("#app").className === "light");
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains("dark")), false);
  });
});

const DARK_BG = "rgb(2, 6, 23)"; // slate-950
const shellBackground = (page) => page.evaluate(() => getComputedStyle(document.querySelector("#app > div")).backgroundColor);

test("with a dark system, auto is dark from the first paint of the first visit", async () => {
  // Chromium on a dark desktop. Its first request carries no hint yet: the pre-paint script
  // applies the system scheme, with the app's scripts blocked so that nothing else can.
  const darkDesktop = await launchBrowser(["--force-dark-mode"]);
  try {
    await withPage(
      { colorScheme: null },
      async (page) => {
        await page.route(/\/assets\/.*\.(js|wasm)$/, (route) => route.abort());
        await page.goto(env.server.url);
        assert.equal(await page.evaluate(() => document.documentElement.classList.contains("dark")), true);
        assert.equal(await shellBackground(page), DARK_BG);
        assert.equal(await page.getAttribute("#app", "data-hydrated"), "false");
        // From then on Chromium sends the colour-scheme hint the server asked for: the HTML itself is dark.
        await page.unroute(/\/assets\/.*\.(js|wasm)$/);
        const response = await page.goto(`${env.server.url}/agents`);
        assert.match(await response.text(), /id="app" class="dark"/);
        await hydrated(page);
        assert.equal(await appClass(page), "dark");
      },
      darkDesktop,
    );
  } finally {
    await darkDesktop.close();
  }
});

test("on a phone the sidebar is a drawer: menu opens it and focuses it, Escape and links close it", async () => {
  await withPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, async (page) => {
    await page.goto(env.server.url);
    await hydrated(page);
    const sidebarLeft = () => page.evaluate(() => document.querySelector("#sidebar").getBoundingClientRect().right);
    assert.ok((await sidebarLeft()) <= 0, "drawer starts off-screen");
    assert.ok(await page.isVisible("#menu-button"));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no horizontal scroll (${width}px)`);

    assert.equal(await page.isVisible('#sidebar a:has-text("Agents")'), false, "a closed drawer is out of reach");

    await page.click("#menu-button");
    await page.waitForFunction(() => document.querySelector("#sidebar").getBoundingClientRect().left >= 0);
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Close menu");
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => document.querySelector("#sidebar").getBoundingClientRect().right <= 0);
    await page.waitForFunction(() => document.activeElement?.id === "menu-button");

    await page.click("#menu-button");
    await page.waitForFunction(() => document.querySelector("#sidebar").getBoundingClientRect().left >= 0);
    await page.click('#sidebar a:has-text("Agents")');
    await page.waitForURL(`${env.server.url}/agents`);
    await page.waitForFunction(() => document.querySelector("#sidebar").getBoundingClientRect().right <= 0);
  });
});

test("on a 390 px phone the top bar's items do not overlap, even with a long workspace name, and nothing scrolls sideways", async () => {
  const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
  const long = "Northwind Robotics Operations";
  await inNewContext(
    env.browser,
    phone,
    async (page) => {
      await page.goto(env.server.url);
      await hydrated(page);
      await page.locator("#workspace-switcher").waitFor();
      const boxes = await page.evaluate(() =>
        ["#menu-button", "#workspace-switcher", "#notifications-button", "#theme-toggle", "#sign-out"].map((selector) => {
          const { left, right, top, bottom } = document.querySelector(selector).getBoundingClientRect();
          return { selector, left, right, top, bottom };
        }),
      );
      const [menu, select, bell, theme, signOut] = boxes;
      const apart = (a, b) => a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
      assert.ok(apart(select, bell), `the bell ${JSON.stringify(bell)} does not cover the workspace select ${JSON.stringify(select)}`);
      for (const [a, b] of [[menu, select], [bell, theme], [theme, signOut]]) {
        assert.ok(apart(a, b), `${a.selector} and ${b.selector} do not overlap: ${JSON.stringify([a, b])}`);
      }
      assert.ok(signOut.right <= 390, `the last item is on screen (${signOut.right}px)`);
      assert.ok(select.right - select.left >= 80, `the select keeps a usable width (${select.right - select.left}px)`);
      // A task with a long assignee (as the demo's) does not widen its card past the screen.
      await page.locator('#widget-grid article[data-kind="tasks"] li.task').first().waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no horizontal scroll (${width}px)`);
    },
    async (context) => {
      await signUp(context, env.server, `app${++accounts}@example.com`, long);
      const registered = await context.request.post(`${env.server.url}/api/agents`, { data: { name: "navi-9", role: "navi" } });
      assert.equal(registered.status(), 201, await registered.text());
      const { token } = await registered.json();
      const task = { id: "t1", title: "Reindex the knowledge base", status: "todo", assignee: "ops@flightdeck.local" };
      const pushed = await fetch(`${env.server.url}/api/v1/tasks`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ tasks: [task] }),
      });
      assert.ok(pushed.ok, await pushed.text());
    },
  );
});

test("on a long page the sidebar's background runs the page's full height, and the navigation stays in view", async () => {
  await withPage({ viewport: { width: 1280, height: 600 } }, async (page) => {
    await page.goto(env.server.url);
    await hydrated(page);
    await page.locator("#widget-grid article.widget").first().waitFor();
    const full = await page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(full > 900, `the dashboard is longer than the screen (${full}px)`);
    // The sidebar's boxes: #sidebar and the ancestors as narrow as it; the tallest that paints a
    // background must reach the bottom of the document.
    const painted = () =>
      page.evaluate(() => {
        const nav = document.querySelector("#sidebar");
        const width = nav.getBoundingClientRect().width;
        let tallest = { top: Infinity, bottom: 0 };
        for (let el = nav; el && el.getBoundingClientRect().width <= width + 1; el = el.parentElement) {
          const box = el.getBoundingClientRect();
          const bg = getComputedStyle(el).backgroundColor;
          if (bg !== "rgba(0, 0, 0, 0)" && box.height > tallest.bottom - tallest.top) {
            tallest = { top: box.top + scrollY, bottom: box.bottom + scrollY, id: el.id, bg };
          }
        }
        return { ...tallest, full: document.documentElement.scrollHeight };
      });
    const box = await painted();
    assert.ok(box.top <= 0 && box.bottom >= box.full, `the sidebar's background ${JSON.stringify(box)} covers the page`);
    // Scrolled to the bottom, the navigation is still on screen.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForFunction(() => scrollY > 0);
    const nav = await page.evaluate(() => document.querySelector("#sidebar").getBoundingClientRect().top);
    assert.equal(nav, 0, "the navigation sticks to the top of the screen");
  });
});

test("the app is an installable PWA whose service worker serves the shell offline", async () => {
  // Installability needs a real profile: Playwright's contexts are incognito.
  const context = await launchPersistent();
  try {
    await signIn(context, env.server);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(env.server.url);
    await hydrated(page);
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    assert.equal(scope, `${env.server.url}/`);

    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send("Page.getAppManifest");
    assert.deepEqual(manifest.errors, []);
    assert.match(manifest.url, /manifest\.webmanifest$/);
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    assert.deepEqual(installabilityErrors, [], "Chromium considers the app installable");
    // A second CDP session keeps Playwright's offline emulation from reaching navigator.onLine.
    await cdp.detach();

    // The worker precached the shell on install: the page, its stylesheet, script and wasm.
    await page.waitForFunction(async () => {
      const keys = (await (await caches.open("flightdeck-shell-v1")).keys()).map((r) => new URL(r.url).pathname);
      return ["/", ".css", ".js", ".wasm"].every((end) => keys.some((key) => key.endsWith(end)));
    });
    // Go offline and reload.
    await context.setOffline(true);
    await page.reload();
    await hydrated(page);
    assert.equal(await page.textContent("h1"), "Dashboard");
    // Debian's Chromium 148 (with playwright-core 1.65) loses the offline emulation of
    // navigator.onLine across a reload, though the network stays cut (measured with a plain page
    // and a service worker: onLine true after the reload, false once emulation is applied again).
    await context.setOffline(false);
    await context.setOffline(true);
    await page.waitForSelector("#offline-notice", { state: "visible", timeout: 10_000 });
    assert.match(await page.textContent("#offline-notice"), /You are offline/);

    await context.setOffline(false);
    await page.waitForSelector("#offline-notice", { state: "detached" });
  } finally {
    await context.close();
  }
});

test("the offline notice follows the connection, also after signing out and in again", async () => {
  await withPage({}, async (page, context) => {
    await page.goto(env.server.url);
    await hydrated(page);
    await signOut(page);
    await hydrated(page);
    const { email, password } = env.server.demo();
    await page.fill("#email", email);
    await page.fill("#password", password);
    await page.click("#login-submit");
    await page.waitForURL(`${env.server.url}/`);
    await hydrated(page);
    await context.setOffline(true);
    await page.waitForSelector("#offline-notice", { state: "visible" });
    await context.setOffline(false);
    await page.waitForSelector("#offline-notice", { state: "detached" });
  });
});

test("unknown paths get the not-found page with status 404", async () => {
  await withPage({}, async (page) => {
    const response = await page.goto(`${env.server.url}/does/not/exist`);
    assert.equal(response.status(), 404);
    assert.equal(await page.textContent("h1"), "Page not found");
  });
});
