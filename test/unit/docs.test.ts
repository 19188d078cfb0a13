/**
 * The documents in docs/ stay true to the repository: the rule book names every rule with the tests that check it,
 * every path a document names exists, every docs/ link in the code lands on a heading, and no source file points to
 * documents outside the repository or cites a tracker's numbers in a comment.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(repo, path), 'utf8');

const RULE_IDS = [
  ...['A1', 'A2', 'A3', 'A4'],
  ...Array.from({ length: 10 }, (_, i) => `C${i + 1}`),
  ...Array.from({ length: 6 }, (_, i) => `G${i + 1}`),
  ...Array.from({ length: 8 }, (_, i) => `U${i + 1}`),
  ...['H1', 'H2', 'E1', 'E2'],
];

const SOURCE_FOLDERS = ['backend', 'electron', 'renderer', 'shared', 'scripts', 'test'];
const SOURCE_FILE = /\.(ts|tsx|mjs|cjs|js|css|html|json)$/;

function filesUnder(folder: string): string[] {
  const root = join(repo, folder);
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules') continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else found.push(relative(repo, full));
    }
  };
  walk(root);
  return found;
}

const sourceFiles = () => SOURCE_FOLDERS.flatMap(filesUnder).filter((path) => SOURCE_FILE.test(path));
const testFiles = () => filesUnder('test').filter((path) => /\.(ts|tsx)$/.test(path));
const docFiles = () => filesUnder('docs').filter((path) => path.endsWith('.md'));

/** The repository paths a document names in backticks (`backend/ledger.ts`); patterns and placeholders aside. */
export function pathsNamedIn(markdown: string): string[] {
  const paths = new Set<string>();
  for (const [, token] of markdown.matchAll(/`([^`\s]+)`/g)) {
    const path = token!.split('#')[0]!;
    if (/^(backend|shared|electron|renderer|test|scripts|docs|build|\.ci)\/[\w./-]*$/.test(path)) paths.add(path);
  }
  return [...paths];
}

/** The anchor a Markdown heading gets on GitHub: lower case, punctuation dropped, spaces as hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

/** Per rule section of the rule book (`### C5. ...`), the test files its "Tested by" line names. */
export function testedByPerRule(policy: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  for (const section of policy.split(/^### /m).slice(1)) {
    const id = /^([A-Z]\d+)\./.exec(section)?.[1];
    if (!id) continue;
    const testedBy = /^- Tested by:([\s\S]*?)(?=^- |^#|(?![\s\S]))/m.exec(section)?.[1] ?? '';
    sections.set(
      id,
      [...testedBy.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
    );
  }
  return sections;
}

/** What a source file must not say: paths to the product owner's documents outside the repository, their bare names. */
export function outsideReferences(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/\.\.\/shared\/(?:[A-Z]\w*\.md|reference\b)/g)) found.push(match[0]);
  for (const match of text.matchAll(/(?<![\w./-])(?:POLICY|API|ARCHITECTURE|STYLE)\.md/g)) found.push(match[0]);
  return found;
}

/** The comment text of a source line: after `//`, or the whole line inside a block comment (`/*`, ` * `). */
function commentOf(line: string): string {
  const trimmed = line.trim();
  if (trimmed.startsWith('*') || trimmed.startsWith('/*')) return trimmed;
  const slashes = line.indexOf('//');
  return slashes >= 0 ? line.slice(slashes + 2) : '';
}

/** Issue or pull-request numbers cited in comments (the word and a number, or a hash and a number). */
export function issueNumbersInComments(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const comment = commentOf(line);
    const cited = /\b(?:issues?|PR|pull request|ticket)\s*#?\d+|(?<![\w&])#\d+\b/gi;
    for (const match of comment.matchAll(cited)) found.push(match[0]);
  }
  return found;
}

describe('the scanners this test relies on', () => {
  it('find an outside document and its bare name, and let imports of the shared/ folder through', () => {
    // Written in parts, so that this file does not say what it looks for.
    // oxlint-disable no-useless-concat
    const outside = '../shared/' + 'POLI' + 'CY.md';
    expect(outsideReferences(`// see ${outside}`)).toEqual([outside]);
    expect(outsideReferences('/** as ' + 'AP' + 'I.md says */')).toEqual(['AP' + 'I.md']);
    expect(outsideReferences("import { Catalog } from '../shared/api.js'; // docs/API.md")).toEqual([]);
  });

  it('find issue numbers in comments only, not colours in code', () => {
    expect(issueNumbersInComments(' * Concurrency (' + 'issue 3): row locks')).toEqual(['issue' + ' 3']);
    expect(issueNumbersInComments('const x = 1; // fixed in #' + '12')).toEqual(['#' + '12']);
    expect(issueNumbersInComments("background: '#" + "336699' })")).toEqual([]);
    // oxlint-enable no-useless-concat
  });

  it('read the Tested-by line of every rule section, continuation lines included', () => {
    const book = [
      '### C5. Spend order',
      'text',
      '- Enforced by: `a.ts`',
      '- Tested by: `x.test.ts`,',
      '  `y.test.ts`.',
      '',
      '### C6. Cost',
      '- Tested by: `z.test.ts`.',
    ].join('\n');
    expect(testedByPerRule(book)).toEqual(
      new Map([
        ['C5', ['x.test.ts', 'y.test.ts']],
        ['C6', ['z.test.ts']],
      ]),
    );
  });

  it('turn headings into GitHub anchors', () => {
    expect(headingAnchor("SQLite's write-ahead log")).toBe('sqlites-write-ahead-log');
    expect(headingAnchor('The charge path')).toBe('the-charge-path');
  });
});

describe('docs/POLICY.md', () => {
  const policy = read('docs/POLICY.md');
  const testedBy = testedByPerRule(policy);

  it('has a section for every rule id, in order, and no other', () => {
    expect([...testedBy.keys()]).toEqual(RULE_IDS);
  });

  it('names for every rule the modules that enforce it and the tests that check it', () => {
    for (const section of policy.split(/^### /m).slice(1)) {
      expect(section, section.slice(0, 40)).toMatch(/^- Enforced by: `/m);
      expect(section, section.slice(0, 40)).toMatch(/^- Shown in: /m);
      expect(section, section.slice(0, 40)).toMatch(/^- Tested by: `/m);
    }
  });

  it('lists, for every rule, only test files whose titles name that rule ("<id>:")', () => {
    for (const [id, files] of testedBy) {
      expect(files.length, id).toBeGreaterThan(0);
      for (const file of files) {
        expect(existsSync(join(repo, file)), `${id}: ${file} exists`).toBe(true);
        expect(read(file).includes(`${id}:`), `${id}: ${file} names "${id}:"`).toBe(true);
      }
    }
  });

  it('is backed by tests: for every rule id some test file contains "<id>:"', () => {
    const texts = testFiles().map(read);
    const uncovered = RULE_IDS.filter((id) => !texts.some((text) => text.includes(`${id}:`)));
    expect(uncovered).toEqual([]);
  });

  it('says which reference page stands where they disagree (C2: 100, not 50)', () => {
    expect(policy).toMatch(/50 free credits a day, the newer one 100\. \*\*100 stands\.\*\*/);
  });
});

describe('docs/', () => {
  it('has the five documents', () => {
    expect(docFiles().sort()).toEqual([
      'docs/API.md',
      'docs/ARCHITECTURE.md',
      'docs/OPERATING.md',
      'docs/PERFORMANCE.md',
      'docs/POLICY.md',
    ]);
  });

  it('names only repository paths that exist', () => {
    const missing = docFiles().flatMap((doc) =>
      pathsNamedIn(read(doc))
        .filter((path) => !existsSync(join(repo, path)))
        .map((path) => `${doc}: ${path}`),
    );
    expect(missing).toEqual([]);
  });

  it('is what README and the code link to, and every link to a section lands on a heading', () => {
    const broken: string[] = [];
    for (const file of [...sourceFiles(), 'README.md', ...docFiles()]) {
      for (const [, doc, anchor] of read(file).matchAll(/\bdocs\/(\w+\.md)(?:#([\w-]+))?/g)) {
        const path = `docs/${doc}`;
        if (!existsSync(join(repo, path))) {
          broken.push(`${file}: ${path}`);
          continue;
        }
        const anchors = [...read(path).matchAll(/^#+ (.+)$/gm)].map((m) => headingAnchor(m[1]!));
        if (anchor && !anchors.includes(anchor)) broken.push(`${file}: ${path}#${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('is where README points for the rules, the contract and the architecture', () => {
    const readme = read('README.md');
    expect(outsideReferences(readme)).toEqual([]);
    for (const doc of ['POLICY', 'API', 'ARCHITECTURE', 'PERFORMANCE']) expect(readme).toContain(`(docs/${doc}.md)`);
  });
});

describe('source files', () => {
  it('point to no document outside the repository', () => {
    const found = sourceFiles().flatMap((file) => outsideReferences(read(file)).map((hit) => `${file}: ${hit}`));
    expect(found).toEqual([]);
  });

  it('cite no issue numbers in comments', () => {
    const found = sourceFiles().flatMap((file) => issueNumbersInComments(read(file)).map((hit) => `${file}: ${hit}`));
    expect(found).toEqual([]);
  });
});
