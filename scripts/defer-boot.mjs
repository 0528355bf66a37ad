// Starts the app after the server-rendered page has painted: rewrites dx's
// `<script type="module" async src="…">` in the web build's index.html into an inline module that
// imports the same file after the first frame. The wasm (430 KB brotli) then no longer competes
// with the page's HTML and CSS for the network, so the content paints as soon as they arrive
// (Lighthouse's LCP on /login went from 3.2 s to … simulated: docs/decisions.md); hydration
// starts one frame later. The inline script is allowed by its hash (src/server/csp.rs).
//
// While the wasm downloads the main thread is idle, so the loader also warms the browser's Intl
// there: the first `Intl.NumberFormat` of a page loads ICU's data (18-50 ms here, then ~0 ms for
// any locale or currency; the first `DateTimeFormat` with a zone 5 ms). The app formats money
// and times while it hydrates, which made that load part of the one long start-up task
// (docs/decisions.md, "Performance, another round: the start-up task, …").
// Usage: node scripts/defer-boot.mjs dist/public/index.html
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2];
if (!file) throw new Error("usage: node scripts/defer-boot.mjs <index.html>");
const html = readFileSync(file, "utf8");
const tag = /<script type="module" async src="([^"]+)"><\/script>/;
const found = html.match(tag);
// A dx that writes its loader differently must not leave the page without its app unnoticed.
if (!found) throw new Error(`defer-boot: no <script type="module" async src> in ${file}`);
// A hidden tab paints no frame (requestAnimationFrame waits until it is shown): it boots at once.
const loader = `<script type="module">
            let started = false;
            // As a failed <script src> would: the page stays as the server sent it, with a word why.
            const start = () => import(${JSON.stringify(found[1])})
                .catch((err) => console.warn("Flightdeck: the app did not start:", err.message));
            // Each in a task of its own, while the wasm is on its way (the formats the app uses).
            const warm = () => {
                setTimeout(() => new Intl.NumberFormat(undefined, { style: "currency", currency: "USD" }).format(1));
                setTimeout(() => new Intl.DateTimeFormat(undefined, { timeZone: "UTC", dateStyle: "medium", timeStyle: "medium" }).format(0));
            };
            const boot = () => started || ((started = true), start(), warm());
            if (document.hidden) boot();
            else requestAnimationFrame(() => setTimeout(boot));
            addEventListener("visibilitychange", boot, { once: true });
        </script>`;
writeFileSync(file, html.replace(tag, loader));
console.log(`defer-boot: ${found[1]} starts after the first paint`);
