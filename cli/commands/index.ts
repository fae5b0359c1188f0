// Every top-level command, in the order help lists them. A new group is one module in this
// folder exporting a CommandGroup, and one line here.
import type { CommandGroup } from '../command';
import { backup, restore } from './backup';
import { events } from './events';
import { login, logout } from './login';
import { logs } from './logs';
import { replay } from './replay';
import { sessions } from './sessions';
import { snapshot } from './snapshot';
import { stats } from './stats';

export const commands: CommandGroup[] = [login, logout, sessions, snapshot, logs, stats, events, backup, restore, replay];
