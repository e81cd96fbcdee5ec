// `npm pack` in pkg/ yields an installable tarball whose manifest is complete and names only files it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crateVersion, repoRoot } from './support.mjs';

test('npm pack yields a tarball with a complete package.json', () => {
  const pkg = join(repoRoot, 'pkg');
  assert.ok(existsSync(join(pkg, 'package.json')), 'pkg/ is not built: run bash .ci/build.sh');
  const out = mkdtempSync(join(tmpdir(), 'reelcut-pack-'));
  try {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], {
      cwd: pkg, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    }));
    execFileSync('tar', ['-xzf', join(out, packed.filename), '-C', out]);
    const manifest = JSON.parse(readFileSync(join(out, 'package', 'package.json'), 'utf8'));

    assert.equal(manifest.name, 'reelcut');
    assert.equal(manifest.version, crateVersion());
    assert.equal(manifest.type, 'module');
    for (const field of ['main', 'module', 'types', 'exports', 'files', 'sideEffects']) {
      assert.ok(manifest[field], `package.json lacks "${field}"`);
    }
    assert.deepEqual(manifest.sideEffects, ['./embed.js'], 'only the embed script registers anything');

    // Every path the manifest points at is in the tarball.
    const inTarball = new Set(packed.files.map((f) => f.path));
    const targets = [manifest.main, manifest.module, manifest.types];
    for (const entry of Object.values(manifest.exports)) {
      targets.push(...(typeof entry === 'string' ? [entry] : Object.values(entry)));
    }
    for (const target of targets) {
      assert.ok(inTarball.has(target.replace(/^\.\//, '')), `${target} is not in the tarball`);
    }
    for (const file of manifest.files) assert.ok(inTarball.has(file), `${file} listed but not packed`);
    assert.ok(inTarball.has('reelcut_bg.wasm'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
