// The dependency rule of docs/architecture.md, made executable.
//
//   core ← modbus, secure ← meter ← agent ← gateway              (A ← B: B may import A)
//   core, secure ← store ← headend, mdm ← api ← server ← cli   (headend and mdm never each other)
//   dashboard: types only, from core and api
//
// and the purity rule: code outside a package's `src/node/` folder (all of `core`) imports no
// Node built-in, reads no environment, and takes time and randomness only through the ports.
//
// Tooling is checked too: the test kit and the benchmark harness (tools/) serve every package's
// tests and benchmarks, so they import no package; scripts/ may import any. A shipped package
// imports a tool only from its tests and test support (the test kit) or its benchmarks (the harness).
// Test support lives in each package's `src/testing/`, exported as `@phasewire/<name>/testing`: only
// tests, test support and benchmarks may import it, never shipped code.
import ts from 'typescript';
import { builtinModules } from 'node:module';
import { posix } from 'node:path';

export type PackageName =
  | 'core' | 'modbus' | 'secure' | 'meter' | 'agent' | 'gateway' | 'store' | 'headend' | 'mdm' | 'api' | 'server' | 'dashboard' | 'cli';
export type ToolName = 'test-kit' | 'bench';
type Workspace = PackageName | ToolName;

interface LayerRule {
  /** Workspace packages this one may import. */
  readonly mayImport: readonly Workspace[];
  /** Whether its non-adapter code (everything outside `src/node/`) must be pure. */
  readonly pure: boolean;
  /** Packages it may import types from, and nothing else (the dashboard and the API types). */
  readonly typesOnlyFrom?: readonly PackageName[];
}

export const layers: Readonly<Record<PackageName, LayerRule>> = {
  core: { mayImport: [], pure: true },
  modbus: { mayImport: ['core'], pure: true },
  secure: { mayImport: ['core'], pure: true },
  meter: { mayImport: ['core', 'modbus', 'secure'], pure: true },
  agent: { mayImport: ['core', 'modbus', 'secure', 'meter'], pure: true },
  gateway: { mayImport: ['core', 'modbus', 'secure', 'meter', 'agent'], pure: true },
  store: { mayImport: ['core', 'secure'], pure: true },
  headend: { mayImport: ['core', 'secure', 'store'], pure: true },
  mdm: { mayImport: ['core', 'secure', 'store'], pure: true },
  api: { mayImport: ['core', 'secure', 'store', 'headend', 'mdm'], pure: true },
  server: { mayImport: ['core', 'modbus', 'secure', 'store', 'headend', 'mdm', 'api'], pure: true },
  dashboard: { mayImport: [], pure: false, typesOnlyFrom: ['core', 'api'] },
  cli: { mayImport: ['core', 'modbus', 'secure', 'meter', 'agent', 'gateway', 'store', 'headend', 'mdm', 'api', 'server'], pure: false },
};

export const tools: Readonly<Record<ToolName, LayerRule>> = {
  'test-kit': { mayImport: [], pure: false },
  bench: { mayImport: [], pure: false },
};

/** Scripts run from the repository root (CI checks, doc generators): any package, any tool. */
export const scripts: LayerRule = { mayImport: [...Object.keys(layers), ...Object.keys(tools)] as Workspace[], pure: false };

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtins.has(specifier) || builtins.has(specifier.split('/')[0] ?? '');
}

/** A checked unit: a package, a tool or the scripts folder, the path inside it and its rule. */
export interface Unit {
  readonly pkg: Workspace | 'scripts';
  readonly inner: string;
  readonly rule: LayerRule;
  readonly kind: 'package' | 'tool' | 'scripts';
}

/** `packages/<name>/…`, `tools/<name>/…` or `scripts/…` → its unit, or undefined for other files. */
export function locate(file: string): Unit | undefined {
  const script = /^scripts\/(.+)$/.exec(file)?.[1];
  if (script !== undefined) return { pkg: 'scripts', inner: script, rule: scripts, kind: 'scripts' };
  const match = /^(packages|tools)\/([^/]+)\/(.+)$/.exec(file);
  if (match === null) return undefined;
  const [, folder, name, inner] = match;
  if (name === undefined || inner === undefined) return undefined;
  if (folder === 'tools') return name in tools ? { pkg: name as ToolName, inner, rule: tools[name as ToolName], kind: 'tool' } : undefined;
  return name in layers ? { pkg: name as PackageName, inner, rule: layers[name as PackageName], kind: 'package' } : undefined;
}

