// Puts the Forge server into server/, which the .vsix ships, so that the extension works without a checkout:
//   node scripts/bundle-server.mjs                      server/forge-server.jar + server/bin/forge (needs a JDK 25)
//   node scripts/bundle-server.mjs --target linux-x64   also server/runtime/ (a jlinked Java runtime), server/lib/
//                                                       (LLVM's Java bindings and JavaCPP's small natives) and
//                                                       server/natives.txt (LLVM's natives, fetched on first Run)
// LLVM's natives jar (148 MB for linux-x86_64) stays out of the package: the extension downloads it from Maven
// Central into the user's Maven repository the first time Run or Profile needs it, and checks its SHA-256, which
// natives.txt pins. Build Forge first (./forge version).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ext = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = join(ext, '..');
const target = process.argv.includes('--target') ? process.argv[process.argv.indexOf('--target') + 1] : undefined;
/** VS Code's platform targets this build can make, with JavaCPP's name of the platform. */
const PLATFORMS = { 'linux-x64': 'linux-x86_64' };
if (target && !PLATFORMS[target]) {
  console.error(`bundle-server: --target ${target}: this build makes ${Object.keys(PLATFORMS).join(', ')} (a runtime for another platform needs that platform's JDK)`);
  process.exit(2);
}

const build = join(repo, 'language-server', 'target');
const jar = existsSync(build) ? readdirSync(build).find((f) => /^forge-language-server-.*-server\.jar$/.test(f)) : undefined;
if (!jar) {
  console.error('bundle-server: no language-server/target/forge-language-server-*-server.jar: build Forge first (./forge version)');
  process.exit(1);
}
const server = join(ext, 'server');
rmSync(server, { recursive: true, force: true }); // nothing of an earlier (other platform's) package stays
mkdirSync(join(server, 'bin'), { recursive: true });
copyFileSync(join(build, jar), join(server, 'forge-server.jar'));
copyFileSync(join(ext, 'bundled', 'forge'), join(server, 'bin', 'forge'));
copyFileSync(join(repo, 'scripts', 'jdk.sh'), join(server, 'bin', 'jdk.sh'));
chmodSync(join(server, 'bin', 'forge'), 0o755);
console.log(`bundle-server: server/forge-server.jar (from ${jar}) and server/bin/forge`);
if (!target) process.exit(0);

// LLVM's bindings: the Java jars and JavaCPP's natives go into lib/, LLVM's natives are named in natives.txt.
const classpath = readFileSync(join(build, 'forge.classpath'), 'utf8').trim().split(':');
const bytedeco = classpath.filter((p) => p.includes('/org/bytedeco/'));
const natives = bytedeco.filter((p) => p.endsWith(`-${PLATFORMS[target]}.jar`) && basename(p).startsWith('llvm-'));
mkdirSync(join(server, 'lib'));
for (const p of bytedeco.filter((p) => !natives.includes(p) && (!/-(linux|macosx|windows)-/.test(p) || p.endsWith(`-${PLATFORMS[target]}.jar`)))) {
  copyFileSync(p, join(server, 'lib', basename(p)));
}
const m2 = classpath[classpath.findIndex((p) => p.includes('/org/bytedeco/'))].split('/org/bytedeco/')[0];
const lines = natives.map((p) => {
  const sha256 = createHash('sha256').update(readFileSync(p)).digest('hex');
  return `${p.slice(m2.length + 1)} ${sha256} ${statSync(p).size}`;
});
writeFileSync(join(server, 'natives.txt'), `# Maven path, SHA-256 and size of the natives that Run and Profile need (fetched on first use)\n${lines.join('\n')}\n`);
console.log(`bundle-server: server/lib/ (${readdirSync(join(server, 'lib')).join(', ')}), server/natives.txt (${natives.map((p) => basename(p)).join(', ')})`);

// A Java runtime with the modules the server and the command line load.
execFileSync(join(repo, 'scripts', 'jlink-runtime.sh'), [join(server, 'runtime')], {
  stdio: 'inherit',
  env: { ...process.env, FORGE_JLINK_CDS: '1' },
});
