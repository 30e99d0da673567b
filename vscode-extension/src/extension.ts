// The Forge extension: starts `<forge launcher> lsp` as a language client, shows its state in the status
// bar, and adds client commands around the server's: Show Tile IR (a read-only `forge-ir:` document beside
// the source, from the `forge/ir` request), Run, Profile and Tune (the server's `forge.run`/`forge.profile`/`forge.tune`, which
// answer {summary, output, ok}: the summary becomes a message, the output goes to the Forge output channel).
//
// Command ids: vscode-languageclient registers every id in the server's executeCommandProvider as a VS Code
// command, so the client's own commands use other ids (`forge.client.*`) and the server's code lenses keep
// theirs (`forge.run`, `forge.profile`, `forge.showTileIr`); the middleware below gives those a client-side
// effect (open the IR document, show the run's output).
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  LSPErrorCodes,
  ResponseError,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  StreamInfo,
} from 'vscode-languageclient/node';
import { functionAt, FunctionAt } from './functions';
import { IR_LEVELS, IR_SCHEME, IrDocuments, IrLevel, IrParams, textOf } from './ir';
import { StableLensCommands } from './lensCommands';
import { RooflineView } from './rooflineView';
import { formatRunReport } from './runReport';
import { DEFAULT_REPOSITORY_URL, ensureNatives, nativesOf, NativesUnavailable } from './natives';
import {
  findLauncher,
  javaHomeProblem,
  Launcher,
  LauncherNotFound,
  readSettings,
  RESTART_SETTINGS,
  serverCwd,
  serverEnv,
} from './server';

/** The IR levels that the code generator makes (with LLVM), rather than the server itself. */
const LLVM_LEVELS: readonly IrLevel[] = ['llvm', 'asm', 'ptx'];

/** The server's executeCommand ids. */
const SERVER_RUN = 'forge.run';
const SERVER_PROFILE = 'forge.profile';
const SERVER_SHOW_TILE_IR = 'forge.showTileIr';
const SERVER_TUNE = 'forge.tune';

type ServerState = 'starting' | 'running' | 'failed' | 'stopped';

let client: LanguageClient | undefined;
let launcher: Launcher | undefined;
let serverCommands = new Set<string>();
let output: vscode.LogOutputChannel;
let status: vscode.StatusBarItem;
let irDocs: IrDocuments;
let lensCommands: StableLensCommands;
let roofline: RooflineView;
let starting: Promise<void> | undefined;
let serverProcess: cp.ChildProcess | undefined;
let stderrTail: string[] = [];
let exitDescription: string | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('Forge', { log: true });
  status = vscode.window.createStatusBarItem('forge.status', vscode.StatusBarAlignment.Left, 0);
  status.name = 'Forge Language Server';
  status.command = 'forge.showOutput';
  irDocs = new IrDocuments(() => client, (p) => executeOnServer(SERVER_SHOW_TILE_IR, [p]), output);
  lensCommands = new StableLensCommands();
  roofline = new RooflineView();

  context.subscriptions.push(
    output,
    status,
    irDocs,
    lensCommands,
    roofline,
    vscode.workspace.registerTextDocumentContentProvider(IR_SCHEME, irDocs),
    vscode.commands.registerCommand('forge.restartServer', () => restart(context)),
    vscode.commands.registerCommand('forge.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('forge.client.showTileIr', () => showIr('tile')),
    vscode.commands.registerCommand('forge.client.showIr', async () => {
      const level = await vscode.window.showQuickPick([...IR_LEVELS], { placeHolder: 'Which IR' });
      if (level) await showIr(level as IrLevel);
    }),
    vscode.commands.registerCommand('forge.client.run', () => runFunction(SERVER_RUN)),
    vscode.commands.registerCommand('forge.client.profile', () => runFunction(SERVER_PROFILE)),
    vscode.commands.registerCommand('forge.client.tune', () => runFunction(SERVER_TUNE)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (RESTART_SETTINGS.some((s) => e.affectsConfiguration(s))) {
        output.appendLine('Forge settings changed: restarting the language server.');
        void restart(context);
      }
    })
  );
  status.show();
  // Not awaited: activation (and so every Forge command, Restart included) must not wait for a JVM to start.
  void start(context);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

// ---- the client's life cycle -------------------------------------------------------------------

