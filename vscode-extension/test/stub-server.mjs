// A stand-in language server for `node test/e2e.mjs --stub-server`: it exercises the client-side plumbing that
// the real server does not drive yet (code lenses Run / Profile / Show Tile IR, the server commands forge.run,
// forge.profile, forge.showTileIr, and the custom request forge/ir), with the protocol the extension expects.
// JSON-RPC 2.0 over stdio with Content-Length framing; no dependencies. `--stdio` and `lsp` are ignored.
const docs = new Map(); // uri -> text
let target = 'host';

function send(msg) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
  process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
  process.stdout.write(body);
}
const log = (m) => process.stderr.write(`forge-stub: ${m}\n`);

function functions(uri) {
  const out = [];
  const lines = (docs.get(uri) ?? '').split('\n');
  lines.forEach((line, i) => {
    const m = /^def\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(line);
    if (m) out.push({ name: m[1], line: i });
  });
  return out;
}

function ir(uri, fn, level) {
  const known = functions(uri).some((f) => f.name === fn);
  if (!known) throw { code: -32602, message: `no function '${fn}' in ${uri}` };
  return {
    text: [`# stub ${level} IR of ${fn} (target ${target})`, `func @${fn}() {`, `  %0 = tile.context`, `  return`, `}`, ''].join('\n'),
  };
}

const handlers = {
  initialize(p) {
    target = p?.initializationOptions?.target ?? target;
    return {
      capabilities: {
        textDocumentSync: 1,
        codeLensProvider: { resolveProvider: false },
        executeCommandProvider: { commands: ['forge.run', 'forge.profile', 'forge.showTileIr'] },
      },
      serverInfo: { name: 'forge-stub', version: '0' },
    };
  },
  shutdown: () => null,
  'textDocument/codeLens'(p) {
    const uri = p.textDocument.uri;
    return functions(uri).flatMap((f) => {
      const range = { start: { line: f.line, character: 0 }, end: { line: f.line, character: 3 } };
      const args = [uri, f.name]; // as the real server: [uri, function]
      return [
        { range, command: { title: 'Run', command: 'forge.run', arguments: args } },
        { range, command: { title: 'Profile', command: 'forge.profile', arguments: args } },
        { range, command: { title: 'Show Tile IR', command: 'forge.showTileIr', arguments: args } },
      ];
    });
  },
  'workspace/executeCommand'(p) {
    // [uri, function] from a lens, or [{uri, function, target}] from the client's palette fallback
    const args = p.arguments ?? [];
    const a = typeof args[0] === 'string' ? { uri: args[0], function: args[1] } : args[0] ?? {};
    switch (p.command) {
      case 'forge.run':
        return {
          summary: `${a.function}: verified, 1.23 ms, 45.6 GFLOP/s on ${a.target ?? target}`,
          output: `stub run of ${a.function} on ${a.target ?? target}: ok, 3 outputs, max |err| 0\n`,
          ok: true,
        };
      case 'forge.profile':
        return { summary: `${a.function}: 1.23 ms on ${a.target ?? target}`, output: `stub profile of ${a.function}: 1.23 ms\n`, ok: true };
      case 'forge.showTileIr':
        return ir(a.uri, a.function, 'tile');
      default:
        throw { code: -32601, message: `unknown command ${p.command}` };
    }
  },
  'forge/ir': (p) => ir(p.uri, p.function, p.level),
};

const notifications = {
  'textDocument/didOpen': (p) => docs.set(p.textDocument.uri, p.textDocument.text),
  'textDocument/didChange': (p) => docs.set(p.textDocument.uri, p.contentChanges.at(-1).text),
  'textDocument/didClose': (p) => docs.delete(p.textDocument.uri),
  'workspace/didChangeConfiguration': (p) => (target = p?.settings?.forge?.target ?? target),
  exit: () => process.exit(0),
};

let buffer = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const headerEnd = buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const length = Number(/Content-Length: *(\d+)/i.exec(buffer.subarray(0, headerEnd).toString('ascii'))?.[1]);
    if (buffer.length < headerEnd + 4 + length) return;
    const msg = JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8'));
    buffer = buffer.subarray(headerEnd + 4 + length);
    if (msg.id !== undefined && msg.method) {
      const h = handlers[msg.method];
      if (!h) {
        send({ id: msg.id, error: { code: -32601, message: `unhandled method ${msg.method}` } });
        continue;
      }
      try {
        send({ id: msg.id, result: h(msg.params) ?? null });
      } catch (e) {
        send({ id: msg.id, error: { code: e.code ?? -32603, message: e.message ?? String(e) } });
      }
    } else if (msg.method) {
      notifications[msg.method]?.(msg.params);
    }
  }
});
process.stdin.on('end', () => process.exit(0));
log(`started (${process.argv.slice(2).join(' ')})`);
