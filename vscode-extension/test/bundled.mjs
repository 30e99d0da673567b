// The server bundled in the .vsix starts and answers the language server protocol's initialize, without
// the repository: unpacks the package into a temporary folder and talks to server/bin/forge over stdio.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ext = dirname(dirname(fileURLToPath(import.meta.url)));
// The package to test: the argument (e.g. forge-linux-x64-0.1.0.vsix, which carries its Java runtime), else forge-VERSION.vsix.
const version = JSON.parse(readFileSync(join(ext, 'package.json'), 'utf8')).version;
const vsix = process.argv[2] ?? `forge-${version}.vsix`;
let passed = 0, failed = 0;
const check = (ok, what) => { console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`); ok ? passed++ : failed++; };
const dir = mkdtempSync(join(tmpdir(), 'forge-vsix-'));
execFileSync('unzip', ['-q', resolve(ext, vsix), '-d', dir]);
const forge = join(dir, 'extension', 'server', 'bin', 'forge');
check(execFileSync(forge, ['version']).toString().startsWith('forge '), 'the bundled launcher runs `forge version`');
const started = Date.now();
const server = spawn(forge, ['lsp', '--stdio'], { cwd: dir });
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
server.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
let out = Buffer.alloc(0);
const reply = await new Promise((resolve) => {
  const timer = setTimeout(() => resolve(null), 60000);
  server.stdout.on('data', (d) => {
    out = Buffer.concat([out, d]);
    // Frames: "Content-Length: N\r\n\r\n" then N bytes of JSON; find the response to id 1.
    for (;;) {
      const header = out.indexOf('\r\n\r\n');
      if (header < 0) return;
      const length = Number(/Content-Length: (\d+)/.exec(out.subarray(0, header).toString())[1]);
      if (out.length < header + 4 + length) return;
      const message = JSON.parse(out.subarray(header + 4, header + 4 + length).toString());
      out = out.subarray(header + 4 + length);
      if (message.id === 1) { clearTimeout(timer); resolve(message); return; }
    }
  });
});
check(reply && reply.result && reply.result.capabilities && reply.result.capabilities.hoverProvider, `the bundled server answers initialize (${Date.now() - started} ms)`);
server.kill();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