function start(context: vscode.ExtensionContext): Promise<void> {
  starting ??= doStart(context).finally(() => (starting = undefined));
  return starting;
}

async function doStart(context: vscode.ExtensionContext): Promise<void> {
  const settings = readSettings();
  setState('starting');
  const port = process.env.FORGE_LSP_PORT;
  let serverOptions: ServerOptions;
  if (port) {
    // Development: connect to a server started by hand (e.g. under a debugger) on a socket.
    launcher = undefined;
    output.appendLine(`Connecting to the Forge language server on 127.0.0.1:${port} (FORGE_LSP_PORT).`);
    serverOptions = () =>
      new Promise<StreamInfo>((resolve, reject) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => resolve({ reader: socket, writer: socket }));
        socket.on('error', reject);
      });
  } else {
    try {
      launcher = findLauncher(settings, context.extensionPath);
    } catch (e) {
      if (!(e instanceof LauncherNotFound)) throw e;
      output.appendLine(e.message);
      setState('failed', e.message);
      void vscode.window.showErrorMessage(e.message, 'Open Settings', 'Show Output').then((a) => {
        if (a === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'forge.server.path');
        if (a === 'Show Output') output.show(true);
      });
      return;
    }
    const problem = javaHomeProblem(settings);
    if (problem) {
      output.appendLine(problem);
      void vscode.window.showWarningMessage(problem, 'Open Settings').then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.action.openSettings', 'forge.java.home');
      });
    }
    const cwd = serverCwd(launcher);
    output.appendLine(
      `Starting the Forge language server: ${launcher.command} lsp (found in ${launcher.origin}; cwd ${cwd}` +
        (settings.javaHome ? `; JAVA_HOME=${settings.javaHome}` : '') +
        (settings.jvmArgs.length ? `; JDK_JAVA_OPTIONS=${settings.jvmArgs.join(' ')}` : '') +
        `; target ${settings.target})`
    );
    const command = launcher.command;
    const env = serverEnv(settings);
    // Spawned here rather than by the client, to keep the tail of stderr for the error message when the
    // launcher exits at once (no JDK 25, a build failure) and to end the process if it outlives the client.
    serverOptions = async () => {
      const p = cp.spawn(command, ['lsp'], { cwd, env, stdio: 'pipe' });
      serverProcess = p;
      stderrTail = [];
      p.stderr.on('data', (d: Buffer) => {
        stderrTail.push(...d.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
        stderrTail.splice(0, Math.max(0, stderrTail.length - 8));
      });
      p.on('exit', (code, signal) => {
        exitDescription = signal ? `killed by ${signal}` : `exit code ${code}`;
      });
      await new Promise<void>((resolve, reject) => {
        p.once('spawn', resolve);
        p.once('error', reject);
      });
      return p;
    };
  }

  let reachedRunning = false;
  const crashes: number[] = [];
  const clientOptions: LanguageClientOptions = {
    // A server that never got running is reported once by the catch around start() below, not retried.
    initializationFailedHandler: () => false,
    errorHandler: {
      error: (_error, _message, count) => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
      closed: () => {
        if (!reachedRunning) return { action: CloseAction.DoNotRestart, handled: true };
        const now = Date.now();
        crashes.push(now);
        while (crashes.length > 0 && crashes[0] < now - 3 * 60_000) crashes.shift();
        const why = [exitDescription, ...stderrTail.slice(-3)].filter(Boolean).join('; ');
        if (crashes.length <= 4) {
          output.appendLine(`The Forge language server stopped (${why}); restarting it.`);
          return { action: CloseAction.Restart, handled: true };
        }
        setState('failed', `stopped ${crashes.length} times in 3 minutes`);
        return {
          action: CloseAction.DoNotRestart,
          message: `The Forge language server stopped ${crashes.length} times in 3 minutes (${why}); it is not restarted. Use "Forge: Restart Language Server" after fixing the cause.`,
        };
      },
    },
    documentSelector: [
      { scheme: 'file', language: 'forge' },
      { scheme: 'untitled', language: 'forge' },
    ],
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: { target: settings.target, scheduleHints: settings.scheduleHints },
    synchronize: {
      configurationSection: 'forge',
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.forge'),
    },
    middleware: {
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        return lenses?.map((l) => lensCommands.wrap(l));
      },
      executeCommand: async (command, args, next) => {
        if (command === SERVER_SHOW_TILE_IR) {
          const target = functionFromArgs(args);
          if (target) {
            await irDocs.show({ ...target, level: 'tile' });
            return undefined;
          }
        }
        if (command === SERVER_RUN || command === SERVER_PROFILE || command === SERVER_TUNE) {
          // Sent here rather than through next(), so that cancelling the notification cancels the request.
          const c = client;
          if (!c) return next(command, args);
          if (!(await nativesReady())) return undefined;
          await saveSource(functionFromArgs(args)?.uri);
          return withProgressAndOutput(command, describeArgs(args), (token) =>
            c.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token)
          );
        }
        return next(command, args);
      },
    },
  };

  const c = new LanguageClient('forge', 'Forge Language Server', serverOptions, clientOptions);
  client = c;
  c.onDidChangeState((e) => {
    if (client !== c) return;
    if (e.newState === State.Running && reachedRunning) void onRunning(c); // after an automatic restart
    if (e.newState === State.Running) reachedRunning = true;
    if (e.newState === State.Starting && reachedRunning) setState('starting');
  });
  exitDescription = undefined;
  try {
    await c.start();
  } catch (e) {
    if (client !== c) return;
    // Prefer what the launcher said on stderr (e.g. "Forge needs a JDK 25 or newer") to "write EPIPE".
    await new Promise((r) => setTimeout(r, 200));
    const said = stderrTail.filter((l) => /error|exception|not found|needs/i.test(l)).slice(-2).join(' ');
    const message = said || (exitDescription ? `the server process ended (${exitDescription})` : e instanceof Error ? e.message : String(e));
    output.appendLine(`The Forge language server did not start: ${message}`);
    setState('failed', message);
    void vscode.window
      .showErrorMessage(`The Forge language server did not start: ${message}`, 'Show Output', 'Open Settings')
      .then((a) => {
        if (a === 'Show Output') output.show(true);
        if (a === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'forge.');
      });
    return;
  }
  if (client !== c) return;
  await onRunning(c);
}

