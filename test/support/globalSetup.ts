import type { TestProject } from 'vitest/node';
import { type Emulator, startEmulator } from '../../local/emulator';

/** One moto server for the whole run; tests isolate themselves by unique resource names. */
let emulator: Emulator | undefined;

export async function setup(project: TestProject): Promise<void> {
  emulator = await startEmulator();
  project.provide('emulatorEndpoint', emulator.endpoint);
}

export async function teardown(): Promise<void> {
  await emulator?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEndpoint: string;
  }
}
