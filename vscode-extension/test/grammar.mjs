// Tokenizes Forge snippets with the extension's TextMate grammar (vscode-textmate + oniguruma, as VS Code
// does) and checks the scope of chosen tokens. Also tokenizes every sample to catch runaway strings.
// Usage: node test/grammar.mjs   (prints `N passed, M failed`; exits 1 on failure)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.resolve(here, '..');
const repo = path.resolve(ext, '..');

const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
const registry = new vsctm.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (s) => new oniguruma.OnigScanner(s),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async (scope) =>
    scope === 'source.forge'
      ? vsctm.parseRawGrammar(fs.readFileSync(path.join(ext, 'syntaxes/forge.tmLanguage.json'), 'utf8'), 'forge.tmLanguage.json')
      : null,
});
const grammar = await registry.loadGrammar('source.forge');

/** [{text, scopes}] for each line */
function tokenize(src) {
  let state = vsctm.INITIAL;
  return src.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${ok ? '' : `: ${detail}`}`);
}

/** expect(src, [[text, scope], ...]): the first token equal to text (after the previous match) has the scope prefix */
function expect(name, src, expectations) {
  const tokens = tokenize(src).flat();
  let from = 0;
  for (const [text, scope] of expectations) {
    const words = (t) => t.text.trim().split(/\s+/);
    const i = tokens.findIndex((t, k) => k >= from && (t.text === text || (scope === null && words(t).includes(text))));
    if (i < 0) {
      check(`${name}: '${text}'`, false, `no token '${text}' in ${JSON.stringify(tokens.map((t) => t.text))}`);
      continue;
    }
    from = i + 1;
    const scopes = tokens[i].scopes;
    const ok = scope === null ? scopes.length === 1 : scopes.some((s) => s === scope || s.startsWith(scope + '.'));
    check(`${name}: '${text}' is ${scope ?? 'plain'}`, ok, `scopes ${scopes.join(' ')}`);
  }
}

expect('keywords', 'if a and not b: pass\nelif x is None: return True\nelse: assert False\nfor i in r: break\nwhile c: continue\nwith m as n: pass', [
  ['if', 'keyword.control.flow'], ['and', 'keyword.operator.logical'], ['not', 'keyword.operator.logical'], ['pass', 'keyword.control.flow'],
  ['elif', 'keyword.control.flow'], ['is', 'keyword.operator.logical'], ['None', 'constant.language'], ['return', 'keyword.control.flow'],
  ['True', 'constant.language'], ['else', 'keyword.control.flow'], ['assert', 'keyword.control.flow'], ['False', 'constant.language'],
  ['for', 'keyword.control.flow'], ['in', 'keyword.operator.logical'], ['break', 'keyword.control.flow'],
  ['while', 'keyword.control.flow'], ['continue', 'keyword.control.flow'], ['with', 'keyword.control.flow'], ['as', 'keyword.control.import'],
]);
expect('imports', 'from nn import mlp as m\nimport x or y', [
  ['from', 'keyword.control.import'], ['import', 'keyword.control.import'], ['as', 'keyword.control.import'], ['import', 'keyword.control.import'], ['or', 'keyword.operator.logical'],
]);
expect('def and decorator', '@jit\ndef linear(x: Tensor["B", "K", f32]) -> Tensor["B", bf16]:\n    return x @ w', [
  ['@', 'entity.name.function.decorator'], ['jit', 'entity.name.function.decorator'], ['def', 'storage.type.function'], ['linear', 'entity.name.function'],
  ['Tensor', 'support.class'], ['B', 'string.quoted.double'], ['f32', 'support.type.dtype'], ['->', 'punctuation.separator.annotation'],
  ['bf16', 'support.type.dtype'], ['return', 'keyword.control.flow'], ['@', 'keyword.operator.matmul'],
]);
expect('decorator with attribute', '@kernel.autotune(space=dict(BM=[64, 128]))', [
  ['kernel.autotune', 'entity.name.function.decorator'], ['64', 'constant.numeric.integer'],
]);
expect('KTile and dtypes', 'def gemm(A: KTile["M", "K", f16], m: i32, b: bool, q: fp8e4m3, c: u8, d: f64, e: i64):', [
  ['KTile', 'support.class'], ['f16', 'support.type.dtype'], ['i32', 'support.type.dtype'], ['bool', 'support.type.dtype'],
  ['fp8e4m3', 'support.type.dtype'], ['u8', 'support.type.dtype'], ['f64', 'support.type.dtype'], ['i64', 'support.type.dtype'],
]);
expect('tile ops', '    acc += tile.dot(a, b)\n    tile.store(C, tile.cast(acc, f16), (pid_m, pid_n))', [
  ['+=', 'keyword.operator.assignment.augmented'], ['tile', 'support.module.tile'], ['dot', 'support.function.tile'],
  ['store', 'support.function.tile'], ['cast', 'support.function.tile'], ['f16', 'support.type.dtype'],
]);
expect('numbers', 'a = 0 + 128 + 1_000_000 + 0xFF + 0x7fff_ffff + 1.0 + 1. + .5 + 1e-5 + 2.5E+3 + x1', [
  ['0', 'constant.numeric.integer'], ['128', 'constant.numeric.integer'], ['1_000_000', 'constant.numeric.integer'],
  ['0x', 'constant.numeric.hex'], ['FF', 'constant.numeric.hex'], ['7fff_ffff', 'constant.numeric.hex'], ['1.0', 'constant.numeric.float'], ['1.', 'constant.numeric.float'],
  ['.5', 'constant.numeric.float'], ['1e-5', 'constant.numeric.float'], ['2.5E+3', 'constant.numeric.float'], ['x1', null],
]);
expect('comments', 'x = y  # a trailing comment with "quotes" and def\n# whole line', [
  ['#', 'comment.line.number-sign'], [' a trailing comment with "quotes" and def', 'comment.line.number-sign'], [' whole line', 'comment.line.number-sign'],
]);
expect('strings', `s = "a\\"b" + 'xor' + "unterminated\nt = 1`, [
  ['a', 'string.quoted.double'], ['\\"', 'constant.character.escape'], ['xor', 'string.quoted.single'], ['unterminated', 'string.quoted.double'],
  ['t', null], ['1', 'constant.numeric.integer'],
]);
expect('triple-quoted strings', 'def f():\n    """Docstring with "quotes" and def\n    over lines.\n    """\n    return \'\'\'x\n\'\'\'\nz = 2', [
  ['Docstring with "quotes" and def', 'string.quoted.triple.double'], ['    over lines.', 'string.quoted.triple.double'],
  ['return', 'keyword.control.flow'], ['x', 'string.quoted.triple.single'], ['z', null], ['2', 'constant.numeric.integer'],
]);
expect('target blocks', 'target my_h100 extends h100:\n    clock = 1.6 GHz\n    bandwidth = 3.35 TB/s\n    per_block = 200 KiB', [
  ['target', 'storage.type.target'], ['my_h100', 'entity.name.type.target'], ['extends', 'storage.modifier.extends'], ['h100', 'entity.other.inherited-class'],
  ['1.6', 'constant.numeric.float'], ['GHz', 'keyword.other.unit'], ['TB/s', 'keyword.other.unit'], ['KiB', 'keyword.other.unit'],
]);
expect('soft keywords stay names', 'target = "h100"\nx = extends + 1', [['target', null], ['extends', null]]);
expect('builtins and calls', 'h = gelu(x @ w_in + b_in)\ny = my_fn(h)', [
  ['gelu', 'support.function.builtin'], ['my_fn', 'entity.name.function.call'],
]);

// Every sample and chip description: nothing may end the file inside a string (a runaway triple quote).
const files = [
  ...fs.readdirSync(path.join(repo, 'samples')).map((f) => path.join(repo, 'samples', f)),
  ...fs.readdirSync(path.join(repo, 'hw-targets/targets')).map((f) => path.join(repo, 'hw-targets/targets', f)),
].filter((f) => f.endsWith('.forge'));
for (const f of files) {
  const lines = tokenize(fs.readFileSync(f, 'utf8'));
  const last = lines.filter((l) => l.length > 0).at(-1) ?? [];
  const inString = last.length > 0 && last.at(-1).scopes.some((s) => s.startsWith('string.'));
  const defs = lines.flat().filter((t) => t.scopes.includes('entity.name.function.forge')).length;
  check(`sample ${path.relative(repo, f)} ends outside strings (${defs} defs coloured)`, !inString, 'the last token is inside a string');
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
