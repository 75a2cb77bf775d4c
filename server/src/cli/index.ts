/** Entry point: the dispatcher plus the commands that live in other modules. */
import { COMMANDS, main } from './main';
import { cmdOpenapi, cmdServe } from './serve';

COMMANDS.serve = cmdServe;
COMMANDS.openapi = cmdOpenapi;

export { main };
