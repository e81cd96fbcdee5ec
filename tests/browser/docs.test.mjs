// The documentation: the API reference (www/docs/api.md) against the package's TypeScript declarations, which
// are the source of truth, so that neither can drift from the other; the links between the Markdown pages; and
// the pages as the dev server serves them (HTML rendered by .ci/docs.mjs, as `make demo` does).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { chromiumOnly, openPage, repoRoot, serverAndBrowser, test } from './support.mjs';

const API_PAGE = 'www/docs/api.md';

/** A declared name and what it holds: `members` (name → { static, literals }) of a class or interface, the
 *  `literals` of a union of literal types. */
function declarations() {
  const pkg = join(repoRoot, 'pkg');
  const files = ['index.d.ts', 'embed.d.ts'].map((name) => join(pkg, name));
  for (const file of files) assert.ok(existsSync(file), `${file} is missing (run bash .ci/build.sh)`);
  const program = ts.createProgram(files, { strict: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], noEmit: true });
  const checker = program.getTypeChecker();
  const declared = new Map();
  const literalsOf = (node) => {
    const types = node && ts.isUnionTypeNode(node) ? node.types : [node];
    const literals = types.filter((type) => type && ts.isLiteralTypeNode(type)).map((type) => type.literal.text ?? type.literal.getText());
    return literals.length === types.length ? literals : [];
  };
  const memberName = (member) => {
    if (ts.isConstructorDeclaration(member)) return 'constructor';
    const name = member.name;
    if (ts.isComputedPropertyName(name)) return `[${name.expression.getText()}]`;
    return name.getText();
  };
  for (const file of files.map((name) => program.getSourceFile(name))) {
    const module = checker.getSymbolAtLocation(file);
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const name = exported.escapedName === 'default' ? 'init' : exported.name;
      const entry = declared.get(name) ?? { kind: '', members: new Map(), literals: [], symbol };
      declared.set(name, entry);
      for (const declaration of symbol.declarations ?? []) {
        if (ts.isFunctionDeclaration(declaration)) entry.kind = 'function';
        if (ts.isTypeAliasDeclaration(declaration)) {
          entry.kind ||= 'type';
          entry.literals = literalsOf(declaration.type);
        }
        if (!ts.isClassDeclaration(declaration) && !ts.isInterfaceDeclaration(declaration)) continue;
        entry.kind = ts.isClassDeclaration(declaration) ? 'class' : entry.kind || 'interface';
        for (const member of declaration.members) {
          const modifiers = ts.getCombinedModifierFlags(member);
          if (modifiers & ts.ModifierFlags.Private) continue;
          entry.members.set(memberName(member), {
            static: Boolean(modifiers & ts.ModifierFlags.Static),
            literals: literalsOf(member.type),
          });
        }
      }
    }
  }
  // The raw wasm exports (`a`, `b`, ...) are not API: InitOutput is documented as a whole.
  declared.get('InitOutput').members.clear();
  return { declared, checker };
}

/** The reference as written: each heading that is one code span naming a declaration opens its section; the
 *  first cell of each table row in it names members (`media.tracks`, `Media.open(src)`, `new Player(...)`,
 *  `player[Symbol.dispose]()`, `dub.voice = file`) or, for a union, its values (`'mix'`). "Functions" is the
 *  section of the exported functions. */
function documented() {
  const sections = [];
  let section = null;
  let fenced = false;
  for (const [index, line] of readFileSync(join(repoRoot, API_PAGE), 'utf8').split('\n').entries()) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) continue;
    const heading = line.match(/^#{1,6} (.*)$/);
    if (heading) {
      const name = heading[1].match(/^`([^`]+)`$/)?.[1] ?? (heading[1] === 'Functions' ? '(functions)' : null);
      section = { name, line: index + 1, rows: [], text: '' };
      sections.push(section);
      continue;
    }
    if (!section) continue;
    section.text += `${line}\n`;
    const cells = line.match(/^\| (.*?) \| (.*) \|$/);
    if (!cells) continue;
    const names = [...cells[1].matchAll(/`([^`]+)`/g)].map((match) => match[1]);
    if (names.length === 0) continue;
    section.rows.push({ line: index + 1, names, text: line });
  }
  return sections;
}

