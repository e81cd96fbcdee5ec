#!/usr/bin/env bash
# Builds the npm package into pkg/ (ignored by git):
#   reelcut.js, reelcut.d.ts, reelcut_bg.wasm(.d.ts)        wasm-bindgen --target web, then wasm-opt -Oz,
#                                                           the glue minified by esbuild (class names kept) and
#                                                           imports and exports renamed short (shorten-names.mjs)
#   package.json                                            pkg-config/package.json with the crate's version
#   index.js, embed.js                                      minified from pkg-config/ (index.js: the entry)
#   index.d.ts, embed.d.ts, README.md                       copied from pkg-config/
# Run .ci/setup.sh first (the Makefile targets do).
set -euo pipefail
cd "$(dirname "$0")/.."

out=pkg
wasm=target/wasm32-unknown-unknown/wasm/reelcut.wasm

cargo build --locked --profile wasm --target wasm32-unknown-unknown --lib

rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --out-dir "$out" --out-name reelcut "$wasm"

# The features rustc enables by default for wasm32-unknown-unknown, and SIMD (.cargo/config.toml); wasm-opt must
# accept the same ones.
# Merging functions that differ only in constants, then -Oz repeated until it stops shrinking, saves about
# 1 KiB gzipped over a single -Oz for ~10 s of build time.
# --low-memory-unused lets wasm-opt fold constant offsets into loads and stores, which holds when no data lies
# in the first KiB: rustc's wasm32 layout puts the 1 MiB stack first, growing down from 1 MiB, and statics and
# the heap above it, so only an overflowing stack would reach that low (and it corrupts memory already).
# The producers and target-features sections only inform tools; browsers ignore them.
.ci/node_modules/.bin/wasm-opt --low-memory-unused --merge-similar-functions -Oz --converge \
  --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-multivalue --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext --enable-simd \
  "$out/reelcut_bg.wasm" -o "$out/reelcut_bg.wasm"

# The glue is what script-tag and CDN users download as is: minified. esbuild's --keep-names would wrap every
# one of its ~300 functions (1.3 KiB gzipped); only the exported classes get their names back, so consoles
# still show `Player {…}` and `Media {…}`.
.ci/node_modules/.bin/esbuild "$out/reelcut.js" --minify --format=esm --log-level=warning \
  --outfile="$out/reelcut.min.js"
mv "$out/reelcut.min.js" "$out/reelcut.js"
node -e '
  const fs = require("fs");
  const glue = fs.readFileSync(process.argv[1], "utf8");
  const exported = glue.match(/export\s*\{([^}]*)\}/);
  if (!exported) throw new Error("no export clause in the minified glue");
  const classes = exported[1].split(",").map((e) => e.trim().split(/\s+as\s+/)).filter(([, name]) => /^[A-Z]/.test(name ?? ""));
  if (classes.length === 0) throw new Error("no exported classes in the minified glue");
  const naming = classes.map(([local, name]) => `Object.defineProperty(${local},"name",{value:"${name}"});`).join("");
  fs.writeFileSync(process.argv[1], glue.replace(exported[0], naming + exported[0]));
' "$out/reelcut.js"
node .ci/shorten-names.mjs "$out/reelcut_bg.wasm" "$out/reelcut.js" "$out/reelcut.d.ts" "$out/reelcut_bg.wasm.d.ts"

version=$(cargo metadata --locked --format-version 1 --no-deps \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).packages[0].version))')
node -e '
  const fs = require("fs");
  const manifest = JSON.parse(fs.readFileSync("pkg-config/package.json", "utf8"));
  manifest.version = process.argv[1];
  fs.writeFileSync(process.argv[2], JSON.stringify(manifest, null, 2) + "\n");
' "$version" "$out/package.json"
cp pkg-config/index.d.ts pkg-config/embed.d.ts pkg-config/README.md "$out/"
# The hand-written entry and embed ship minified like the glue (their commented sources are in pkg-config/).
for entry in index embed; do
  .ci/node_modules/.bin/esbuild "pkg-config/$entry.js" --minify --format=esm --log-level=warning --outfile="$out/$entry.js"
done

printf 'build: %s reelcut %s, wasm %s bytes\n' "$out/" "$version" "$(stat -c %s "$out/reelcut_bg.wasm")"
