// `npm run spark:replay -- --chip … --log …`: kept as an alias of `spark replay --json` (cli/).
import { main } from '../cli/main';

const args = process.argv.slice(2);
main(['replay', '--json', ...(args[0] === 'replay' ? args.slice(1) : args)]).then((code) => {
  process.exitCode = code;
});
