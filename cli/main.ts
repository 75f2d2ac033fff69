import { CommanderError } from 'commander';
import { EXIT, OperatorError } from '../operator/operatorError';
import { program } from './program';

// Exit through process.exit on an interrupt so the 'exit' hooks of the emulator and the Glue worker run and
// no moto server or Spark JVM outlives the command.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

try {
  await program().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof OperatorError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.failed;
  }
}