async function onRunning(c: LanguageClient): Promise<void> {
  serverCommands = new Set(c.initializeResult?.capabilities.executeCommandProvider?.commands ?? []);
  const info = c.initializeResult?.serverInfo;
  output.appendLine(
    `Forge language server running${info ? ` (${info.name}${info.version ? ' ' + info.version : ''})` : ''}; ` +
      `server commands: ${[...serverCommands].join(', ') || 'none'}.`
  );
  await vscode.commands.executeCommand('setContext', 'forge.server.run', serverCommands.has(SERVER_RUN));
  await vscode.commands.executeCommand('setContext', 'forge.server.profile', serverCommands.has(SERVER_PROFILE));
  await vscode.commands.executeCommand('setContext', 'forge.server.tune', serverCommands.has(SERVER_TUNE));
  await vscode.commands.executeCommand('setContext', 'forge.server.ir', serverCommands.has(SERVER_SHOW_TILE_IR));
  setState('running');
  irDocs.refreshAll();
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  serverCommands = new Set();
  if (!c) return;
  const p = serverProcess;
  serverProcess = undefined;
  try {
    await c.dispose(3000);
  } catch (e) {
    output.appendLine(`Stopping the language server: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (p && p.exitCode === null && p.signalCode === null) {
    // It did not exit after shutdown/exit (or never got them): end it.
    setTimeout(() => {
      if (p.exitCode === null && p.signalCode === null) p.kill();
    }, 2000);
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  if (starting) await starting.catch(() => undefined);
  output.appendLine('Restarting the Forge language server.');
  await stopClient();
  setState('stopped');
  await start(context);
}

function setState(state: ServerState, detail?: string): void {
  const target = readSettings().target;
  const icon = { starting: '$(loading~spin)', running: '$(check)', failed: '$(error)', stopped: '$(circle-slash)' }[state];
  status.text = `${icon} Forge`;
  const lines = [
    `Forge language server: ${state}${detail ? ` (${detail})` : ''}`,
    launcher ? `Launcher: ${launcher.command} (${launcher.origin})` : undefined,
    `Target: ${target}`,
    'Click to show the output',
  ];
  status.tooltip = lines.filter(Boolean).join('\n');
  status.backgroundColor = state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  writeStateFile(state, detail);
}

/** For tests: FORGE_VSCODE_STATE_FILE names a file that receives the client's state as JSON. */
function writeStateFile(state: ServerState, detail: string | undefined): void {
  const file = process.env.FORGE_VSCODE_STATE_FILE;
  if (!file) return;
  const caps = client?.initializeResult?.capabilities;
  const json = {
    state,
    detail: detail ?? null,
    launcher: launcher ?? null,
    serverInfo: client?.initializeResult?.serverInfo ?? null,
    serverCommands: [...serverCommands],
    capabilities: caps
      ? Object.fromEntries(Object.entries(caps).map(([k, v]) => [k, v === undefined || v === null || v === false ? false : true]))
      : null,
    time: new Date().toISOString(),
  };
  try {
    fs.writeFileSync(file, JSON.stringify(json, null, 2));
  } catch {
    // a test hook only
  }
}

// ---- commands ------------------------------------------------------------------------------------

function activeForgeEditor(): vscode.TextEditor | undefined {
  const e = vscode.window.activeTextEditor;
  if (e && e.document.languageId === 'forge') return e;
  // The focus may be in the IR document beside the source: use the visible Forge editor.
  return vscode.window.visibleTextEditors.find((v) => v.document.languageId === 'forge');
}

function serverReady(command: string, what: string): LanguageClient | undefined {
  if (!client || !client.isRunning()) {
    void vscode.window.showWarningMessage('The Forge language server is not running.', 'Show Output').then((a) => {
      if (a) output.show(true);
    });
    return undefined;
  }
  if (!serverCommands.has(command)) {
    void vscode.window.showInformationMessage(`This Forge language server does not offer ${what} yet (no '${command}' command).`);
    return undefined;
  }
  return client;
}

async function showIr(level: IrLevel): Promise<void> {
  const editor = activeForgeEditor();
  if (!editor) {
    void vscode.window.showInformationMessage('Forge: open a .forge file to see the IR of one of its functions.');
    return;
  }
  if (!serverReady(SERVER_SHOW_TILE_IR, 'the compiler IRs')) return;
  const fn = await functionAt(editor.document, editor.selection.active, `show the ${level} IR of`);
  if (!fn) return;
  // LLVM IR, assembly and PTX come from the code generator, which needs LLVM's natives.
  if (LLVM_LEVELS.includes(level) && !(await nativesReady())) return;
  await irDocs.show({ uri: editor.document.uri.toString(), function: fn.name, level });
}

async function runFunction(command: string): Promise<unknown> {
  const editor = activeForgeEditor();
  const what = command === SERVER_RUN ? 'run' : command === SERVER_TUNE ? 'tune' : 'profile';
  if (!editor) {
    void vscode.window.showInformationMessage(`Forge: open a .forge file to ${what} one of its functions.`);
    return undefined;
  }
  const c = serverReady(command, `${what} (Run/Profile)`);
  if (!c) return undefined;
  const fn = await functionAt(editor.document, editor.selection.active, what);
  if (!fn) return undefined;
  if (!(await nativesReady())) return undefined;
  // Prefer the arguments of the server's own code lens on this function, so both paths send the same thing.
  const args = (await lensArguments(editor.document, fn, command)) ?? [
    { uri: editor.document.uri.toString(), function: fn.name, target: readSettings().target },
  ];
  await saveSource(editor.document.uri.toString());
  return withProgressAndOutput(command, fn.name, (token) =>
    c.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token)
  );
}

async function lensArguments(doc: vscode.TextDocument, fn: FunctionAt, command: string): Promise<unknown[] | undefined> {
  try {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[] | undefined>('vscode.executeCodeLensProvider', doc.uri, 20);
    const targets = (lenses ?? []).filter((l) => l.command && fn.range.contains(l.range.start)).map((l) => lensCommands.target(l.command!));
    return targets.find((t) => t.command === command)?.arguments;
  } catch {
    return undefined;
  }
}

/**
 * Run and Profile compile with LLVM: the server bundled in a platform package needs LLVM's natives in the user's Maven
 * repository, downloaded on first use. False (after telling the user why) when they are not there.
 */
async function nativesReady(): Promise<boolean> {
  if (launcher?.origin !== 'bundled') return true; // a Forge checkout or installation brings its own
  const url = vscode.workspace.getConfiguration('forge').get<string>('maven.repositoryUrl') || DEFAULT_REPOSITORY_URL;
  try {
    await ensureNatives(nativesOf(launcher.command), url, (line) => output.appendLine(line));
    return true;
  } catch (e) {
    if (!(e instanceof NativesUnavailable)) throw e;
    output.appendLine(`Forge: ${e.message}`);
    void vscode.window.showErrorMessage(`Forge: ${e.message}`, 'Show Output').then((a) => {
      if (a) output.show(true);
    });
    return false;
  }
}

/** `forge run` reads the file from disk: save the source first when it has unsaved changes. */
async function saveSource(uri: string | undefined): Promise<void> {
  const doc = uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri) : undefined;
  if (doc?.isDirty && !doc.isUntitled) await doc.save();
}

/** The result of forge.run / forge.profile: {summary, output, ok} (a string or {text} from older servers). */
interface RunResult {
  summary?: string;
  output?: string;
  ok?: boolean;
  command?: string;
  /** forge profile's roofline as SVG */
  plot?: string;
}

/**
 * Runs a server command with a cancellable progress notification, then shows its summary as a message (an error
 * message when it did not succeed) and its whole output in the Forge output channel.
 */
async function withProgressAndOutput(
  command: string,
  label: string,
  run: (token: vscode.CancellationToken) => Thenable<unknown>
): Promise<unknown> {
  const what = command === SERVER_PROFILE ? 'Profiling' : command === SERVER_TUNE ? 'Tuning' : 'Running';
  const target = readSettings().target;
  output.appendLine(`--- ${what.toLowerCase()} ${label} on ${target}`);
  output.show(true);
  const showOutput = (a: string | undefined) => {
    if (a === 'Show Output') output.show(true);
  };
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Forge: ${what} ${label}...`, cancellable: true },
      (_progress, token) => run(token)
    );
    const r: RunResult = result && typeof result === 'object' ? (result as RunResult) : {};
    if (r.command) output.appendLine(`$ ${r.command}`);
    const raw = textOf(result) ?? (result === undefined || result === null ? '(no output)' : JSON.stringify(result, null, 2));
    const text = formatRunReport(raw) ?? raw; // the JSON report as a person reads it; anything else as it came
    output.appendLine(text.replace(/\n$/, ''));
    const summary = typeof r.summary === 'string' ? r.summary : `${label}: ${text.split('\n').find((l) => l.trim()) ?? 'done'}`;
    output.appendLine(`--- ${summary}`);
    if (typeof r.plot === 'string' && r.plot.includes('<svg')) roofline.show(label, r.plot);
    if (r.ok === false) void vscode.window.showErrorMessage(`Forge: ${summary}`, 'Show Output').then(showOutput);
    else void vscode.window.showInformationMessage(`Forge: ${summary}`, 'Show Output').then(showOutput);
    return result;
  } catch (e) {
    if (e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled) {
      output.appendLine(`--- ${label}: cancelled`);
      void vscode.window.showInformationMessage(`Forge: ${what.toLowerCase()} ${label} cancelled.`);
      return undefined;
    }
    const message = e instanceof Error ? e.message : String(e);
    output.appendLine(`--- ${label}: failed: ${message}`);
    void vscode.window.showErrorMessage(`Forge: ${what.toLowerCase()} ${label} failed: ${message}`, 'Show Output').then(showOutput);
    return undefined;
  }
}

/** Runs a server command directly (not through the VS Code command, so not through the middleware). */
async function executeOnServer(command: string, args: unknown[]): Promise<unknown> {
  if (!client || !client.isRunning() || !serverCommands.has(command)) return undefined;
  return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
}

/** {uri, function} from a code lens's arguments: an object {uri, function|fn|name}, or (uri, name). */
function functionFromArgs(args: unknown[]): Omit<IrParams, 'level'> | undefined {
  for (const a of args) {
    if (a && typeof a === 'object') {
      const o = a as Record<string, unknown>;
      const name = o.function ?? o.fn ?? o.name;
      if (typeof o.uri === 'string' && typeof name === 'string') return { uri: o.uri, function: name };
    }
  }
  if (args.length >= 2 && typeof args[0] === 'string' && typeof args[1] === 'string') {
    return { uri: args[0], function: args[1] };
  }
  return undefined;
}

function describeArgs(args: unknown[]): string {
  return functionFromArgs(args)?.function ?? 'function';
}
