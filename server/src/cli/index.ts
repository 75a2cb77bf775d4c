/** Entry point: the dispatcher plus the commands that live in other modules. */
export { main } from './main';
