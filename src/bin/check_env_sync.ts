process.stdout.write('ENV_SYNC UNKNOWN - not implemented yet\n');
process.exit(3);
