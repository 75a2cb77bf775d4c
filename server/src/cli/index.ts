/** Entry point: the dispatcher plus the commands that live in other modules. */
import { COMMANDS, main } from './main';
import { cmdOpenapi, cmdServe } from './serve';
import { UsageError } from '../node/files';

COMMANDS.serve = cmdServe;
COMMANDS.openapi = cmdOpenapi;
COMMANDS.lsp = (args) => {
  if (!args.includes('--stdio') && !args.some((a) => a.startsWith('--node-ipc') || a.startsWith('--socket') || a.startsWith('--pipe'))) {
    throw new UsageError('lsp needs a transport: --stdio');
  }
  // The server reads the transport from process.argv; it runs until the client exits it.
  const { startServer } = require('../lsp/server') as typeof import('../lsp/server');
  startServer();
  return new Promise<number>(() => undefined);
};

export { main };
