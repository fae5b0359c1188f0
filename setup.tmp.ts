import setup from './tests/support/global-setup';
await setup();
