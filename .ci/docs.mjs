// Renders the documentation to HTML for the dev server's /docs/ (`make demo` runs this): README.md becomes
// index.html and each www/docs/NAME.md becomes NAME.html, in target/docs/, with links between the Markdown files
// turned into links between the pages and GitHub's heading ids, so that the same anchors work on GitHub and here.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Marked } from 'marked';
import { gfmHeadingId } from 'marked-gfm-heading-id';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const docs = join(root, 'www', 'docs');
const out = join(root, 'target', 'docs');

/** The page a link to a Markdown file of the repository becomes: README.md is the index. */
function pageOf(href) {
  const [path, hash] = href.split('#');
  if (/^[a-z]+:/.test(href) || !path.endsWith('.md')) return href;
  const name = basename(path) === 'README.md' ? 'index' : basename(path, '.md');
  return `${name}.html${hash === undefined ? '' : `#${hash}`}`;
}

const escape = (text) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function render(markdown) {
  const marked = new Marked(gfmHeadingId(), {
    walkTokens(token) {
      if (token.type === 'link') token.href = pageOf(token.href);
    },
  });
  // The README's pictures of the demo (shown, or linked to) are under www/, which the dev server serves at its root.
  const body = marked.parse(markdown).replace(/(src|href)="www\//g, '$1="/');
  const title = markdown.match(/^# (.+)$/m)?.[1].replaceAll('`', '') ?? 'reelcut';
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escape(title)} — reelcut</title>
  <link rel="icon" href="/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="docs.css">
</head>
<body>
  <nav><a href="/">the demo</a> · <a href="index.html">README</a> · <a href="api.html">API reference</a></nav>
  <main>
${body}  </main>
</body>
</html>
`;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const pages = [['README.md', join(root, 'README.md')],
  ...readdirSync(docs).filter((name) => name.endsWith('.md')).map((name) => [name, join(docs, name)])];
for (const [name, path] of pages) writeFileSync(join(out, pageOf(name)), render(readFileSync(path, 'utf8')));
copyFileSync(join(docs, 'docs.css'), join(out, 'docs.css'));
console.log(`docs: ${pages.length} pages rendered into ${out}`);
