// Renames the wasm's imports to short names, in the wasm and in the JS glue that supplies them.
//
// wasm-bindgen names each import after the JS function it calls plus a hash (`__wbg_copyTo_3fa5b5c6a7d5e90a`),
// under the module `./reelcut_bg.js`. Those names are spelled out once in the wasm's import section and again
// in the glue's import object; the hashes do not compress, so ~300 of them cost about 8 KiB gzipped. Here the
// module becomes `w` and each import a one- or two-letter name. Exports keep their names: the glue calls them.
//
// Usage: node .ci/shorten-imports.mjs pkg/reelcut_bg.wasm pkg/reelcut.js   (rewrites both in place)
import { readFileSync, writeFileSync } from 'node:fs';

const [wasmPath, gluePath] = process.argv.slice(2);
const wasm = readFileSync(wasmPath);
let glue = readFileSync(gluePath, 'utf8');

function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

function leb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

const name = (text) => Buffer.concat([leb(Buffer.byteLength(text)), Buffer.from(text)]);

// Short identifiers, valid as JS property names: a..z, A..Z, then two letters.
const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const shortName = (i) => (i < letters.length ? letters[i] : letters[Math.floor(i / letters.length) - 1] + letters[i % letters.length]);

// The import descriptor after the two names: its kind byte, then a type index (function), a table type,
// a memory type or a global type.
function skipDescriptor(bytes, at) {
  const kind = bytes[at++];
  if (kind === 0) return readLeb(bytes, at)[1];
  if (kind === 3) return at + 2;
  if (kind === 1) at += 1; // a table's element type, then its limits like a memory's
  const flags = bytes[at++];
  at = readLeb(bytes, at)[1];
  return flags & 1 ? readLeb(bytes, at)[1] : at;
}

const MODULE = 'w';
const sections = [wasm.subarray(0, 8)];
const renamed = new Map();
let module;
for (let at = 8; at < wasm.length; ) {
  const id = wasm[at];
  const [size, bodyAt] = readLeb(wasm, at + 1);
  const end = bodyAt + size;
  if (id !== 2) {
    sections.push(wasm.subarray(at, end));
  } else {
    let [count, p] = readLeb(wasm, bodyAt);
    const entries = [leb(count)];
    for (let i = 0; i < count; i++) {
      const names = [];
      for (let n = 0; n < 2; n++) {
        const [len, textAt] = readLeb(wasm, p);
        names.push(wasm.toString('utf8', textAt, textAt + len));
        p = textAt + len;
      }
      if (module !== undefined && names[0] !== module) throw new Error(`a second import module ${names[0]}`);
      module = names[0];
      const descriptorAt = p;
      p = skipDescriptor(wasm, p);
      if (!renamed.has(names[1])) renamed.set(names[1], shortName(renamed.size));
      entries.push(name(MODULE), name(renamed.get(names[1])), wasm.subarray(descriptorAt, p));
    }
    if (p !== end) throw new Error('the import section did not parse to its end');
    const body = Buffer.concat(entries);
    sections.push(Buffer.from([2]), leb(body.length), body);
  }
  at = end;
}

// The glue names each import as a key of the import object (`__wbg_x_0123: function(...)`), and again as the
// function's name that esbuild's --keep-names sets; the hashes make the names unique tokens. The module is
// the object's one quoted key.
const moduleKey = JSON.stringify(module);
if (glue.split(moduleKey).length !== 2) throw new Error(`the glue does not name ${moduleKey} exactly once`);
glue = glue.replace(moduleKey, MODULE);
for (const [long, short] of renamed) {
  const token = new RegExp(`(?<![\\w$])${long}(?![\\w$])`, 'g');
  if (!glue.match(new RegExp(`${token.source}:`))) {
    throw new Error(`the glue's import object has no key ${long}`);
  }
  glue = glue.replace(token, short);
}

writeFileSync(wasmPath, Buffer.concat(sections));
writeFileSync(gluePath, glue);
console.log(`shorten-imports: ${renamed.size} imports of ${module} renamed`);
