// Finding and starting the Forge language server: `<forge launcher> lsp` over stdio.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export interface ServerSettings {
  javaHome: string | undefined;
  serverPath: string | undefined;
  target: string;
  scheduleHints: boolean;
  jvmArgs: string[];
}

export function readSettings(): ServerSettings {
  const c = vscode.workspace.getConfiguration('forge');
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const jvmArgs = c.get<unknown>('server.jvmArgs');
  return {
    javaHome: text(c.get('java.home')),
    serverPath: text(c.get('server.path')),
    target: text(c.get('target')) ?? 'host',
    scheduleHints: c.get<boolean>('scheduleHints') === true,
    jvmArgs: Array.isArray(jvmArgs) ? jvmArgs.filter((a): a is string => typeof a === 'string' && a !== '') : [],
  };
}

/** Settings whose change needs a new server process. */
export const RESTART_SETTINGS = ['forge.java.home', 'forge.server.path', 'forge.server.jvmArgs', 'forge.target', 'forge.scheduleHints'];

export interface Launcher {
  command: string;
  /** where it was found, for the output channel and the status bar tooltip */
  origin: 'setting' | 'workspace' | 'PATH' | 'bundled';
}

export class LauncherNotFound extends Error {}

function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function expand(p: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let s = p;
  if (folder) s = s.replace(/\$\{workspaceFolder\}/g, folder);
  if (s === '~' || s.startsWith('~/')) s = path.join(os.homedir(), s.slice(1));
  if (!path.isAbsolute(s) && folder) s = path.join(folder, s);
  return s;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The `forge` launcher: the `forge.server.path` setting; else `forge` at the root of a workspace folder
 * (the repository's launcher); else `forge` on PATH; else the server bundled into the extension.
 */
export function findLauncher(settings: ServerSettings, extensionPath: string): Launcher {
  if (settings.serverPath) {
    const p = expand(settings.serverPath);
    if (isExecutableFile(p)) return { command: p, origin: 'setting' };
    throw new LauncherNotFound(`forge.server.path is '${settings.serverPath}', but ${p} is not an executable file.`);
  }
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file') continue;
    const p = path.join(folder.uri.fsPath, 'forge');
    if (isExecutableFile(p)) return { command: p, origin: 'workspace' };
  }
  const fromPath = onPath('forge');
  if (fromPath) return { command: fromPath, origin: 'PATH' };
  const bundled = path.join(extensionPath, 'server', 'bin', 'forge');
  if (isExecutableFile(bundled)) return { command: bundled, origin: 'bundled' };
  throw new LauncherNotFound(
    'The Forge language server was not found: set forge.server.path to the `forge` launcher, ' +
      'open the Forge repository (its root holds `forge`), or put `forge` on PATH.'
  );
}

/** The environment of the server process: JAVA_HOME from forge.java.home, JVM options through JDK_JAVA_OPTIONS. */
export function serverEnv(settings: ServerSettings): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (settings.javaHome) env.JAVA_HOME = expand(settings.javaHome);
  if (settings.jvmArgs.length > 0) {
    // The java launcher reads JDK_JAVA_OPTIONS (JDK 9+); quote arguments with spaces.
    const quoted = settings.jvmArgs.map((a) => (/\s/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a));
    env.JDK_JAVA_OPTIONS = [env.JDK_JAVA_OPTIONS, ...quoted].filter(Boolean).join(' ');
  }
  return env;
}

/** A problem with forge.java.home that is worth saying before the launcher fails with a less direct message. */
export function javaHomeProblem(settings: ServerSettings): string | undefined {
  if (!settings.javaHome) return undefined;
  const home = expand(settings.javaHome);
  if (!isExecutableFile(path.join(home, 'bin', 'java'))) {
    return `forge.java.home is '${settings.javaHome}', but ${path.join(home, 'bin', 'java')} does not exist. Forge needs a JDK 25 or newer.`;
  }
  return undefined;
}

export function serverCwd(launcher: Launcher): string {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return folder ? folder.uri.fsPath : path.dirname(launcher.command);
}
