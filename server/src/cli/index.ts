/** Entry point: the dispatcher plus the commands that live in other modules. */
import { COMMANDS, main } from './main';
import { UsageError } from '../node/files';

// serve and openapi need the HTTP server, the engine and the validators: loaded only when asked for,
// so that check, routes and model start fast.
COMMANDS.serve = (args, io) => (require('./serve') as typeof import('./serve')).cmdServe(args, io);
COMMANDS.openapi = (args, io) => (require('./serve') as typeof import('./serve')).cmdOpenapi(args, io);
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
