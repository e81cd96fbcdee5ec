// Renames the wasm's imports and exports to short names, in the wasm, in the JS glue and in the declarations.
//
// wasm-bindgen names each import after the JS function it calls plus a hash (`__wbg_copyTo_3fa5b5c6a7d5e90a`),
// under the module `./reelcut_bg.js`, and each export after the Rust item (`player_set_volume`,
// `wasm_bindgen__convert__closures_____invoke__h2c18b6ecc2d1f0be`). Each name is spelled out in the wasm and
// again in the glue; the hashes do not compress, so the ~380 names cost about 10 KiB gzipped. Here the module
// becomes `w` and every import and export a one- or two-letter name, except the exports `memory` and
// `__wbindgen_start`, which keep theirs. The JS API (the glue's own exports) is untouched.
//
// Usage: node .ci/shorten-names.mjs pkg/reelcut_bg.wasm pkg/reelcut.js pkg/reelcut.d.ts pkg/reelcut_bg.wasm.d.ts
//        (rewrites all four in place)
import { readFileSync, writeFileSync } from 'node:fs';

const [wasmPath, gluePath, ...declarationPaths] = process.argv.slice(2);
const wasm = readFileSync(wasmPath);
let glue = readFileSync(gluePath, 'utf8');
const KEPT_EXPORTS = new Set(['memory', '__wbindgen_start']);

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

function readName(at) {
  const [len, textAt] = readLeb(wasm, at);
  return [wasm.toString('utf8', textAt, textAt + len), textAt + len];
}

const MODULE = 'w';
const sections = [wasm.subarray(0, 8)];
const renamed = new Map();
const renamedExports = new Map();
let module;
for (let at = 8; at < wasm.length; ) {
  const id = wasm[at];
  const [size, bodyAt] = readLeb(wasm, at + 1);
  const end = bodyAt + size;
  if (id === 7) {
    let [count, p] = readLeb(wasm, bodyAt);
    const entries = [leb(count)];
    for (let i = 0; i < count; i++) {
      const [exported, descriptorAt] = readName(p);
      p = readLeb(wasm, descriptorAt + 1)[1]; // kind byte, then index
      const short = KEPT_EXPORTS.has(exported) ? exported : shortName(renamedExports.size);
      if (!KEPT_EXPORTS.has(exported)) renamedExports.set(exported, short);
      entries.push(name(short), wasm.subarray(descriptorAt, p));
    }
    if (p !== end) throw new Error('the export section did not parse to its end');
    const body = Buffer.concat(entries);
    sections.push(Buffer.from([7]), leb(body.length), body);
  } else if (id !== 2) {
    sections.push(wasm.subarray(at, end));
  } else {
    let [count, p] = readLeb(wasm, bodyAt);
    const entries = [leb(count)];
    for (let i = 0; i < count; i++) {
      const names = [];
      for (let n = 0; n < 2; n++) {
        let text;
        [text, p] = readName(p);
        names.push(text);
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

// The glue keeps the instance's exports in one variable (`c=r.exports` once minified) and calls them as its
// properties.
const holders = [...new Set([...glue.matchAll(/([\w$]+)=[\w$]+\.exports\b/g)].map((m) => m[1]))];
if (holders.length !== 1) throw new Error(`the glue keeps the wasm exports in ${holders.length} variables, not one`);
const holder = holders[0].replace('$', '\\$');
for (const [long, short] of renamedExports) {
  const call = new RegExp(`(?<![\\w$.])${holder}\\.${long}(?![\\w$])`, 'g');
  glue = glue.replace(call, `${holders[0]}.${short}`);
  // Names as specific as `player_set_volume` or `__wbindgen_malloc` can only mean the export: any left means
  // the glue reached it some other way. (Plain words such as `start` and `version` are not checked.)
  if (long.includes('_') && new RegExp(`(?<![\\w$])${long}(?![\\w$])`).test(glue)) {
    throw new Error(`the glue still names the export ${long} outside ${holders[0]}.${long}`);
  }
}

// The declarations of the raw exports (`InitOutput` in reelcut.d.ts, and reelcut_bg.wasm.d.ts) follow suit;
// only there: a class's getter may bear an export's name (`Clip.start`, the start function).
for (const path of declarationPaths) {
  const text = readFileSync(path, 'utf8');
  const block = /^export interface InitOutput \{$[\s\S]*?^\}$/m.exec(text);
  const [from, to] = block ? [block.index, block.index + block[0].length] : [0, text.length];
  let declarations = text.slice(from, to);
  for (const [long, short] of renamedExports) {
    declarations = declarations.replace(new RegExp(`^(\\s*(?:readonly|export const) )${long}:`, 'gm'), `$1${short}:`);
  }
  writeFileSync(path, text.slice(0, from) + declarations + text.slice(to));
}

writeFileSync(wasmPath, Buffer.concat(sections));
writeFileSync(gluePath, glue);
console.log(`shorten-names: ${renamed.size} imports of ${module} and ${renamedExports.size} exports renamed`);
