// Imports one bundle and exits: what `bench:lambda --instructions` counts under valgrind.
await import(process.argv[2]);
