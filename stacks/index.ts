// The environment stack, its typed configuration and the default environments; this file only re-exports them.
export * from './environment-config';
export * from './environment-file';
export * from './environment-stack';
export * from './environments';
export * from './json-schema';
export * from './environment-schema';
