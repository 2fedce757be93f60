#!/usr/bin/env node
// Generates docs/API.md from the doc comments of everything `index.ts` exports: each class (constructor,
// public properties, methods), interface (each property with its type, `@default` and summary), function,
// type and constant. `npm run docs` rewrites the file; __tests__/unit/docs.test.ts fails when it is stale.
//
// Speed: the program holds only this package's own sources. Files under node_modules and the generated
// libvirt bindings are read as empty files (types are printed as written in the source, so nothing needs
// them), and there is no lib: the checker only follows `export *` chains.
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const OUTPUT = path.join('docs', 'API.md');

/** The sections of the reference, in order: the folder a declaration lives in and its subpath export. */
const SECTIONS = [
  { dir: 'constructs', title: 'Constructs', subpath: 'cdktf-kvm-microservices/constructs' },
  { dir: 'renderers', title: 'Renderers', subpath: 'cdktf-kvm-microservices/renderers' },
  { dir: 'stacks', title: 'Stacks', subpath: 'cdktf-kvm-microservices/stacks' },
  { dir: 'policy', title: 'Policy pack', subpath: 'cdktf-kvm-microservices/policy' },
];

const TAGS = ['default', 'param', 'returns', 'return', 'deprecated', 'example', 'see', 'internal', 'throws'];
const TAG_RE = new RegExp(`(^|\\s)@(${TAGS.join('|')})\\b`, 'g');

/** Builds the program over index.ts with everything outside our own sources stubbed out. */
function createProgram(rootDir) {
  const options = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    noLib: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const libvirt = path.join(rootDir, 'providers') + path.sep;
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const resolved = path.resolve(fileName);
    if (resolved.startsWith(libvirt) || resolved.split(path.sep).includes('node_modules')) {
      return ts.createSourceFile(fileName, '', languageVersion, true);
    }
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  return ts.createProgram([path.join(rootDir, 'index.ts')], options, host);
}

/** The doc comment right before a node, split into the summary and its tags. */
function docOf(node) {
  const holder = ts.isVariableDeclaration(node) ? node.parent.parent : node;
  const sf = holder.getSourceFile();
  const ranges = ts.getLeadingCommentRanges(sf.text, holder.pos) || [];
  const jsdoc = ranges.filter((r) => sf.text.startsWith('/**', r.pos)).pop();
  if (jsdoc === undefined) return { summary: '', tags: {} };
  const body = sf.text
    .slice(jsdoc.pos + 3, jsdoc.end - 2)
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').replace(/\s+$/, ''));
  const text = body.join('\n').trim();
  const tags = {};
  const marks = [...text.matchAll(TAG_RE)].filter((m) => !insideCode(text, m.index));
  const summary = (marks.length === 0 ? text : text.slice(0, marks[0].index)).trim();
  marks.forEach((m, i) => {
    const start = m.index + m[0].length;
    const end = i + 1 < marks.length ? marks[i + 1].index : text.length;
    (tags[m[2]] = tags[m[2]] || []).push(text.slice(start, end).trim());
  });
  return { summary, tags };
}

