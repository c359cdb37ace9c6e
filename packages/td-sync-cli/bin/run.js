#!/usr/bin/env node
// `td --version` alone is answered here, without importing oclif (about 100 ms of start-up that
// agents calling td many times a minute pay for nothing). The text is oclif's own user agent,
// `<name>/<version> <platform>-<arch> node-<version>`; WSL (which oclif reports as `wsl`) and every
// other command go through oclif.
import {arch, platform, release} from 'node:os'
import {readFileSync} from 'node:fs'

const wsl = platform() === 'linux' && release().toLowerCase().includes('microsoft')
if (process.argv.length === 3 && process.argv[2] === '--version' && !wsl) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.name}/${pkg.version} ${platform()}-${arch() === 'ia32' ? 'x86' : arch()} node-${process.version}\n`)
} else {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
