// `npm run spark:events -- export|import <projectId> <file> [--session S] [--since T] [--until T]`
// with SPARK_URL and SPARK_TOKEN: kept as an alias of `spark events export|import FILE --project P` (cli/).
import { main } from '../cli/main';

const args = process.argv.slice(2);
const [command, projectId, file, ...rest] = args[0] === 'events' ? args.slice(1) : args;
const argv = command && projectId && file ? ['events', command, file, '--project', projectId, ...rest] : ['events', ...(command ? [command] : [])];
main(argv).then((code) => {
  process.exitCode = code;
});
