/** Entry of the bundled language server (started by the VS Code client over IPC, or with --stdio). */
import { startServer } from './server';

startServer();