function isExemptFromPurity(inner: string): boolean {
  return inner.startsWith('src/node/') || inner.startsWith('src/testing/') || inner.startsWith('test/') || inner.startsWith('bench/')
    || inner.endsWith('.test.ts');
}

function isTestSupport(inner: string): boolean {
  return inner.startsWith('test/') || inner.endsWith('.test.ts') || inner.includes('/testing/');
}

/** Checks one file's text against the rules; `file` is relative to the repository root. */
export function checkFile(file: string, text: string): Violation[] {
  const where = locate(file);
  if (where === undefined) return [];
  const { rule } = where;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const violations: Violation[] = [];
  const report = (node: ts.Node, message: string): void => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    violations.push({ file, line: line + 1, message });
  };
  const mustBePure = rule.pure && !isExemptFromPurity(where.inner);

  const shipped = where.kind === 'package' && !isTestSupport(where.inner) && !where.inner.startsWith('bench/');
  const checkSpecifier = (node: ts.Node, specifier: string, typeOnly: boolean): void => {
    if (specifier.startsWith('.')) {
      const depth = where.inner.split('/').length - 1;
      const ups = specifier.split('/').filter((part) => part === '..').length;
      const unit = where.kind === 'scripts' ? 'scripts/' : `${where.kind} '${where.pkg}'`;
      if (ups > depth) report(node, `relative import '${specifier}' leaves ${unit}: import '@phasewire/<name>' instead`);
      else if (shipped && posix.join(posix.dirname(where.inner), specifier).startsWith('src/testing/')) {
        report(node, `shipped code may not import the test support '${specifier}': only tests, test support and benchmarks may`);
      }
      return;
    }
    const workspace = /^@phasewire\/([^/]+)/.exec(specifier)?.[1];
    if (workspace !== undefined) {
      if (shipped && /^@phasewire\/[^/]+\/testing(\/|$)/.test(specifier)) {
        report(node, `shipped code may not import the test support '${specifier}': only tests, test support and benchmarks may`);
      }
      // The benchmark harness and the test kit are tooling: benchmarks may take the harness's types,
      // tests and test support the kit; shipped code may take neither.
      if (where.kind === 'package' && workspace === 'bench' && where.inner.startsWith('bench/')) return;
      if (where.kind === 'package' && workspace === 'test-kit' && isTestSupport(where.inner)) return;
      const target = workspace as Workspace;
      if (target === where.pkg) return;
      if (typeOnly && rule.typesOnlyFrom?.includes(target as PackageName) === true) return;
      if (!rule.mayImport.includes(target)) {
        const allowed = rule.mayImport.length === 0 ? 'no other package' : rule.mayImport.map((p) => `'${p}'`).join(', ');
        report(node, `'${where.pkg}' may not import '${specifier}': it may import ${allowed}`);
      }
      return;
    }
    if (mustBePure && isBuiltin(specifier)) {
      report(node, `pure code may not import the Node built-in '${specifier}': move the I/O to src/node/ and pass it in through a port`);
    }
  };

  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined
      && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = ts.isImportDeclaration(node) ? node.importClause?.phaseModifier === ts.SyntaxKind.TypeKeyword : node.isTypeOnly;
      checkSpecifier(node, node.moduleSpecifier.text, typeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg !== undefined && ts.isStringLiteral(arg)) checkSpecifier(node, arg.text, false);
    } else if (mustBePure && ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const target = `${node.expression.text}.${node.name.text}`;
      if (target === 'Date.now' || target === 'Math.random' || target === 'performance.now') {
        report(node, `pure code may not call ${target}(): take a Clock or Random port`);
      } else if (node.expression.text === 'process') {
        report(node, `pure code may not use ${target}: configuration and environment are passed in`);
      }
    } else if (mustBePure && ts.isNewExpression(node) && ts.isIdentifier(node.expression)
      && node.expression.text === 'Date' && (node.arguments?.length ?? 0) === 0) {
      report(node, 'pure code may not read the current time with new Date(): take a Clock port');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return violations;
}
