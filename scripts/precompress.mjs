// Writes brotli (quality 11) and gzip (level 9) variants beside every compressible file of the
// web build, so the server sends them without compressing per request.
// Usage: node scripts/precompress.mjs dist/public
import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import zlib from "node:zlib";

const COMPRESSIBLE = /\.(wasm|js|css|html|svg|webmanifest|json)$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (COMPRESSIBLE.test(name)) yield path;
  }
}

const root = process.argv[2];
if (!root) throw new Error("usage: node scripts/precompress.mjs <folder>");
let raw = 0;
let br = 0;
for (const path of files(root)) {
  const data = readFileSync(path);
  const brotli = zlib.brotliCompressSync(data, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  });
  writeFileSync(`${path}.br`, brotli);
  writeFileSync(`${path}.gz`, zlib.gzipSync(data, { level: 9 }));
  raw += data.length;
  br += brotli.length;
}
console.log(`precompressed ${root}: ${(raw / 1024).toFixed(1)} KB → ${(br / 1024).toFixed(1)} KB brotli`);
