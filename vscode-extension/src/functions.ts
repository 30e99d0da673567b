// Which function a command applies to: the one around the cursor, else one the user picks.
import * as vscode from 'vscode';

export interface FunctionAt {
  name: string;
  range: vscode.Range;
}

function flatten(symbols: vscode.DocumentSymbol[]): vscode.DocumentSymbol[] {
  return symbols.flatMap((s) => [s, ...flatten(s.children ?? [])]);
}

/** `project` from a qualified symbol name such as `shape_error.project`. */
function simpleName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Functions from the server's document symbols, else from `def NAME` lines. */
export async function functionsOf(doc: vscode.TextDocument): Promise<FunctionAt[]> {
  try {
    const symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>(
      'vscode.executeDocumentSymbolProvider',
      doc.uri
    );
    if (symbols && symbols.length > 0) {
      const fns: FunctionAt[] = [];
      for (const s of symbols) {
        if ('children' in s) {
          for (const d of flatten([s])) {
            if (d.kind === vscode.SymbolKind.Function || d.kind === vscode.SymbolKind.Method) fns.push({ name: simpleName(d.name), range: d.range });
          }
        } else if (s.kind === vscode.SymbolKind.Function || s.kind === vscode.SymbolKind.Method) {
          fns.push({ name: simpleName(s.name), range: s.location.range });
        }
      }
      if (fns.length > 0) return fns;
    }
  } catch {
    // no symbol provider yet: fall back to the text
  }
  return functionsFromText(doc);
}

/** Top-level and nested `def NAME(` with the lines up to the next line at the same or a lower indentation. */
export function functionsFromText(doc: vscode.TextDocument): FunctionAt[] {
  const fns: FunctionAt[] = [];
  const indentOf = (line: string) => line.length - line.trimStart().length;
  for (let i = 0; i < doc.lineCount; i++) {
    const m = /^(\s*)def\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(doc.lineAt(i).text);
    if (!m) continue;
    const indent = m[1].length;
    let start = i;
    while (start > 0 && /^\s*@/.test(doc.lineAt(start - 1).text)) start--;
    let end = i;
    for (let j = i + 1; j < doc.lineCount; j++) {
      const t = doc.lineAt(j).text;
      if (t.trim() === '' || t.trimStart().startsWith('#')) continue;
      if (indentOf(t) <= indent && !/^\s*[)\]}]/.test(t)) break;
      end = j;
    }
    fns.push({ name: m[2], range: new vscode.Range(start, 0, end, doc.lineAt(end).text.length) });
  }
  return fns;
}

/** The innermost function around the position, else the user's pick (undefined when cancelled or none). */
export async function functionAt(doc: vscode.TextDocument, pos: vscode.Position, purpose: string): Promise<FunctionAt | undefined> {
  const fns = await functionsOf(doc);
  const around = fns.filter((f) => f.range.contains(pos));
  if (around.length > 0) {
    return around.reduce((a, b) => (b.range.start.isAfterOrEqual(a.range.start) ? b : a));
  }
  if (fns.length === 0) {
    void vscode.window.showInformationMessage(`Forge: no function in ${vscode.workspace.asRelativePath(doc.uri)} to ${purpose}.`);
    return undefined;
  }
  if (fns.length === 1) return fns[0];
  const pick = await vscode.window.showQuickPick(
    fns.map((f) => ({ label: f.name, description: `line ${f.range.start.line + 1}`, f })),
    { placeHolder: `Function to ${purpose}` }
  );
  return pick?.f;
}
