/** Entry of the bundled CLI (dist/cli.js), used by the extension to start the local API. */
import { main } from './index';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`bpmn-resource-api: internal error: ${err.stack ?? err}\n`);
    process.exitCode = 3;
  },
);
