// Read-only virtual documents `forge-ir:` showing a function's IR (graph, schedule, tile, llvm, asm, ptx),
// filled from the server's custom request `forge/ir` {uri, function, level} -> {text}.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ResponseError, LSPErrorCodes, ErrorCodes } from 'vscode-languageclient/node';
import type { LanguageClient } from 'vscode-languageclient/node';

export const IR_SCHEME = 'forge-ir';
export const IR_LEVELS = ['graph', 'schedule', 'tile', 'llvm', 'asm', 'ptx'] as const;
export type IrLevel = (typeof IR_LEVELS)[number];

export interface IrParams {
  uri: string;
  function: string;
  level: IrLevel;
}

interface IrResult {
  text: string;
}

/** forge-ir:/<source file name>/<function>.<level>.forge-ir?<source uri, function and level as JSON> */
export function irUri(p: IrParams): vscode.Uri {
  const base = path.posix.basename(vscode.Uri.parse(p.uri).path);
  return vscode.Uri.from({
    scheme: IR_SCHEME,
    path: `/${base}/${p.function}.${p.level}.forge-ir`,
    query: JSON.stringify(p),
  });
}

function paramsOf(uri: vscode.Uri): IrParams {
  return JSON.parse(uri.query) as IrParams;
}

function isRetryable(e: unknown): boolean {
  return e instanceof ResponseError && (e.code === LSPErrorCodes.RequestCancelled || e.code === LSPErrorCodes.ContentModified);
}

export class IrDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    /** Runs the server's executeCommand `forge.showTileIr` when the server has no `forge/ir` request. */
    private readonly fallback: (p: IrParams) => Promise<unknown>,
    private readonly log: vscode.OutputChannel
  ) {
    // Keep open IR documents in step with their source: the server answers for the current buffer.
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.sourceChanged(e.document.uri)),
      vscode.workspace.onDidSaveTextDocument((d) => this.sourceChanged(d.uri))
    );
  }

  private sourceChanged(source: vscode.Uri): void {
    if (source.scheme === IR_SCHEME) return;
    const open = vscode.workspace.textDocuments.filter(
      (d) => d.uri.scheme === IR_SCHEME && !d.isClosed && paramsOf(d.uri).uri === source.toString()
    );
    if (open.length === 0) return;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => open.forEach((d) => this.changed.fire(d.uri)), 600);
  }

  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) if (d.uri.scheme === IR_SCHEME) this.changed.fire(d.uri);
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const p = paramsOf(uri);
    const header = `# ${p.level} IR of ${p.function} in ${vscode.Uri.parse(p.uri).fsPath || p.uri}\n`;
    const client = this.client();
    if (!client || !client.isRunning()) {
      return header + '# The Forge language server is not running (see the Forge output channel).\n';
    }
    // Typing cancels the server's reads (RequestCancelled/ContentModified): ask again a few times.
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await client.sendRequest<IrResult | null>('forge/ir', p, token);
        return r && typeof r.text === 'string' ? r.text : header + '# The server returned no IR.\n';
      } catch (e) {
        if (token.isCancellationRequested) return header;
        if (isRetryable(e) && attempt < 4) {
          await new Promise((res) => setTimeout(res, 200 * (attempt + 1)));
          continue;
        }
        if (e instanceof ResponseError && e.code === ErrorCodes.MethodNotFound) {
          try {
            const r = await this.fallback(p);
            const text = textOf(r);
            if (text !== undefined) return text;
          } catch (e2) {
            this.log.appendLine(`forge.showTileIr failed: ${String(e2)}`);
          }
          return header + '# This server does not provide the forge/ir request.\n';
        }
        const message = e instanceof Error ? e.message : String(e);
        this.log.appendLine(`forge/ir ${JSON.stringify(p)} failed: ${message}`);
        return header + `# The server could not produce the IR:\n# ${message.replace(/\n/g, '\n# ')}\n`;
      }
    }
  }

  /** Opens the IR of a function beside its source, without taking the focus. */
  async show(p: IrParams): Promise<vscode.TextEditor> {
    const uri = irUri(p);
    const existing = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (existing) this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: true });
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.changed.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}

/** The text in a command's or request's result: a string, or an object's `text` or `output`. */
export function textOf(r: unknown): string | undefined {
  if (typeof r === 'string') return r;
  if (r && typeof r === 'object') {
    const o = r as Record<string, unknown>;
    if (typeof o.text === 'string') return o.text;
    if (typeof o.output === 'string') return o.output;
  }
  return undefined;
}