/** Whether a position lies inside a `code span` of its line (an odd number of backticks before it). */
function insideCode(text, index) {
  const lineStart = text.lastIndexOf('\n', index) + 1;
  return (text.slice(lineStart, index).match(/`/g) || []).length % 2 === 1;
}

const printer = ts.createPrinter({ removeComments: true });

/** Source of a node on one line, without comments. */
function oneLine(node) {
  if (node === undefined) return '';
  return printer.printNode(ts.EmitHint.Unspecified, node, node.getSourceFile()).replace(/\s+/g, ' ').trim();
}

/** Text for a table cell: one line, pipes escaped. */
function cell(text) {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

/** A code span; in a table cell, pipes are escaped. */
function code(text, inTable = true) {
  return '`' + (inTable ? text.replace(/\|/g, '\\|') : text) + '`';
}

function hasModifier(node, kind) {
  return (ts.getCombinedModifierFlags(node) & kind) !== 0;
}

function isPublicMember(member) {
  if (hasModifier(member, ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  if (member.name !== undefined && ts.isPrivateIdentifier(member.name)) return false;
  const name = member.name === undefined ? '' : member.name.getText();
  return !name.startsWith('_') && docOf(member).tags.internal === undefined;
}

/** The type a parameter without an annotation gets from its literal default. */
function literalType(init) {
  if (init === undefined) return undefined;
  if (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init)) return 'string';
  if (ts.isNumericLiteral(init)) return 'number';
  if (init.kind === ts.SyntaxKind.TrueKeyword || init.kind === ts.SyntaxKind.FalseKeyword) return 'boolean';
  return undefined;
}

/** Parameters as a caller sees them: a parameter with a default is optional. */
function params(fn) {
  return fn.parameters
    .map((p) => {
      const optional = p.questionToken !== undefined || p.initializer !== undefined ? '?' : '';
      const type = p.type !== undefined ? oneLine(p.type) : literalType(p.initializer);
      return `${p.dotDotDotToken ? '...' : ''}${p.name.getText()}${optional}${type ? `: ${type}` : ''}`;
    })
    .join(', ');
}

function signature(name, fn) {
  const typeParams = fn.typeParameters ? `<${fn.typeParameters.map(oneLine).join(', ')}>` : '';
  const returns = fn.type ? `: ${oneLine(fn.type)}` : '';
  return `${name}${typeParams}(${params(fn)})${returns}`;
}

function description(doc) {
  const lines = [];
  if (doc.summary !== '') lines.push(doc.summary, '');
  if (doc.tags.deprecated) lines.push(`**Deprecated:** ${doc.tags.deprecated.join(' ')}`, '');
  // `@example` blocks are TypeScript, shown as written (the comment's own indentation kept).
  for (const example of doc.tags.example || []) lines.push('**Example**', '', '```ts', example, '```', '');
  return lines;
}

function defaultOf(member) {
  const d = docOf(member).tags.default;
  if (d !== undefined) return cell(d.join(' '));
  return member.questionToken ? '' : '*(required)*';
}

function propertyTable(members, withDefaults) {
  if (members.length === 0) return [];
  const header = withDefaults ? ['| Name | Type | Default | Description |', '|---|---|---|---|'] : ['| Name | Type | Description |', '|---|---|---|'];
  const rows = members.map((m) => {
    const doc = docOf(m);
    const optional = m.questionToken ? '?' : '';
    let type;
    if (ts.isMethodSignature(m)) type = `(${params(m)}) => ${oneLine(m.type) || 'void'}`;
    else if (ts.isGetAccessorDeclaration(m)) type = oneLine(m.type);
    else type = oneLine(m.type);
    const name = code(`${m.name.getText()}${optional}`);
    const summary = cell(doc.summary);
    return withDefaults ? `| ${name} | ${type ? code(type) : ''} | ${defaultOf(m)} | ${summary} |` : `| ${name} | ${type ? code(type) : ''} | ${summary} |`;
  });
  return [...header, ...rows, ''];
}

function methodList(title, methods) {
  if (methods.length === 0) return [];
  const lines = [`**${title}**`, ''];
  for (const m of methods) {
    const summary = docOf(m).summary.replace(/\s*\n\s*/g, ' ').trim();
    lines.push(`- ${code(signature(m.name.getText(), m), false)}${summary ? `: ${summary}` : ''}`);
  }
  lines.push('');
  return lines;
}

function heritage(node, link) {
  return (node.heritageClauses || []).map((h) => {
    const word = h.token === ts.SyntaxKind.ExtendsKeyword ? 'Extends' : 'Implements';
    return `${word} ${h.types.map((t) => link(oneLine(t))).join(', ')}.`;
  });
}

function renderClass(node, link) {
  const lines = [...description(docOf(node))];
  lines.push(...heritage(node, link).map((h) => `${h}`));
  if (node.heritageClauses) lines.push('');
  const ctor = node.members.find((m) => ts.isConstructorDeclaration(m) && m.body !== undefined && isPublicMember(m));
  if (ctor) lines.push('```ts', `new ${signature(node.name.getText(), ctor)}`, '```', '');
  const props = node.members.filter((m) => (ts.isPropertyDeclaration(m) || ts.isGetAccessorDeclaration(m)) && isPublicMember(m));
  const statics = props.filter((m) => hasModifier(m, ts.ModifierFlags.Static));
  const instance = props.filter((m) => !hasModifier(m, ts.ModifierFlags.Static));
  if (instance.length > 0) lines.push('**Properties**', '', ...propertyTable(instance, false));
  if (statics.length > 0) lines.push('**Static properties**', '', ...propertyTable(statics, false));
  const methods = node.members.filter((m) => ts.isMethodDeclaration(m) && isPublicMember(m) && m.body !== undefined);
  lines.push(...methodList('Static methods', methods.filter((m) => hasModifier(m, ts.ModifierFlags.Static))));
  lines.push(...methodList('Methods', methods.filter((m) => !hasModifier(m, ts.ModifierFlags.Static))));
  return lines;
}

function renderInterface(node, link) {
  const lines = [...description(docOf(node))];
  const h = heritage(node, link);
  if (h.length > 0) lines.push(...h, '');
  const members = node.members.filter((m) => (ts.isPropertySignature(m) || ts.isMethodSignature(m)) && isPublicMember(m));
  lines.push(...propertyTable(members, true));
  return lines;
}

function renderFunction(node) {
  const doc = docOf(node);
  const lines = ['```ts', `function ${signature(node.name.getText(), node)}`, '```', '', ...description(doc)];
  for (const p of doc.tags.param || []) lines.push(`- \`${p.split(/\s/)[0]}\`: ${cell(p.slice(p.split(/\s/)[0].length))}`);
  if (doc.tags.param) lines.push('');
  const returns = doc.tags.returns || doc.tags.return;
  if (returns) lines.push(`Returns ${cell(returns.join(' '))}`, '');
  return lines;
}

function renderType(node) {
  return ['```ts', `type ${node.name.getText()}${node.typeParameters ? `<${node.typeParameters.map(oneLine).join(', ')}>` : ''} = ${oneLine(node.type)}`, '```', '', ...description(docOf(node))];
}

function renderConst(node) {
  const init = node.initializer;
  const literal = init !== undefined && (ts.isStringLiteral(init) || ts.isNumericLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init));
  const text = node.type ? `: ${oneLine(node.type)}` : '';
  const value = literal ? ` = ${oneLine(init)}` : '';
  return ['```ts', `const ${node.name.getText()}${text}${value}`, '```', '', ...description(docOf(node))];
}