/** `owner.member(...)`, `Owner.member`, `new Owner(...)`, `owner[Symbol.x]()`, `member = value`, `'literal'`
 *  → `{ member, static }`. */
function parseName(code) {
  const literal = code.match(/^'(.*)'$/);
  if (literal) return { member: literal[1], literal: true };
  if (code.startsWith('new ')) return { member: 'constructor', static: false };
  const match = code.match(/^(?:(\w+)(?:\.|(?=\[)))?(\[Symbol\.\w+\]|\w+)/);
  if (!match) return null;
  const [, owner, member] = match;
  return { member, static: owner ? /^[A-Z]/.test(owner) : null };
}

/** Everything the reference and the declarations disagree on, as lines to print. */
function disagreements() {
  const { declared } = declarations();
  const problems = [];
  const sections = documented().filter((section) => section.name);
  const seen = new Map();
  for (const section of sections) {
    if (section.name === '(functions)') {
      for (const row of section.rows) {
        for (const code of row.names) {
          const name = parseName(code)?.member;
          if (declared.get(name)?.kind !== 'function') problems.push(`${API_PAGE}:${row.line}: \`${code}\` is not an exported function`);
          seen.set(name, true);
        }
      }
      continue;
    }
    const entry = declared.get(section.name);
    if (!entry) {
      problems.push(`${API_PAGE}:${section.line}: \`${section.name}\` is documented but not declared`);
      continue;
    }
    seen.set(section.name, true);
    const covered = new Set();
    for (const row of section.rows) {
      for (const code of row.names) {
        const parsed = parseName(code);
        if (entry.literals.length > 0) {
          const value = parsed?.literal ? parsed.member : code;
          if (!entry.literals.includes(value)) problems.push(`${API_PAGE}:${row.line}: ${section.name} has no value '${value}'`);
          covered.add(value);
          continue;
        }
        const member = entry.members.get(parsed?.member);
        if (!member) {
          problems.push(`${API_PAGE}:${row.line}: ${section.name} has no member \`${code}\``);
          continue;
        }
        if (parsed.static !== null && parsed.static !== member.static) {
          problems.push(`${API_PAGE}:${row.line}: \`${code}\`: ${parsed.member} is ${member.static ? '' : 'not '}static`);
        }
        covered.add(parsed.member);
        for (const value of member.literals) {
          if (!row.text.includes(`'${value}'`) && !row.text.includes(`\`${value}\``)) {
            problems.push(`${API_PAGE}:${row.line}: ${section.name}.${parsed.member} can be ${JSON.stringify(value)}, which the row does not say`);
          }
        }
      }
    }
    for (const name of entry.members.keys()) {
      if (!covered.has(name)) problems.push(`${API_PAGE}: ${section.name}.${name} is declared but not documented (a row of the \`${section.name}\` section)`);
    }
    for (const value of entry.literals) {
      if (!covered.has(value)) problems.push(`${API_PAGE}: ${section.name} '${value}' is declared but not documented (a row of the \`${section.name}\` section)`);
    }
  }
  for (const [name, entry] of declared) {
    if (!seen.has(name)) {
      problems.push(`${API_PAGE}: ${entry.kind} \`${name}\` is declared but has no ${entry.kind === 'function' ? 'row under "Functions"' : `section (a heading \`${name}\`)`}`);
    }
  }
  return problems;
}

test('the API reference documents every class, function, type, member, option and event the declarations have, and nothing else', () => {
  const problems = disagreements();
  assert.deepEqual(problems, [], `www/docs/api.md and the declarations (pkg/*.d.ts) disagree:\n${problems.join('\n')}`);
});

/** Every Markdown file of the documentation: the README and www/docs/. */
function markdownFiles() {
  const docs = join(repoRoot, 'www', 'docs');
  return ['README.md', ...readdirSync(docs).filter((name) => name.endsWith('.md')).map((name) => relative(repoRoot, join(docs, name)))];
}

test('every relative link of the README and the docs pages leads to a file of the repository', () => {
  const broken = [];
  for (const file of markdownFiles()) {
    const text = readFileSync(join(repoRoot, file), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
      const path = join(repoRoot, dirname(file), target.split('#')[0]);
      if (!existsSync(path)) broken.push(`${file}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the README links to every docs page', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const missing = markdownFiles().slice(1).filter((file) => !readme.includes(`](${file})`) && !readme.includes(`](${file}#`));
  assert.deepEqual(missing, []);
});

const running = serverAndBrowser();

test('the dev server serves the docs as HTML at /docs/: every page, every link and anchor between them, and the demo links there',
  chromiumOnly('the rendered pages are the same for every browser'), async () => {
  // What `make demo` does before it serves: the sample media the demo opens made, and the pages rendered to
  // HTML into target/docs/.
  execFileSync('bash', [join(repoRoot, '.ci', 'samples.sh')], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(repoRoot, '.ci', 'docs.mjs')], { stdio: 'inherit' });
  const { page, errors } = await openPage(running.browser, running.server.base, '/');
  // The demo's header links to the docs.
  const docsLink = await page.$eval('header a[href$="docs/"]', (a) => new URL(a.href).pathname);
  assert.equal(docsLink, '/docs/');
  await page.goto(running.server.base + docsLink);
  assert.equal(await page.textContent('h1'), 'reelcut');
  // Every page reachable from the index, and each link between pages landing on an element with its anchor.
  const pages = new Map();
  const queue = ['/docs/'];
  while (queue.length > 0) {
    const path = queue.shift();
    if (pages.has(path)) continue;
    const response = await page.goto(running.server.base + path);
    assert.equal(response.status(), 200, path);
    assert.match(response.headers()['content-type'], /^text\/html/, path);
    const found = await page.evaluate(() => ({
      title: document.querySelector('h1')?.textContent,
      ids: [...document.querySelectorAll('[id]')].map((element) => element.id),
      links: [...document.querySelectorAll('a[href]')].map((a) => new URL(a.href)).filter((url) => url.origin === location.origin)
        .map((url) => ({ path: url.pathname.replace(/\/index\.html$/, '/'), hash: decodeURIComponent(url.hash.slice(1)) })),
      markdown: [...document.querySelectorAll('a[href$=".md"]')].map((a) => a.getAttribute('href')),
    }));
    assert.ok(found.title, `${path} has a title`);
    assert.deepEqual(found.markdown, [], `${path} links to rendered pages, not to Markdown`);
    pages.set(path, found);
    for (const link of found.links) if (link.path.startsWith('/docs/')) queue.push(link.path);
  }
  const expected = markdownFiles().map((file) => (file === 'README.md' ? '/docs/' : `/docs/${file.split('/').pop().replace(/\.md$/, '.html')}`));
  assert.deepEqual([...pages.keys()].sort(), expected.sort());
  const dangling = [];
  for (const [path, found] of pages) {
    for (const link of found.links) {
      const target = pages.get(link.path);
      if (link.path.startsWith('/docs/') && link.hash && !target?.ids.includes(link.hash)) dangling.push(`${path} → ${link.path}#${link.hash}`);
    }
  }
  assert.deepEqual(dangling, []);
  // The reference shows each class as a heading.
  await page.goto(`${running.server.base}/docs/api.html`);
  const headings = await page.$$eval('h2', (hs) => hs.map((h) => h.textContent));
  for (const name of ['Media', 'Player', 'Clip', 'Dub', 'ReelcutPlayerElement']) assert.ok(headings.includes(name), `${name} in ${headings}`);
  assert.deepEqual(errors, []);
  await page.close();
});
