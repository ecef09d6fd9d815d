export { listenConsole, startConsole, type ListeningConsole, type RunningConsole } from './start';
export { ConsoleEnv, consoleConfig, CONSOLE_SCOPES, type ConsoleConfig } from './config';
export { AwsConsoleEnv } from './aws-console';
