// Code lens commands with stable ids, so that a lens works on the first click.
//
// Why: VS Code (and Theia) turn a lens command that has arguments into an entry of a per-result cache, and drop
// the entries of a result when a newer one replaces it (every focus of the editor and every edit fetches lenses
// again). A lens row outside the viewport keeps the commands it was drawn with until it is scrolled into view and
// resolved again, so a click right after scrolling to it ran a dropped entry: "Actual command not found, wanted to
// execute forge.run /32". A command without arguments is passed through as it is; so each (command, arguments)
// pair gets a command id of its own, without arguments, which every later result reuses.
import * as vscode from 'vscode';

interface Target {
  command: string;
  arguments: unknown[];
}

interface Entry extends Target {
  id: string;
  registration: vscode.Disposable;
}

export class StableLensCommands implements vscode.Disposable {
  /** By JSON of [command, ...arguments], least recently seen first. */
  private readonly entries = new Map<string, Entry>();
  private readonly byId = new Map<string, Entry>();
  private next = 0;

  /** `limit`: ids kept; the least recently seen are unregistered beyond it (old function names, closed files). */
  constructor(private readonly limit = 500) {}

  /** The lens with its command replaced by the stable id of (command, arguments); lenses without arguments stay. */
  wrap(lens: vscode.CodeLens): vscode.CodeLens {
    const c = lens.command;
    if (!c || !c.arguments || c.arguments.length === 0) return lens;
    lens.command = { title: c.title, tooltip: c.tooltip, command: this.idFor({ command: c.command, arguments: c.arguments }) };
    return lens;
  }

  /** The server command and arguments behind a stable id (or the command itself when it is not one). */
  target(command: vscode.Command): Target {
    const e = this.byId.get(command.command);
    return e ? { command: e.command, arguments: e.arguments } : { command: command.command, arguments: command.arguments ?? [] };
  }

  private idFor(target: Target): string {
    const key = JSON.stringify([target.command, ...target.arguments]);
    let e = this.entries.get(key);
    if (e) {
      this.entries.delete(key); // re-inserted below: most recently seen
    } else {
      const id = `forge.lens.${++this.next}`;
      const registration = vscode.commands.registerCommand(id, () =>
        vscode.commands.executeCommand(target.command, ...target.arguments)
      );
      e = { ...target, id, registration };
      this.byId.set(id, e);
    }
    this.entries.set(key, e);
    while (this.entries.size > this.limit) {
      const [oldest, old] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldest);
      this.byId.delete(old.id);
      old.registration.dispose();
    }
    return e.id;
  }

  dispose(): void {
    for (const e of this.entries.values()) e.registration.dispose();
    this.entries.clear();
    this.byId.clear();
  }
}
