#!/usr/bin/env node
// The `tasks` command (package.json "bin"): runs with Node's own type stripping (Node >= 22.18).
import { runCli } from '../cli/program.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
