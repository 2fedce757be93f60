import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as api from '../../index';

// The generator is a plain Node script (npm run docs); its functions are used here as they are.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generate, OUTPUT } = require('../../scripts/gen-api-docs.js') as { generate: (rootDir?: string) => string; OUTPUT: string };

const repoRoot = path.resolve(__dirname, '..', '..');

describe('docs/API.md', () => {
  const text = generate(repoRoot);

  it('is current: regenerate it with `npm run docs` when this fails', () => {
    // GIVEN the committed reference WHEN it is generated again from the doc comments THEN nothing differs
    expect(fs.readFileSync(path.join(repoRoot, OUTPUT), 'utf8')).toBe(text);
  });

  it('has a section for every value the package root exports', () => {
    const headings = new Set([...text.matchAll(/^### (\S+)$/gm)].map((m) => m[1]));
    const missing = Object.keys(api).filter((name) => !headings.has(name));
    expect(missing).toEqual([]);
  });

  it('lists each prop of a construct with its type, default and summary', () => {
    expect(text).toContain('| `memoryMiB?` | `number` | 2048 | Memory in MiB, from 512 (Docker and cloud-init need it) to 4 TiB (4194304). |');
    expect(text).toContain('| `network` | `IKvmNetwork` | *(required)* | The network the host attaches to; it gets a fixed address there. |');
    expect(text).toContain('```ts\nnew NginxGateway(scope: Construct, id: string, props: NginxGatewayProps)\n```');
  });

  it('does not document the libvirt bindings', () => {
    expect(text).not.toMatch(/^### (Domain|LibvirtProvider|CloudinitDisk)$/m);
  });

  it('sends readers of the bindings only to files the package ships', () => {
    // The bindings' README files stay in the repository (package.json `files` leaves them out).
    expect(text).not.toMatch(/README/);
    const files: string[] = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).files;
    const shipped = files.map((f) => new RegExp(`^${f.replace(/\./g, '\\.').replace(/\*\*\//g, '(.+/)?').replace(/\*/g, '[^/]+')}$`));
    const named = [...text.matchAll(/`(dist\/[^`]+)`/g)].map((m) => m[1].replace(/<[a-z]+>/g, 'x'));
    expect(named).toEqual(['dist/providers/libvirt/x/index.d.ts']);
    expect(named.filter((f) => !shipped.some((re) => re.test(f)))).toEqual([]);
  });
});

describe('scripts/gen-api-docs.js', () => {
  it('renders summaries, multi-line and one-line defaults, and skips private members', () => {
    // GIVEN a package with one construct and its props
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-docs-'));
    try {
      fs.mkdirSync(path.join(root, 'constructs'));
      fs.writeFileSync(path.join(root, 'index.ts'), "export * from './constructs';\n");
      fs.writeFileSync(path.join(root, 'constructs', 'index.ts'), "export * from './thing';\n");
      fs.writeFileSync(
        path.join(root, 'constructs', 'thing.ts'),
        [
          "import { Construct } from 'constructs';",
          '/** Props of `Thing`. */',
          'export interface ThingProps {',
          '  /** Size in MiB. @default 64 */',
          '  readonly sizeMiB?: number;',
          '  /**',
          '   * Mode `a|b`, as a user',
          '   * reads it.',
          "   * @default 'a' (the fast one)",
          '   */',
          "  readonly mode?: 'a' | 'b';",
          '  /** Name, required. */',
          '  readonly name: string;',
          '}',
          '/** A thing. */',
          'export class Thing extends Construct {',
          '  /** Its size. */',
          '  public readonly sizeMiB: number;',
          '  private readonly hidden = 1;',
          '  constructor(scope: Construct, id: string, props: ThingProps) {',
          '    super(scope, id);',
          '    this.sizeMiB = props.sizeMiB ?? 64 + this.hidden;',
          '  }',
          '  /** Adds one; returns the new size. */',
          '  public grow(by: number = 1): number { return by; }',
          '}',
          '',
        ].join('\n'),
      );
      // WHEN the reference is generated
      const doc = generate(root);
      // THEN each prop has its row, the class its constructor, properties and methods
      expect(doc).toContain(
        [
          '| Name | Type | Default | Description |',
          '|---|---|---|---|',
          '| `sizeMiB?` | `number` | 64 | Size in MiB. |',
          "| `mode?` | `'a' \\| 'b'` | 'a' (the fast one) | Mode `a\\|b`, as a user reads it. |",
          '| `name` | `string` | *(required)* | Name, required. |',
        ].join('\n'),
      );
      expect(doc).toContain('```ts\nnew Thing(scope: Construct, id: string, props: ThingProps)\n```');
      expect(doc).toContain('| `sizeMiB` | `number` | Its size. |');
      expect(doc).toContain('- `grow(by?: number): number`: Adds one; returns the new size.');
      expect(doc).not.toContain('hidden');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