const KINDS = [
  [ts.isClassDeclaration, 'class', renderClass],
  [ts.isInterfaceDeclaration, 'interface', renderInterface],
  [ts.isFunctionDeclaration, 'function', renderFunction],
  [ts.isTypeAliasDeclaration, 'type', renderType],
  [ts.isVariableDeclaration, 'const', renderConst],
];

/** Renders docs/API.md for the package at `rootDir` and returns its text. */
function generate(rootDir = path.resolve(__dirname, '..')) {
  const program = createProgram(rootDir);
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(path.join(rootDir, 'index.ts'));
  if (index === undefined) throw new Error(`no index.ts in ${rootDir}`);
  const moduleSymbol = checker.getSymbolAtLocation(index);
  const entries = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    for (const decl of symbol.declarations || []) {
      const kind = KINDS.find(([test]) => test(decl));
      if (kind === undefined) continue;
      if (ts.isFunctionDeclaration(decl) && decl.body === undefined) continue; // overload signatures
      const file = path.relative(rootDir, decl.getSourceFile().fileName).split(path.sep).join('/');
      const section = SECTIONS.findIndex((s) => file.startsWith(`${s.dir}/`));
      if (section < 0) continue;
      entries.push({ name: exported.name, kind: kind[1], render: kind[2], decl, file, section, pos: decl.pos });
      break;
    }
  }
  entries.sort((a, b) => a.section - b.section || (a.file < b.file ? -1 : a.file > b.file ? 1 : a.pos - b.pos));
  const known = new Set(entries.map((e) => e.name));
  const link = (typeText) => {
    const base = typeText.replace(/<.*$/, '');
    return known.has(base) ? `[\`${typeText}\`](#${anchor(base)})` : code(typeText, false);
  };

  const out = [
    '# API reference',
    '',
    '<!-- Generated by `npm run docs` (scripts/gen-api-docs.js) from the doc comments; do not edit by hand. -->',
    '',
    'Everything below is exported from the package root (`cdktf-kvm-microservices`) and from the subpath',
    'named in its section. The generated libvirt bindings are imported by resource, e.g.',
    '`cdktf-kvm-microservices/providers/libvirt/provider` (`LibvirtProvider`) or `.../providers/libvirt/domain`;',
    'they are not listed here: their props are in the type declarations the package ships',
    '(`dist/providers/libvirt/<resource>/index.d.ts`) and in the documentation of the `dmacvicar/libvirt` 0.9.7 provider.',
    '',
    'Optional properties show their default; *(required)* marks the ones you must give.',
    '',
    '## Contents',
    '',
  ];
  SECTIONS.forEach((s, i) => {
    const names = entries.filter((e) => e.section === i);
    if (names.length === 0) return;
    out.push(`- [${s.title}](#${anchor(s.title)}): ${names.map((e) => `[${e.name}](#${anchor(e.name)})`).join(', ')}`);
  });
  out.push('');
  SECTIONS.forEach((s, i) => {
    const group = entries.filter((e) => e.section === i);
    if (group.length === 0) return;
    out.push(`## ${s.title}`, '', `Also exported from \`${s.subpath}\`.`, '');
    for (const e of group) {
      out.push(`### ${e.name}`, '', `*${e.kind}*, \`${e.file}\``, '', ...e.render(e.decl, link));
    }
  });
  return out.join('\n').replace(/\n{3,}/g, '\n\n').replace(/\n*$/, '\n');
}

/** The anchor GitHub gives a heading. */
function anchor(heading) {
  return heading.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
}

module.exports = { generate, OUTPUT };

if (require.main === module) {
  const rootDir = path.resolve(__dirname, '..');
  const file = path.join(rootDir, OUTPUT);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, generate(rootDir));
  console.log(`wrote ${OUTPUT}`);
}
