/**
 * `snapwright version`: prints the package version.
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';

/** The package version, read from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Prints the version. */
export function versionCommand(): number {
  console.log(`snapwright ${packageVersion()}`);
  return 0;
}
