// Pure models and renderers (no cdktf); this file only re-exports them.
export * from './invalid-input';
export * from './shell';
export * from './ipv4';
export * from './sysctl-profile';
export * from './cloud-init';
export * from './guest-network';
export * from './nginx-config';
export * from './stream-relay';
