// Flightdeck's service worker: keeps the app shell available offline, and opens the app from its
// notifications.
// Pages: network first, the last good copy of each page when offline.
// Content-hashed assets (/assets/*-dxh<hash>.*): cache first, they never change.
// Everything else of ours (icons, manifest): network first. The API is never cached.
const CACHE = "flightdeck-shell-v1";
const HASHED = /-dxh[0-9a-f]+\./;

self.addEventListener("install", (event) => {
  event.waitUntil(precacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/healthz" || url.pathname === "/readyz") return;
  if (url.pathname.startsWith("/_dioxus")) return; // dx serve's hot reload
  if (request.mode !== "navigate" && HASHED.test(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else {
    event.respondWith(networkFirst(request));
  }
});

// A click on a notification the app showed: back to an open window of the app, on the notice's
// page, or a new one.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const href = new URL(event.notification.data?.href || "/", self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        if (open.url !== href) await open.navigate(href);
      } else {
        await self.clients.openWindow(href);
      }
    })(),
  );
});

// Caches "/" and every asset its HTML names, so the first offline reload already works.
async function precacheShell() {
  const cache = await caches.open(CACHE);
  const response = await fetch("/", { cache: "no-store" });
  if (!response.ok) return;
  const html = await response.clone().text();
  await cache.put("/", response);
  const urls = new Set(["/manifest.webmanifest"]);
  // dx writes asset paths as "/./assets/…"; the wasm is named by its preload link.
  for (const match of html.matchAll(/(?:src|href)="(\/(?:\.\/)?(?:assets|icons)\/[^"?#]+)"/g)) {
    urls.add(new URL(match[1], self.location.origin).pathname);
  }
  await Promise.allSettled([...urls].map((url) => cache.add(url)));
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (err) {
    const fallback = (await cache.match(request)) || (request.mode === "navigate" && (await cache.match("/")));
    if (fallback) return fallback;
    return new Response("Flightdeck is offline and has no saved copy of this page yet.", {
      status: 503,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
}
