// LLVM's natives for Run and Profile with the server bundled in a platform package: its server/natives.txt names
// Maven artifacts (path, SHA-256, size) that the launcher takes from the user's Maven repository. They are too large
// for the package (148 MB for linux-x86_64), so the first Run or Profile downloads them from Maven Central (or the
// forge.maven.repositoryUrl mirror), with a cancellable progress notification, and checks their SHA-256.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export interface NativeArtifact {
  /** relative to the repository root, e.g. org/bytedeco/llvm/20.1.7-1.5.12/llvm-20.1.7-1.5.12-linux-x86_64.jar */
  path: string;
  sha256: string;
  size: number;
}

export const DEFAULT_REPOSITORY_URL = 'https://repo1.maven.org/maven2';

/** The user's Maven repository: FORGE_MAVEN_LOCAL, else ~/.m2/repository (the launcher looks in the same place). */
export function localRepository(): string {
  return process.env.FORGE_MAVEN_LOCAL || path.join(os.homedir(), '.m2', 'repository');
}

/** The artifacts named by server/natives.txt of the bundled server (none for a server without the file). */
export function nativesOf(launcherCommand: string): NativeArtifact[] {
  const file = path.join(path.dirname(path.dirname(launcherCommand)), 'natives.txt');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [p, sha256, size] = l.split(/\s+/);
      return { path: p, sha256, size: Number(size) };
    });
}

export class NativesUnavailable extends Error {}

/** Artifacts whose checksum was seen to match in this session: hashing 148 MB once is enough. */
const verified = new Set<string>();

/**
 * Makes sure every artifact is in the local repository with its SHA-256, downloading what is missing or damaged.
 * Throws NativesUnavailable with a message for the user when it cannot (offline, cancelled, a wrong checksum).
 */
export async function ensureNatives(artifacts: NativeArtifact[], repositoryUrl: string, log: (line: string) => void): Promise<void> {
  const missing: NativeArtifact[] = [];
  for (const a of artifacts) {
    const file = path.join(localRepository(), a.path);
    if (verified.has(file)) continue;
    if (fs.existsSync(file) && (await sha256Of(file)) === a.sha256) verified.add(file);
    else missing.push(a);
  }
  if (missing.length === 0) return;
  const total = missing.reduce((n, a) => n + a.size, 0);
  const mb = (n: number) => `${Math.round(n / 1e6)} MB`;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Forge: downloading LLVM for Run and Profile (${mb(total)}, once)`, cancellable: true },
    async (progress, token) => {
      let done = 0;
      for (const a of missing) {
        const url = `${repositoryUrl.replace(/\/+$/, '')}/${a.path}`;
        const file = path.join(localRepository(), a.path);
        log(`Downloading ${url} into ${file}.`);
        try {
          await download(url, file, a.sha256, token, (n) => {
            done += n;
            progress.report({ message: `${mb(done)} of ${mb(total)}`, increment: (100 * n) / total });
          });
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          throw new NativesUnavailable(
            token.isCancellationRequested
              ? 'the download of LLVM was cancelled; Run and Profile need it (the next Run starts it again).'
              : `Run and Profile need LLVM's natives (${path.basename(a.path)}, ${mb(a.size)}), and downloading ${url} failed: ${why}. ` +
                  `Connect to the internet (or set forge.maven.repositoryUrl to a Maven mirror), or put the file at ${file}.`
          );
        }
        verified.add(file);
        log(`Downloaded ${path.basename(a.path)}; SHA-256 ${a.sha256} matches.`);
      }
    }
  );
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/** Downloads into a temporary file beside `file`, checks the SHA-256, then renames it into place. */
async function download(url: string, file: string, sha256: string, token: vscode.CancellationToken, onBytes: (n: number) => void): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.part`;
  try {
    const hash = createHash('sha256');
    await new Promise<void>((resolve, reject) => {
      const get = (u: string, redirects: number) => {
        const request = (u.startsWith('https:') ? https : http).get(u, (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 300 && status < 400 && response.headers.location && redirects < 5) {
            response.resume();
            get(new URL(response.headers.location, u).toString(), redirects + 1);
            return;
          }
          if (status !== 200) {
            response.resume();
            reject(new Error(`HTTP ${status}`));
            return;
          }
          const out = fs.createWriteStream(partial);
          response.on('data', (d: Buffer) => {
            hash.update(d);
            onBytes(d.length);
          });
          response.pipe(out);
          out.on('finish', resolve);
          out.on('error', reject);
          response.on('error', reject);
        });
        request.on('error', reject);
        request.setTimeout(30_000, () => request.destroy(new Error('no answer for 30 s')));
        const onCancel = token.onCancellationRequested(() => request.destroy(new Error('cancelled')));
        request.on('close', () => onCancel.dispose());
      };
      get(url, 0);
    });
    const got = hash.digest('hex');
    if (got !== sha256) throw new Error(`its SHA-256 is ${got}, not the expected ${sha256}`);
    fs.renameSync(partial, file);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}
