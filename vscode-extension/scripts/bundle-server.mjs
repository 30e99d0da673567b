// Copies the Forge server (the unsigned jar the Maven build makes) and its launcher into server/, which the
// .vsix ships: the extension then works without a checkout of the repository. Build Forge first.
import { copyFileSync, chmodSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ext = dirname(dirname(fileURLToPath(import.meta.url)));
const target = join(ext, '..', 'language-server', 'target');
const jar = existsSync(target) ? readdirSync(target).find((f) => /^forge-language-server-.*-server\.jar$/.test(f)) : undefined;
if (!jar) {
  console.error('bundle-server: no language-server/target/forge-language-server-*-server.jar: build Forge first (./forge version)');
  process.exit(1);
}
mkdirSync(join(ext, 'server', 'bin'), { recursive: true });
copyFileSync(join(target, jar), join(ext, 'server', 'forge-server.jar'));
copyFileSync(join(ext, 'bundled', 'forge'), join(ext, 'server', 'bin', 'forge'));
copyFileSync(join(ext, '..', 'scripts', 'jdk.sh'), join(ext, 'server', 'bin', 'jdk.sh'));
chmodSync(join(ext, 'server', 'bin', 'forge'), 0o755);
console.log(`bundle-server: server/forge-server.jar (from ${jar}) and server/bin/forge`);
